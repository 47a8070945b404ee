// `tessera bench weight-gemv` (or `node dist/bench/weightGemv.js [--quick] [--json]`): the decode GEMV
// y [1, out] = x [1, in] · wᵀ over the weight matrices of a 1.2B model (w [out, in] as a PyTorch Linear:
// [2048, 8192] an MLP down-projection, [8192, 2048] an up-projection, [4096, 2048] an in-projection), with w
// stored as bf16, f16 and f32, on native (1 and all threads) and wasm (weights resident in the wasm heap, 1 and
// all threads), beside the f32 backend.gemm with m = 1 (OpenBLAS sgemv on native) and the machine's read
// bandwidth measured in the same run.
//
//   gbps       weight bytes read per call (out·in·2 for bf16 / f16, ·4 for f32) / median time per call
//   of_read    gbps / the read bandwidth at the same thread count
//   read       native streamSum (an AVX2 f32 sum, 4 streams) over a 400 MiB Float32Array, 1 and all threads, median of
//              passes; `limits` is bench/limits.ts's measureReadGbps (native reduceSum / OpenBLAS GEMV, 1 thread),
//              which `tessera bench engine` reports as read_gbps.
// Each timed pass calls the kernel once on each of enough copies of the matrix to read ≥ poolBytes (512 MiB by
// default), so the weights come from memory, as in a decode step whose weights exceed the caches, not from
// a cache that holds one matrix (one 32 MB matrix read over and over ran at ~2× the read bandwidth here).
// Every figure is the median over 3 rounds (1 with quick) of a median of 5 (3) passes; meta.foreign_cpu_share
// is the share of the cores other processes used meanwhile. Weights are seeded uniform in [−1, 1).
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { f32BitsToBf16Bits, f32BitsToF16Bits, median, timeMs } from '../src/core/index.js';
import type { Backend, WeightArray, WeightDType } from '../src/index.js';
import { createNativeBackend, type NativeBackend } from '../src/backend/native/index.js';
import { createWasmBackend, type WasmBackend } from '../src/backend/wasm/index.js';
import { cpuSnapshot, foreignCpuShare, measureReadGbps } from './limits.js';

export interface WeightGemvBenchOptions {
  quick?: boolean;
  /** Threads of the all-thread runs (default: all cores). */
  threads?: number;
  /** Bytes of matrix copies each timed pass reads (default 512 MiB; 128 MiB with quick). */
  poolBytes?: number;
  log?: (line: string) => void;
}

export interface WeightGemvRow {
  /** w's shape [out, in]. */
  shape: [number, number];
  dtype: WeightDType;
  /** weightGemv on a backend, or the f32 peer backend.gemm (m = 1, transB). */
  kernel: 'weightGemv' | 'gemm';
  backend: 'native' | 'wasm';
  threads: number;
  weight_bytes: number;
  ms: number;
  gbps: number;
  of_read: number | null;
}

export interface WeightGemvBenchResult {
  rows: WeightGemvRow[];
  read: { threads1_gbps: number | null; threads_all_gbps: number | null; method: string; limits_gbps: number; limits_method: string };
  /** The targets of issue 20 for [2048, 8192]: bf16 native all threads vs read bandwidth, and vs f32 gemm m = 1. */
  summary: { bf16_native_all_of_read: number | null; bf16_vs_f32_gemm_speedup: number | null; bf16_vs_f32_weight_gemv_speedup: number | null };
  meta: { date: string; node: string; threads: number; quick: boolean; pool_bytes: number; rounds: number; reps: number; foreign_cpu_share: number | null; native: string };
}

const SHAPES: [number, number][] = [[2048, 8192], [8192, 2048], [4096, 2048]];
const DTYPES: WeightDType[] = ['bf16', 'f16', 'f32'];
const READ_BYTES = 400 * 2 ** 20;

/** Seeded uniform values in [−1, 1) (an LCG: the time does not depend on them). */
function uniform(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** The matrix stored in `dtype`: bf16 / f16 words rounded to nearest even, or f32 itself. */
function storedAs(dtype: WeightDType, values: Float32Array): WeightArray {
  if (dtype === 'f32') return values;
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  return Uint16Array.from(bits, dtype === 'bf16' ? f32BitsToBf16Bits : f32BitsToF16Bits);
}

/** Median ms per call of `call(copy)` over passes that call it once on each of `copies` copies. */
function msPerCall(copies: number, reps: number, call: (copy: number) => void): number {
  return timeMs(() => { for (let c = 0; c < copies; c++) call(c); }, reps, 1) / copies;
}

/** GB/s of one native streamSum pass over `ones` (ones, so the sum checks itself), median of `passes`. */
function readGbps(native: NativeBackend, ones: Float32Array, passes: number): number {
  const ms = timeMs(() => { if (native.streamSum(ones) !== ones.length) throw new Error('streamSum of ones is wrong'); }, passes, 1);
  return (4 * ones.length) / (ms * 1e6);
}

type Measured = Omit<WeightGemvRow, 'ms' | 'gbps' | 'of_read'>;

/**
 * One round over one matrix shape and dtype: weightGemv on native and wasm at each thread count, and the f32
 * gemm peer for f32; `record` gets each median ms per call.
 */
async function measureMatrix(
  shape: [number, number], dtype: WeightDType, backends: { native: NativeBackend | null; wasm: WasmBackend },
  threadCounts: readonly number[], poolBytes: number, reps: number, record: (m: Measured, ms: number) => void,
): Promise<void> {
  const [out, inWidth] = shape, { native, wasm } = backends;
  const x = uniform(inWidth, 1), y = new Float32Array(out);
  const base = storedAs(dtype, uniform(out * inWidth, 2));
  const bytes = base.byteLength, copies = Math.max(1, Math.ceil(poolBytes / bytes));
  const p = { rows: 1, inWidth, outWidth: out, dtype };
  const row = (kernel: Measured['kernel'], backend: Measured['backend'], threads: number): Measured => ({ shape, dtype, kernel, backend, threads, weight_bytes: bytes });
  if (native) {
    const pool = Array.from({ length: copies }, () => base.slice());
    for (const t of threadCounts) {
      native.setThreads(t);
      record(row('weightGemv', 'native', t), msPerCall(copies, reps, (c) => native.weightGemv(p, x, pool[c]!, y)));
      if (dtype === 'f32') record(row('gemm', 'native', t), gemmMs(native, pool as Float32Array[], x, y, out, inWidth, reps));
    }
  }
  // wasm: the copies resident in its heap (allocResident), so the kernel reads them in place.
  const resident = Array.from({ length: copies }, () => {
    const r = dtype === 'f32' ? wasm.allocResident(base.length) : wasm.allocResident(base.length, 'u16');
    r.set(base);
    return r;
  });
  try {
    for (const t of threadCounts) {
      await wasm.setThreads(t);
      record(row('weightGemv', 'wasm', t), msPerCall(copies, reps, (c) => wasm.weightGemv(p, x, resident[c]!, y)));
      if (dtype === 'f32') record(row('gemm', 'wasm', t), gemmMs(wasm, resident as Float32Array[], x, y, out, inWidth, reps));
    }
  } finally {
    for (const r of resident.reverse()) wasm.freeResident(r);
  }
}

export async function benchWeightGemv(options: WeightGemvBenchOptions = {}): Promise<WeightGemvBenchResult> {
  const quick = options.quick ?? false, log = options.log ?? (() => {});
  const all = options.threads ?? availableParallelism();
  const poolBytes = options.poolBytes ?? (quick ? 128 : 512) * 2 ** 20;
  const rounds = quick ? 1 : 3, reps = quick ? 3 : 5;
  const threadCounts = [...new Set([1, all])];
  const load = createNativeBackend({ threads: all });
  const native = load.ok ? load.backend : null;
  const wasm = await createWasmBackend({ threads: all });
  const before = cpuSnapshot();

  // Rounds over every measurement, so a burst of other load on the machine lands in one round's sample of
  // each, not in every sample of one; each figure is the median over rounds of the per-round medians.
  const samples = new Map<string, { m: Measured; ms: number[] }>();
  const record = (m: Measured, ms: number): void => {
    const key = `${m.shape} ${m.dtype} ${m.kernel} ${m.backend} ${m.threads}`;
    if (!samples.has(key)) samples.set(key, { m, ms: [] });
    samples.get(key)!.ms.push(ms);
  };
  const readSamples = new Map<number, number[]>(threadCounts.map((t) => [t, []]));
  const ones = native ? new Float32Array(READ_BYTES / 4).fill(1) : null;
  try {
    for (let round = 0; round < rounds; round++) {
      for (const t of threadCounts) {
        if (!native || !ones) break;
        native.setThreads(t);
        readSamples.get(t)!.push(readGbps(native, ones, reps));
      }
      for (const shape of SHAPES) for (const dtype of DTYPES) await measureMatrix(shape, dtype, { native, wasm }, threadCounts, poolBytes, reps, record);
      log(`round ${round + 1}/${rounds} done`);
    }
  } finally {
    await wasm.dispose();
  }
  const limits = measureReadGbps({ native, bytes: READ_BYTES, passes: reps });
  const readAt = new Map([...readSamples].filter(([, g]) => g.length > 0).map(([t, g]) => [t, median(g)]));
  log(`read GB/s (streamSum): ${threadCounts.map((t) => `${t}t ${readAt.get(t)?.toFixed(1) ?? '—'}`).join(', ')}; limits.ts ${limits.gbps.toFixed(1)}`);
  const rows: WeightGemvRow[] = [...samples.values()].map(({ m, ms: times }) => {
    const ms = median(times), gbps = m.weight_bytes / (ms * 1e6), read = readAt.get(m.threads);
    return { ...m, ms, gbps, of_read: read ? gbps / read : null };
  });

  const find = (dtype: WeightDType, kernel: WeightGemvRow['kernel']) =>
    rows.find((r) => r.shape[0] === 2048 && r.shape[1] === 8192 && r.backend === 'native' && r.threads === all && r.dtype === dtype && r.kernel === kernel);
  const bf16 = find('bf16', 'weightGemv'), f32Gemm = find('f32', 'gemm'), f32Gemv = find('f32', 'weightGemv');
  return {
    rows,
    read: {
      threads1_gbps: readAt.get(1) ?? null, threads_all_gbps: readAt.get(all) ?? null,
      method: native ? `native streamSum (AVX2 f32 sum, 256 KiB chunks read as 4 prefetched streams) over a ${READ_BYTES / 2 ** 20} MiB Float32Array, median over ${rounds} round(s) of medians of ${reps} passes` : 'no native backend: not measured',
      limits_gbps: limits.gbps, limits_method: limits.method,
    },
    summary: {
      bf16_native_all_of_read: bf16?.of_read ?? null,
      bf16_vs_f32_gemm_speedup: bf16 && f32Gemm ? f32Gemm.ms / bf16.ms : null,
      bf16_vs_f32_weight_gemv_speedup: bf16 && f32Gemv ? f32Gemv.ms / bf16.ms : null,
    },
    meta: {
      date: new Date().toISOString(), node: process.version, threads: all, quick, pool_bytes: poolBytes, rounds, reps,
      foreign_cpu_share: foreignCpuShare(before, cpuSnapshot()), native: native ? native.describe() : load.ok ? '' : load.reason,
    },
  };
}

/** ms per call of the f32 peer: backend.gemm with m = 1, y [1, out] = x [1, in] · Wᵀ (transB), over the copies. */
function gemmMs(backend: Backend, pool: Float32Array[], x: Float32Array, y: Float32Array, out: number, inWidth: number, reps: number): number {
  const p = { m: 1, n: out, k: inWidth, transA: false, transB: true, batch: 1, aOffsets: Int32Array.of(0), bOffsets: Int32Array.of(0) };
  return msPerCall(pool.length, reps, (c) => backend.gemm(p, x, pool[c]!, y));
}

/** A table of GB/s per (shape, dtype, kernel, backend) and thread count, for the terminal. */
export function formatWeightGemvBench(r: WeightGemvBenchResult): string {
  const threads = [...new Set(r.rows.map((row) => row.threads))];
  const lines = [`read bandwidth (streamSum): ${threads.map((t) => `${t}t ${(t === 1 ? r.read.threads1_gbps : r.read.threads_all_gbps)?.toFixed(1) ?? '—'} GB/s`).join(', ')}; limits.ts: ${r.read.limits_gbps.toFixed(1)} GB/s`];
  const groups = new Map<string, WeightGemvRow[]>();
  for (const row of r.rows) {
    const key = `[${row.shape.join(', ')}] ${row.dtype} ${row.kernel} ${row.backend}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const [key, g] of groups) lines.push(`${key.padEnd(36)} ${g.map((row) => `${row.threads}t ${row.gbps.toFixed(1).padStart(5)} GB/s (${row.of_read === null ? '—' : `${(100 * row.of_read).toFixed(0)}%`})`).join('  ')}`);
  const foreign = r.meta.foreign_cpu_share;
  lines.push(`other processes used ${foreign === null ? '—' : `${(100 * foreign).toFixed(0)}%`} of the cores meanwhile`);
  lines.push(`bf16 [2048, 8192] native ${threads.at(-1)}t: ${r.summary.bf16_native_all_of_read === null ? '—' : `${(100 * r.summary.bf16_native_all_of_read).toFixed(0)}% of read`}, ` +
    `${r.summary.bf16_vs_f32_gemm_speedup?.toFixed(2) ?? '—'}× f32 gemm m = 1, ${r.summary.bf16_vs_f32_weight_gemv_speedup?.toFixed(2) ?? '—'}× f32 weightGemv`);
  return lines.join('\n');
}

// `node dist/bench/weightGemv.js [--quick] [--json]`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick'), json = process.argv.includes('--json');
  const result = await benchWeightGemv({ quick, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${json ? JSON.stringify(result) : `${formatWeightGemvBench(result)}\n${JSON.stringify(result, null, 2)}`}\n`);
}
