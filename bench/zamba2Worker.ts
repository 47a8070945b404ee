// One model of `tessera bench zamba2` in a process of its own, so that its peak resident memory is its own:
// build Zamba2 or its attention-only twin (random weights, f32 or bf16 matrices), time the prefill of a prompt,
// then decode steps at each context on a cache holding that many positions of random keys/values (a decode
// step's cost does not depend on the values; prefilling 8192 tokens at 1.2B would take hours here).
// With `generate` set, the process instead runs one real generate() (chunked prefill of a prompt, then
// recurrent steps) and reports its peak resident memory beside the weight and cache bytes it needs.
// Run as `node dist/bench/zamba2Worker.js '<json WorkerArgs>'`; prints one JSON line (WorkerResult).
import { median, random } from '../src/core/index.js';
import { openBackend, type BackendChoice } from '../src/backend/select.js';
import { setBackend, Tensor } from '../src/index.js';
import { weightBytes, type sequence } from '../src/nn/index.js';
import {
  AttentionBaseline, countZamba2Parameters, generate, parseZamba2Config, randomZamba2Weights, tinyZamba2ConfigJson, zamba2CacheBytes,
  Zamba2Model, ZAMBA2_PRESETS, type Zamba2Config,
} from '../src/models/zamba2/index.js';

export type BenchShape = 'tiny' | '1.2B';
export type BenchModel = 'zamba2' | 'attention-only';

export interface WorkerArgs {
  shape: BenchShape;
  model: BenchModel;
  dtype: 'f32' | 'bf16';
  contexts: number[];
  reps: number;
  warmup: number;
  prefillTokens: number;
  backend: BackendChoice;
  /** run a generate of this many prompt and new tokens instead of the decode rows (Zamba2 only) */
  generate?: { promptTokens: number; newTokens: number };
}

export interface GenerateMeasurement {
  prompt_tokens: number;
  new_tokens: number;
  /** new tokens / seconds of the whole generate (prefill included) */
  tok_s: number;
  peak_rss_bytes: number;
  weight_bytes: number;
  /** the cache at the end of the generate (prompt + new tokens), by zamba2CacheBytes */
  cache_bytes: number;
}

export interface WorkerRow {
  context: number;
  /** median and fastest of the timed steps */
  decode_ms: number;
  decode_ms_min: number;
  cache_bytes: number;
  /** Zamba2 only: the cache bytes of zamba2CacheBytes (the formula) */
  cache_bytes_formula: number | null;
  /** bytes one step reads: weights once per use, and the cache */
  read_bytes: number;
}

export interface WorkerResult {
  backend: string;
  parameters: number;
  /** bytes of the weights as held (each tensor once) */
  weight_bytes: number;
  prefill_tokens: number;
  prefill_tok_s: number;
  rows: WorkerRow[];
  peak_rss_bytes: number;
  generate: GenerateMeasurement | null;
}

export function benchConfig(shape: BenchShape): Zamba2Config {
  return parseZamba2Config(shape === 'tiny' ? tinyZamba2ConfigJson(320) : ZAMBA2_PRESETS['1.2B']);
}

/** Fill a KV cache to `context` positions with values from a small random pool (room for `extra` more). */
function fillKv(kv: sequence.KeyValueCache, context: number, extra: number, pool: Float64Array): void {
  kv.reserve(context + extra);
  const n = context * kv.width;
  const keys = new Float32Array(n), values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = pool[i % pool.length]!;
    values[i] = pool[(i + 17) % pool.length]!;
  }
  kv.extend(new Tensor(keys, [1, context, kv.width]), new Tensor(values, [1, context, kv.width]));
}

/** Median and minimum ms of `reps` calls after `warmup` untimed ones (the minimum resists a busy machine). */
function timeSteps(step: (i: number) => void, reps: number, warmup: number): { median: number; min: number } {
  for (let i = 0; i < warmup; i++) step(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    step(i);
    times.push(performance.now() - t0);
  }
  return { median: median(times), min: Math.min(...times) };
}

export async function runBenchWorker(a: WorkerArgs): Promise<WorkerResult> {
  const opened = await openBackend(a.shape === 'tiny' ? 'cpu' : a.backend); // tiny matrices: the pools' hand-offs would dominate
  setBackend(opened.backend);
  try {
    const config = benchConfig(a.shape);
    const pool = random.normalValues(random.key(5), 4096, 'f32').map((v) => 0.1 * v);
    const ids = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => 3 + ((i * 31 + offset) % (config.vocabSize - 3)));
    const model = a.model === 'zamba2'
      ? new Zamba2Model(config, randomZamba2Weights(config, 1, a.shape === 'tiny' ? 'normal' : 'tiled', a.dtype))
      : new AttentionBaseline(config, 2, undefined, a.dtype);
    const parameters = model instanceof Zamba2Model ? countZamba2Parameters(config).total : model.parameterCount;
    const weightBytesHeld = model instanceof Zamba2Model
      ? [...model.weights.named.values()].reduce((n, w) => n + weightBytes(w), 0)
      : model.decodeReadBytes(model.newCache());
    if (a.generate) {
      if (!(model instanceof Zamba2Model)) throw new Error('bench zamba2 worker: generate runs on Zamba2 only');
      const { promptTokens, newTokens } = a.generate;
      const t0 = performance.now();
      const out = generate(model, ids(promptTokens), { maxNewTokens: newTokens, stopTokens: [] });
      const seconds = (performance.now() - t0) / 1000;
      const peak = process.resourceUsage().maxRSS * 1024;
      return {
        backend: opened.description, parameters, weight_bytes: weightBytesHeld, prefill_tokens: 0, prefill_tok_s: 0, rows: [], peak_rss_bytes: peak,
        generate: {
          prompt_tokens: promptTokens, new_tokens: out.ids.length, tok_s: out.ids.length / seconds, peak_rss_bytes: peak, weight_bytes: weightBytesHeld,
          cache_bytes: zamba2CacheBytes(config, promptTokens + out.ids.length - 1, 4),
        },
      };
    }
    const prefill = timeSteps(() => model.forwardLast(ids(a.prefillTokens), model.newCache() as never), 1, a.shape === 'tiny' ? 2 : 0);
    const rows: WorkerRow[] = [];
    for (const context of a.contexts) {
      const extra = a.reps + a.warmup;
      let step: (i: number) => void, cacheBytes: number, readBytes: number;
      if (model instanceof Zamba2Model) {
        const cache = model.newCache();
        for (const kv of cache.kv) fillKv(kv, context, extra, pool);
        cache.length = context;
        cacheBytes = model.cacheBytes(cache);
        readBytes = model.decodeReadBytes(cache);
        step = (i) => model.forwardLast([ids(1, i + 9)[0]!], cache, 'recurrent');
      } else {
        const cache = model.newCache();
        for (const kv of cache) fillKv(kv, context, extra, pool);
        cacheBytes = model.cacheBytes(cache);
        readBytes = model.decodeReadBytes(cache);
        step = (i) => model.forwardLast([ids(1, i + 9)[0]!], cache);
      }
      const ms = timeSteps(step, a.reps, a.warmup);
      rows.push({
        context, decode_ms: ms.median, decode_ms_min: ms.min, cache_bytes: cacheBytes, read_bytes: readBytes,
        cache_bytes_formula: model instanceof Zamba2Model ? zamba2CacheBytes(config, context, 4) : null,
      });
    }
    return {
      backend: opened.description, parameters, weight_bytes: weightBytesHeld, prefill_tokens: a.prefillTokens, prefill_tok_s: (1000 * a.prefillTokens) / prefill.min, rows,
      peak_rss_bytes: process.resourceUsage().maxRSS * 1024, generate: null,
    };
  } finally {
    await opened.close();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runBenchWorker(JSON.parse(process.argv[2]!) as WorkerArgs).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: Error) => {
      process.stderr.write(`${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
}
