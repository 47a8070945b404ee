// The Zamba2 page's engine worker: `zamba2.generate` loads a model directory from its files (the bytes the page
// read: the shipped tiny checkpoint, or a folder the user chose) with the library's loader, and generates as
// `tessera zamba2 generate` does — the same loader options (weights kept as stored, no dt clamp), tokenizer and
// generate() — posting each token to the page as it is chosen.
import {
  Zamba2Model, Zamba2Tokenizer, baselineCacheBytes, baselineLayerCount, generate, loadZamba2FromFiles, zamba2CacheBytes, zamba2CacheSizes,
} from 'tessera/models/zamba2/browser';
import { serveEngine } from './engine/serve.js';

export interface GenerateRequest {
  /** the directory's name (errors name its files as "<name>/config.json", as the CLI names "<dir>/config.json") */
  name: string;
  files: Map<string, Uint8Array>;
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
}

/** One generated token, as it is chosen. */
export interface TokenEvent {
  /** 0-based index among the generated tokens */
  index: number;
  id: number;
  /** the decoded text of all tokens so far */
  text: string;
  /** ms since generation started (prefill included) */
  ms: number;
}

export interface GenerateReply {
  promptIds: number[];
  ids: number[];
  text: string;
  stoppedBy: string;
  loadMs: number;
  /** ms to the first token (prefill of the prompt), then ms per later token */
  firstTokenMs: number;
  decodeMsPerToken: number | null;
  model: { layers: number; hybridLayers: number; hidden: number; kvHeads: number; headDim: number; vocab: number; dtypes: string[]; bytesPerValue: number; baselineLayers: number };
  cache: {
    /** Zamba2: conv + SSM state of every layer (bytes, independent of the length), and KV bytes per token */
    recurrentBytes: number;
    kvBytesPerToken: number;
    /** tokens in the cache when each generated token was chosen: prompt + the tokens before it */
    positions: number[];
    zamba2Bytes: number[];
    attentionOnlyBytes: number[];
    /** the model's own count of its cache after running prompt + all generated tokens but the last */
    measuredZamba2Bytes: number;
  };
}

serveEngine({
  'zamba2.generate': (r: GenerateRequest, progress): GenerateReply => {
    const t0 = performance.now();
    const ck = loadZamba2FromFiles(r.name, r.files, { weights: 'stored' });
    // The CLI's words when the directory has no tokenizer (cli/zamba2.ts).
    if (!ck.tokenizerJson) throw new Error(`--model ${r.name} expected a tokenizer.json, got none`);
    const tokenizer = new Zamba2Tokenizer(ck.tokenizerJson, ck.tokenizerConfig);
    const model = new Zamba2Model(ck.config, ck.weights);
    const loadMs = performance.now() - t0;
    const promptIds = tokenizer.encode(r.prompt);
    const generated: number[] = [], times: number[] = [];
    const start = performance.now();
    const result = generate(model, promptIds, {
      maxNewTokens: r.maxNewTokens, temperature: r.temperature, topK: r.topK, topP: r.topP, seed: r.seed,
      onToken: (id) => {
        generated.push(id);
        times.push(performance.now() - start);
        progress({ index: generated.length - 1, id, text: tokenizer.decode(generated), ms: times.at(-1)! } satisfies TokenEvent);
      },
    });
    const c = ck.config, bytesPerValue = model.dtype === 'f64' ? 8 : 4;
    const sizes = zamba2CacheSizes(c);
    const positions = result.ids.map((_, i) => promptIds.length + i);
    // The cache as the model counts it, after the tokens the last choice was made from.
    const cache = model.newCache();
    model.forwardLast([...promptIds, ...result.ids.slice(0, -1)], cache);
    return {
      promptIds, ids: result.ids, text: tokenizer.decode(result.ids), stoppedBy: result.stoppedBy, loadMs,
      firstTokenMs: times[0] ?? 0,
      decodeMsPerToken: times.length > 1 ? (times.at(-1)! - times[0]!) / (times.length - 1) : null,
      model: {
        layers: c.layers, hybridLayers: c.hybridLayerIds.length, hidden: c.hidden, kvHeads: c.kvHeads, headDim: c.attentionHeadDim, vocab: c.vocabSize,
        dtypes: [...ck.info.dtypes], bytesPerValue, baselineLayers: baselineLayerCount(c),
      },
      cache: {
        recurrentBytes: sizes.recurrentTotal * bytesPerValue, kvBytesPerToken: sizes.kvPerToken * bytesPerValue, positions,
        zamba2Bytes: positions.map((t) => zamba2CacheBytes(c, t, bytesPerValue)),
        attentionOnlyBytes: positions.map((t) => baselineCacheBytes(c, t, bytesPerValue)),
        measuredZamba2Bytes: model.cacheBytes(cache),
      },
    };
  },
});
