// `tessera zamba2 make-tiny`: a tiny random Zamba2 checkpoint in the Hugging Face layout — config.json,
// model.safetensors (or shards with model.safetensors.index.json), tokenizer.json, tokenizer_config.json.
// Options reproduce the layouts real repositories use (shared blocks once or duplicated, the legacy "blocks"
// layout, F32/BF16/F16 storage, shards), so that the loader is tested on every one of them.
import { Tensor } from '../../tensor/tensor.js';
import { ensureDirectory, writeFileAtomic, writeSafetensors } from '../../io/index.js';
import { parseZamba2Config, type Zamba2Config } from './config.js';
import { blocksLayoutName } from './checkpointNames.js';
import { tinyZamba2ConfigJson } from './tinyConfig.js';
import { blockHomeLayer, zamba2TensorSpecs } from './tensors.js';
import { randomZamba2Tensors } from './weights.js';

export interface TinyCheckpointOptions {
  readonly seed?: number;
  readonly dtype?: 'F32' | 'BF16' | 'F16';
  /** write this many shards plus model.safetensors.index.json (default 1: one model.safetensors) */
  readonly shards?: number;
  readonly layout?: 'layers' | 'blocks';
  /** layers layout: also store each shared block under every hybrid layer that uses it */
  readonly duplicateShared?: boolean;
}

const BYTE_TOKENS = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
const LETTERS = [...'abcdefghijklmnopqrstuvwxyzTHW.,?!'];
const MERGES: [string, string][] = [
  ['▁', 't'], ['h', 'e'], ['▁t', 'he'], ['i', 'n'], ['e', 'r'], ['▁', 'a'], ['o', 'n'], ['r', 'e'], ['▁', 'h'], ['l', 'l'],
  ['▁', 'w'], ['▁', 'o'], ['o', 'u'], ['▁', 's'], ['▁', 'T'], ['▁T', 'he'], ['▁', 'H'], ['▁', 'y'], ['▁y', 'ou'], ['▁h', 'o'],
  ['▁ho', 'w'], ['a', 'r'], ['▁a', 'r'], ['▁ar', 'e'], ['i', 's'], ['▁', 'i'], ['▁i', 's'], ['in', 'g'],
];

/** A small Llama-style (SentencePiece BPE, byte fallback) tokenizer.json: <unk>=0, <s>=1, </s>=2. */
export function tinyTokenizerJson(): { tokenizer: Record<string, unknown>; config: Record<string, unknown>; vocabSize: number } {
  const tokens = ['<unk>', '<s>', '</s>', ...BYTE_TOKENS, '▁', ...LETTERS, ...MERGES.map(([a, b]) => a + b)];
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  });
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tokenizer = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }],
    },
    model: {
      type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges: MERGES.map(([a, b]) => `${a} ${b}`),
    },
  };
  const config = { add_bos_token: true, add_eos_token: false, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', tokenizer_class: 'LlamaTokenizer', clean_up_tokenization_spaces: false };
  return { tokenizer, config, vocabSize: Object.keys(vocab).length };
}

const join = (dir: string, name: string) => (dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`);

/** Write the tiny checkpoint into `dir`; returns its config and the canonical f32 tensors written. */
export function writeTinyZamba2Checkpoint(dir: string, options: TinyCheckpointOptions = {}): { config: Zamba2Config; tensors: Map<string, Float32Array> } {
  const tok = tinyTokenizerJson();
  const configJson = { ...tinyZamba2ConfigJson(tok.vocabSize), torch_dtype: { F32: 'float32', BF16: 'bfloat16', F16: 'float16' }[options.dtype ?? 'F32'] };
  const config = parseZamba2Config(configJson);
  const tensors = randomZamba2Tensors(config, options.seed ?? 0);
  const named = new Map<string, Float32Array>();
  const layout = options.layout ?? 'layers';
  for (const spec of zamba2TensorSpecs(config)) {
    const data = tensors.get(spec.name)!;
    named.set(layout === 'blocks' ? blocksLayoutName(config, spec.name) : spec.name, data);
    if (layout === 'layers' && options.duplicateShared) {
      const m = /^model\.layers\.(\d+)\.shared_transformer\.(.+)$/.exec(spec.name);
      if (m) {
        const home = Number(m[1]);
        config.hybridLayerIds.forEach((layer, j) => {
          if (layer !== home && blockHomeLayer(config, j % config.numMemBlocks) === home) named.set(`model.layers.${layer}.shared_transformer.${m[2]}`, data);
        });
      }
    }
  }
  // Every stored name aliases one canonical array; its shape comes from the canonical spec.
  const shapeOf = new Map<Float32Array, readonly number[]>();
  for (const spec of zamba2TensorSpecs(config)) shapeOf.set(tensors.get(spec.name)!, spec.shape);
  const toTensor = (data: Float32Array) => new Tensor(data, [...shapeOf.get(data)!]);
  ensureDirectory(dir);
  const f32As = options.dtype ?? 'F32';
  const names = [...named.keys()];
  const shards = Math.max(1, options.shards ?? 1);
  if (shards === 1) {
    writeSafetensors(join(dir, 'model.safetensors'), Object.fromEntries(names.map((n) => [n, toTensor(named.get(n)!)])), { f32As, metadata: { format: 'pt' } });
  } else {
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part = names.filter((_, i) => i % shards === s);
      for (const n of part) weightMap[n] = file;
      writeSafetensors(join(dir, file), Object.fromEntries(part.map((n) => [n, toTensor(named.get(n)!)])), { f32As, metadata: { format: 'pt' } });
    }
    const bytes = { F32: 4, BF16: 2, F16: 2 }[f32As];
    const totalSize = names.reduce((n, name) => n + bytes * named.get(name)!.length, 0);
    writeFileAtomic(join(dir, 'model.safetensors.index.json'), `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2)}\n`);
  }
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(configJson, null, 2)}\n`);
  writeFileAtomic(join(dir, 'tokenizer.json'), `${JSON.stringify(tok.tokenizer)}\n`);
  writeFileAtomic(join(dir, 'tokenizer_config.json'), `${JSON.stringify(tok.config, null, 2)}\n`);
  return { config, tensors };
}
