// `tessera bench zamba2`: Zamba2 beside a pure-attention transformer of about the same parameter count built
// from the same layers (models/zamba2/attentionBaseline.ts) and beside a PyTorch eager port of the same model
// (bench/peers/zamba2_torch.py, when /usr/bin/python3 imports torch), for the tiny config and the real 1.2B
// shape with random weights in f32 and bf16. Each (shape, model, dtype) runs in a process of its own
// (bench/zamba2Worker.ts, or the python script), so its peak resident memory is its own.
// Per row: decode ms/token at a context (a cache holding that many positions), the bandwidth bound of the
// same step (bytes it reads: every weight once per use, a shared block once per invocation, and the cache,
// over the read bandwidth measured in this run), prefill tokens/s, peak RSS and cache bytes.
// Output contract: {rows: [...], read_gbps, ...}; each row has shape, model, dtype, context, decode_ms,
// bound_ms, prefill_tok_s, peak_rss_bytes, cache_bytes.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from '../src/core/index.js';
import { createNativeBackend } from '../src/backend/native/index.js';
import type { BackendChoice } from '../src/backend/select.js';
import { measureReadGbps } from './limits.js';
import { TORCH_PYTHON } from './peers/torch.js';
import { benchConfig, type BenchModel, type BenchShape, type GenerateMeasurement, type WorkerArgs, type WorkerResult } from './zamba2Worker.js';

export interface Zamba2BenchOptions {
  quick: boolean;
  shapes: 'tiny' | '1.2B' | 'both';
  maxContext?: number;
  /** dtypes of the weights (default both) */
  dtypes?: readonly ('f32' | 'bf16')[];
  backend: BackendChoice;
  /** run the PyTorch peer when torch imports (default true) */
  torch?: boolean;
  log?: (line: string) => void;
}

export interface Zamba2BenchRow {
  shape: BenchShape;
  model: BenchModel | 'torch';
  dtype: 'f32' | 'bf16';
  context: number;
  decode_ms: number;
  decode_ms_min: number;
  /** read_bytes / read bandwidth: the step's memory-bandwidth limit */
  bound_ms: number;
  read_bytes: number;
  prefill_tok_s: number;
  prefill_tokens: number;
  peak_rss_bytes: number;
  /** the weights as held, each tensor once (torch rows: ours of the same model) */
  weight_bytes: number;
  cache_bytes: number;
  cache_bytes_formula: number | null;
}

export interface Zamba2BenchResult {
  rows: Zamba2BenchRow[];
  /** read bandwidth of this run, GB/s (the larger of one thread and all threads) */
  read_gbps: number;
  read: { one_thread_gbps: number; all_threads_gbps: number | null; method: string };
  /** decode_ms / bound_ms and decode_ms / torch's at the largest context, per shape, model and dtype */
  summary: { shape: string; model: string; dtype: string; context: number; over_bound: number; over_torch: number | null; peak_rss_over_weights_and_cache: number }[];
  /**
   * One real generate() per shape and dtype in a process of its own (chunked prefill of the prompt, then
   * recurrent steps): its peak RSS over the bytes of the weights and of the cache it ends with.
   */
  generate: (GenerateMeasurement & { shape: BenchShape; dtype: 'f32' | 'bf16'; peak_rss_over_weights_and_cache: number })[];
  meta: { quick: boolean; backend: string; threads: number; contexts: number[]; reps: number; node: string; date: string; torch: string | null; note: string };
}

const WORKER = fileURLToPath(new URL('./zamba2Worker.js', import.meta.url));
const TORCH_SCRIPT = fileURLToPath(new URL('../../bench/peers/zamba2_torch.py', import.meta.url));

function runWorker(args: WorkerArgs): WorkerResult {
  const r = spawnSync(process.execPath, [WORKER, JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench zamba2: the ${args.shape} ${args.model} ${args.dtype} run failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(r.stdout) as WorkerResult;
}

interface TorchResult { torch: string; prefill_tok_s: number; decode: { context: number; ms: number; ms_min: number }[]; peak_rss_bytes: number }

/** The torch version, or null with the reason when /usr/bin/python3 cannot import torch. */
function torchVersion(): string | null {
  if (!existsSync(TORCH_PYTHON)) return null;
  const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function runTorch(shape: BenchShape, dtype: 'f32' | 'bf16', contexts: number[], reps: number, warmup: number, prefillTokens: number): TorchResult {
  const args = { config: benchConfigJson(shape), dtype: dtype === 'bf16' ? 'bfloat16' : 'float32', contexts, reps, warmup, prefill_tokens: prefillTokens, threads: availableParallelism() };
  const r = spawnSync(TORCH_PYTHON, [TORCH_SCRIPT, JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench zamba2: the torch ${shape} ${dtype} run failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(r.stdout) as TorchResult;
}

/** The config.json keys the python port reads (it derives the rest as the TypeScript config parser does). */
function benchConfigJson(shape: BenchShape): Record<string, unknown> {
  const c = benchConfig(shape);
  return {
    hidden_size: c.hidden, n_mamba_heads: c.mambaHeads, mamba_headdim: c.mambaHeadDim, mamba_d_state: c.mambaStateSize, mamba_ngroups: c.mambaGroups,
    mamba_d_conv: c.mambaConvKernel, mamba_expand: c.mambaInner / c.hidden, num_attention_heads: c.attentionHeads, num_key_value_heads: c.kvHeads,
    attention_head_dim: c.attentionHeadDim, intermediate_size: c.intermediate, adapter_rank: c.adapterRank, layers_block_type: c.layerTypes,
    num_mem_blocks: c.numMemBlocks, use_shared_attention_adapter: c.useSharedAttentionAdapter, use_shared_mlp_adapter: c.useSharedMlpAdapter,
    use_mem_rope: c.useMemRope, rope_theta: c.ropeTheta, rms_norm_eps: c.rmsNormEps, chunk_size: c.chunkSize, vocab_size: c.vocabSize,
  };
}

/**
 * Read bandwidth on one thread and on all threads: the native streamSum probe (4 prefetched streams, the
 * access pattern of the weight GEMV) over 512 MiB, median of 5; without native, bench/limits' JS sum.
 * (bench/limits' own figure comes from a float64 reduceSum / OpenBLAS GEMV, which stop near 6.5 GB/s here.)
 */
function readBandwidth(): Zamba2BenchResult['read'] {
  const opened = createNativeBackend();
  if (!opened.ok) {
    const one = measureReadGbps();
    return { one_thread_gbps: one.gbps, all_threads_gbps: null, method: one.method };
  }
  const native = opened.backend, threads = native.threads;
  const x = new Float32Array((512 * 2 ** 20) / 4).fill(1);
  const rate = (): number => {
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      if (native.streamSum(x) !== x.length) throw new Error('read bandwidth: the sum of ones is wrong');
      if (i > 0) times.push(performance.now() - t0);
    }
    return x.byteLength / (median(times) / 1000) / 1e9;
  };
  const all = rate();
  native.setThreads(1);
  try {
    return { one_thread_gbps: rate(), all_threads_gbps: all, method: `native streamSum over 512 MiB (4 prefetched streams), 1 and ${threads} threads, median of 5` };
  } finally {
    native.setThreads(threads);
  }
}

export async function benchZamba2(o: Zamba2BenchOptions): Promise<Zamba2BenchResult> {
  const log = o.log ?? (() => {});
  const maxContext = o.maxContext ?? (o.quick ? 2048 : 8192);
  const contexts: number[] = [];
  for (let c = 128; c <= maxContext; c *= 4) contexts.push(c);
  if (contexts[contexts.length - 1] !== maxContext && maxContext > 128) contexts.push(maxContext);
  if (o.quick) contexts.splice(0, contexts.length, ...contexts.filter((c, i) => i === 0 || c === maxContext));
  const reps = o.quick ? 2 : 3;
  const dtypes = o.dtypes ?? ['bf16', 'f32'];
  const shapes: BenchShape[] = o.shapes === 'both' ? ['tiny', '1.2B'] : [o.shapes];
  const read = readBandwidth();
  const readGbps = Math.max(read.one_thread_gbps, read.all_threads_gbps ?? 0);
  log(`read bandwidth ${read.one_thread_gbps.toFixed(1)} GB/s (1 thread), ${read.all_threads_gbps?.toFixed(1) ?? '–'} GB/s (all threads)`);
  const torch = o.torch === false ? null : torchVersion();
  const rows: Zamba2BenchRow[] = [];
  const generated: Zamba2BenchResult['generate'] = [];
  for (const shape of shapes) {
    const tiny = shape === 'tiny';
    const prefillTokens = tiny ? 256 : o.quick ? 64 : 2048;
    const [r, warmup] = tiny ? [o.quick ? 9 : 15, 5] : [reps, 1];
    for (const dtype of dtypes) {
      const ours = new Map<number, { read: number; weights: number; cache: number }>();
      for (const model of ['zamba2', 'attention-only'] as const) {
        log(`${shape} ${model} ${dtype}: building (random weights) and timing ${prefillTokens}-token prefill, decode at ${contexts.join(', ')}`);
        const w = runWorker({ shape, model, dtype, contexts, reps: r, warmup, prefillTokens, backend: o.backend });
        for (const row of w.rows) {
          if (model === 'zamba2') ours.set(row.context, { read: row.read_bytes, weights: w.weight_bytes, cache: row.cache_bytes });
          rows.push({
            shape, model, dtype, ...row, bound_ms: row.read_bytes / readGbps / 1e6, prefill_tok_s: w.prefill_tok_s, prefill_tokens: w.prefill_tokens,
            peak_rss_bytes: w.peak_rss_bytes, weight_bytes: w.weight_bytes,
          });
          log(`  context ${row.context}: ${row.decode_ms.toFixed(2)} ms/token (bound ${(row.read_bytes / readGbps / 1e6).toFixed(2)}), prefill ${w.prefill_tok_s.toFixed(1)} tok/s, peak RSS ${(w.peak_rss_bytes / 2 ** 30).toFixed(2)} GiB`);
        }
      }
      const gen = tiny ? { promptTokens: 256, newTokens: 32 } : o.quick ? { promptTokens: 64, newTokens: 8 } : { promptTokens: 512, newTokens: 32 };
      log(`${shape} zamba2 ${dtype}: generate of ${gen.newTokens} tokens after a ${gen.promptTokens}-token prompt (peak memory)`);
      const g = runWorker({ shape, model: 'zamba2', dtype, contexts: [], reps: 0, warmup: 0, prefillTokens: 0, backend: o.backend, generate: gen }).generate!;
      generated.push({ shape, dtype, ...g, peak_rss_over_weights_and_cache: g.peak_rss_bytes / (g.weight_bytes + g.cache_bytes) });
      log(`  ${g.tok_s.toFixed(2)} tok/s, peak RSS ${(g.peak_rss_bytes / 2 ** 30).toFixed(2)} GiB = ${(g.peak_rss_bytes / (g.weight_bytes + g.cache_bytes)).toFixed(2)}× weights + cache`);
      if (torch) {
        log(`${shape} torch ${dtype}: the PyTorch eager port`);
        const t = runTorch(shape, dtype, contexts, r, warmup, prefillTokens);
        for (const d of t.decode) {
          const same = ours.get(d.context)!;
          rows.push({
            shape, model: 'torch', dtype, context: d.context, decode_ms: d.ms, decode_ms_min: d.ms_min, bound_ms: same.read / readGbps / 1e6, read_bytes: same.read,
            prefill_tok_s: t.prefill_tok_s, prefill_tokens: prefillTokens, peak_rss_bytes: t.peak_rss_bytes, weight_bytes: same.weights, cache_bytes: same.cache, cache_bytes_formula: null,
          });
          log(`  context ${d.context}: ${d.ms.toFixed(2)} ms/token, prefill ${t.prefill_tok_s.toFixed(1)} tok/s`);
        }
      }
    }
  }
  const last = contexts[contexts.length - 1]!;
  const summary = rows.filter((x) => x.context === last && x.model !== 'torch').map((x) => {
    const peer = rows.find((t) => t.model === 'torch' && t.shape === x.shape && t.dtype === x.dtype && t.context === last);
    return {
      shape: x.shape, model: x.model, dtype: x.dtype, context: last, over_bound: x.decode_ms / x.bound_ms,
      over_torch: peer && x.model === 'zamba2' ? x.decode_ms / peer.decode_ms : null,
      peak_rss_over_weights_and_cache: x.peak_rss_bytes / (x.weight_bytes + x.cache_bytes),
    };
  });
  return {
    rows, read_gbps: readGbps, read, summary, generate: generated,
    meta: {
      quick: o.quick, backend: o.backend, threads: availableParallelism(), contexts, reps, node: process.version, date: new Date().toISOString(), torch,
      note: 'decode at context c runs on a cache of c positions filled with random keys/values; weights are random (1.2B: tiled from a random pool); ' +
        'bf16 rows keep the Linear and embedding matrices as bf16 words (norms, conv, SSM vectors, adapters and the cache are f32); tiny runs on the cpu backend; ' +
        'torch rows use the bytes and cache of our model of the same shape and dtype (the torch port keeps its cache in the weights\' dtype)',
    },
  };
}
