// `tessera bench zamba2`: Zamba2 beside a pure-attention transformer of about the same parameter count built
// from the same layers (models/zamba2/attentionBaseline.ts), for the tiny config and the real 1.2B shape with
// random weights. Per model: prefill tokens/s (chunked SSD / causal attention over a prompt), decode ms/token
// at contexts 128…8192 and cache bytes there (measured from the cache objects, and Zamba2's from the formula).
// Decode at context c runs on a cache holding c positions whose keys/values are filled with random values
// (a decode step's cost does not depend on the values; prefilling 8192 tokens at 1.2B would take hours here).
// The SSM/conv states are a fixed size whatever the context. Prints one JSON object.
import { availableParallelism } from 'node:os';
import { median, random } from '../src/core/index.js';
import { cpuBackend, Tensor, withBackend } from '../src/index.js';
import type { sequence } from '../src/nn/index.js';
import {
  AttentionBaseline, assembleZamba2Weights, countZamba2Parameters, parseZamba2Config, randomZamba2Tensors, tinyZamba2ConfigJson,
  zamba2CacheBytes, zamba2CacheSizes, Zamba2Model, ZAMBA2_PRESETS, type Zamba2Config,
} from '../src/models/zamba2/index.js';

export interface Zamba2BenchOptions {
  quick: boolean;
  shapes: 'tiny' | '1.2B' | 'both';
  maxContext?: number;
  backend: string;
  log?: (line: string) => void;
}

interface DecodeRow {
  context: number;
  /** median of the timed steps */
  ms_per_token: number;
  /** fastest timed step */
  ms_per_token_min: number;
  cache_bytes: number;
  cache_bytes_formula?: number;
}

interface ModelRow {
  parameters: number;
  prefill: { tokens: number; tokens_per_s: number };
  decode: DecodeRow[];
  /** (cache bytes at the largest context − at the smallest) / (context difference) */
  cache_bytes_per_token: number;
  /** fastest decode step at the largest context / at the smallest */
  decode_growth: number;
  /** ms a decode step gains from the smallest to the largest context: fastest steps, and medians */
  decode_added_ms_min: number;
  decode_added_ms_median: number;
}

export interface Zamba2BenchResult {
  shapes: Record<string, {
    config: { hidden: number; layers: number; hybrid_invocations: number; baseline_layers: number };
    zamba2: ModelRow & { cache_equals_formula: boolean; recurrent_state_bytes: number; kv_bytes_per_token_formula: number };
    attention_baseline: ModelRow;
    ratios: { cache_bytes_per_token_baseline_over_zamba2: number; decode_ms_at_max_context_baseline_over_zamba2: number };
  }>;
  meta: { quick: boolean; backend: string; tiny_backend: string; threads: number; contexts: number[]; reps: number; node: string; date: string; note: string };
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
function timeSteps(step: (i: number) => void, reps: number, warmup = 2): { median: number; min: number } {
  for (let i = 0; i < warmup; i++) step(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    step(i);
    times.push(performance.now() - t0);
  }
  return { median: median(times), min: Math.min(...times) };
}

function summarize(rows: DecodeRow[]): Pick<ModelRow, 'cache_bytes_per_token' | 'decode_growth' | 'decode_added_ms_min' | 'decode_added_ms_median'> {
  const first = rows[0]!, last = rows[rows.length - 1]!;
  return {
    cache_bytes_per_token: (last.cache_bytes - first.cache_bytes) / (last.context - first.context),
    decode_growth: last.ms_per_token_min / first.ms_per_token_min,
    decode_added_ms_min: last.ms_per_token_min - first.ms_per_token_min,
    decode_added_ms_median: last.ms_per_token - first.ms_per_token,
  };
}

function benchShape(name: string, config: Zamba2Config, contexts: number[], reps: number, warmup: number, prefillTokens: number, log: (s: string) => void) {
  const pool = random.normalValues(random.key(5), 4096, 'f32').map((v) => 0.1 * v);
  const ids = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => 3 + ((i * 31 + offset) % (config.vocabSize - 3)));
  // Zamba2
  log(`${name}: building Zamba2 (${countZamba2Parameters(config).total} parameters, random weights)`);
  let zamba: Zamba2Model | null = (() => {
    const t = randomZamba2Tensors(config, 1, name === 'tiny' ? 'normal' : 'tiled');
    return new Zamba2Model(config, assembleZamba2Weights(config, (n) => t.get(n)!));
  })();
  const zPrefillMs = timeSteps(() => zamba!.forwardLast(ids(prefillTokens), zamba!.newCache(), 'chunked'), 1, name === 'tiny' ? 2 : 0);
  const zRows: DecodeRow[] = [];
  for (const context of contexts) {
    const cache = zamba.newCache();
    for (const kv of cache.kv) fillKv(kv, context, reps + warmup, pool);
    cache.length = context;
    const bytes = zamba.cacheBytes(cache);
    const ms = timeSteps((i) => zamba!.forwardLast([ids(1, i + 9)[0]!], cache, 'recurrent'), reps, warmup);
    zRows.push({ context, ms_per_token: ms.median, ms_per_token_min: ms.min, cache_bytes: bytes, cache_bytes_formula: zamba2CacheBytes(config, context, 4) });
    log(`${name} zamba2 context ${context}: ${ms.median.toFixed(2)} ms/token (min ${ms.min.toFixed(2)}), cache ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  }
  const sizes = zamba2CacheSizes(config);
  const parameters = countZamba2Parameters(config).total;
  zamba = null; // release the weights before building the baseline
  // Pure-attention baseline
  let base: AttentionBaseline | null = new AttentionBaseline(config, 2);
  log(`${name}: built the attention baseline (${base.layers.length} layers, ${base.parameterCount} parameters)`);
  const bPrefillMs = timeSteps(() => base!.forwardLast(ids(prefillTokens), base!.newCache()), 1, name === 'tiny' ? 2 : 0);
  const bRows: DecodeRow[] = [];
  for (const context of contexts) {
    const cache = base.newCache();
    for (const kv of cache) fillKv(kv, context, reps + warmup, pool);
    const bytes = base.cacheBytes(cache);
    const ms = timeSteps((i) => base!.forwardLast([ids(1, i + 9)[0]!], cache), reps, warmup);
    bRows.push({ context, ms_per_token: ms.median, ms_per_token_min: ms.min, cache_bytes: bytes });
    log(`${name} baseline context ${context}: ${ms.median.toFixed(2)} ms/token (min ${ms.min.toFixed(2)}), cache ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  }
  const baselineLayers = base.layers.length, baselineParams = base.parameterCount;
  base = null;
  const zSum = summarize(zRows), bSum = summarize(bRows);
  return {
    config: { hidden: config.hidden, layers: config.layers, hybrid_invocations: config.hybridLayerIds.length, baseline_layers: baselineLayers },
    zamba2: {
      parameters, prefill: { tokens: prefillTokens, tokens_per_s: (1000 * prefillTokens) / zPrefillMs.min }, decode: zRows, ...zSum,
      cache_equals_formula: zRows.every((r) => r.cache_bytes === r.cache_bytes_formula),
      recurrent_state_bytes: 4 * sizes.recurrentTotal, kv_bytes_per_token_formula: 4 * sizes.kvPerToken,
    },
    attention_baseline: { parameters: baselineParams, prefill: { tokens: prefillTokens, tokens_per_s: (1000 * prefillTokens) / bPrefillMs.min }, decode: bRows, ...bSum },
    ratios: {
      cache_bytes_per_token_baseline_over_zamba2: bSum.cache_bytes_per_token / zSum.cache_bytes_per_token,
      decode_ms_at_max_context_baseline_over_zamba2: bRows[bRows.length - 1]!.ms_per_token_min / zRows[zRows.length - 1]!.ms_per_token_min,
    },
  };
}

export async function benchZamba2(o: Zamba2BenchOptions): Promise<Zamba2BenchResult> {
  const log = o.log ?? (() => {});
  const maxContext = o.maxContext ?? (o.quick ? 2048 : 8192);
  const contexts: number[] = [];
  for (let c = 128; c <= maxContext; c *= o.quick ? 4 : 2) contexts.push(c);
  if (contexts[contexts.length - 1] !== maxContext && maxContext > 128) contexts.push(maxContext);
  const reps = o.quick ? 2 : 3;
  const shapes: Zamba2BenchResult['shapes'] = {};
  // The tiny model's matrices are too small for the wasm pool to pay off (its hand-offs dominate): cpu kernels.
  if (o.shapes !== '1.2B') shapes.tiny = withBackend(cpuBackend, () => benchShape('tiny', parseZamba2Config(tinyZamba2ConfigJson(320)), contexts, o.quick ? 9 : 15, 5, 256, log));
  if (o.shapes !== 'tiny') shapes['1.2B'] = benchShape('1.2B', parseZamba2Config(ZAMBA2_PRESETS['1.2B']), contexts, reps, 1, o.quick ? 32 : 128, log);
  return {
    shapes,
    meta: {
      quick: o.quick, backend: o.backend, tiny_backend: 'cpu', threads: availableParallelism(), contexts, reps, node: process.version, date: new Date().toISOString(),
      note: 'decode at context c runs on a cache of c positions filled with random keys/values; weights are random (1.2B: tiled from a random pool); f32 throughout',
    },
  };
}
