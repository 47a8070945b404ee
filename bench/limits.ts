// The machine's physical limits, for benches to put their numbers beside (how far from the roof?).
//
//   peak_gflops_per_core  frequency × FLOP/cycle of the ISA the native kernels are compiled for
//                         (binding.gyp: -mavx2 -mfma): 2 FMA ports × 8 f32 lanes × 2 FLOP per FMA = 32.
//                         The frequency is lscpu's "CPU max MHz" when it has one, else /proc/cpuinfo's
//                         "cpu MHz" (in a VM often the nominal clock; turbo may run higher). OpenBLAS picks its
//                         kernels at run time and may use AVX-512 (64 FLOP/cycle), so its GEMM can pass the
//                         AVX2 figure; that peak is given beside it when the CPU has avx512f.
//   read_gbps             single-thread sequential read of a ≥ 256 MB Float32Array (written first, so the
//                         pages are real and not the shared zero page): the native reduceSum over all of it
//                         and, as a cross-check, OpenBLAS's x·Wᵀ GEMV reading the same bytes as a matrix; the
//                         median of several passes each, and the larger median is reported (both are lower
//                         bounds of the sustained read bandwidth). Without the native backend: a 4-accumulator
//                         JavaScript sum over the array, which may be compute-bound (the method says so).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { NativeBackend } from '../src/backend/native/index.js';
import { timeMs } from './timing.js';

export interface CpuFrequency {
  mhz: number;
  /** Where the number came from, e.g. "lscpu: CPU max MHz" or "/proc/cpuinfo: cpu MHz (processor 0)". */
  source: string;
}

export interface MachineLimits {
  peak_gflops_per_core: number;
  read_gbps: number;
  frequency_mhz: number;
  frequency_source: string;
  flop_per_cycle: number;
  peak_assumption: string;
  /** The CPU flags that bear on the peak. */
  isa: { avx2: boolean; fma: boolean; avx512f: boolean };
  /** frequency × 64 when the CPU has avx512f (what OpenBLAS's AVX-512 kernels can reach), else null. */
  peak_gflops_per_core_avx512: number | null;
  read: { method: string; bytes: number; passes: number; reduce_sum_gbps: number | null; gemv_gbps: number | null; js_sum_gbps: number | null };
}

const AVX2_FMA_FLOP_PER_CYCLE = 2 * 8 * 2;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The CPU clock: lscpu's maximum when present, else the first processor's "cpu MHz" in /proc/cpuinfo. */
export function cpuFrequency(): CpuFrequency {
  try {
    const lscpu = execFileSync('lscpu', [], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    const max = /^CPU max MHz:\s*([\d.]+)/m.exec(lscpu);
    if (max && Number(max[1]) > 0) return { mhz: Number(max[1]), source: 'lscpu: CPU max MHz' };
  } catch {
    // no lscpu: fall through to /proc/cpuinfo
  }
  const cpuinfo = readText('/proc/cpuinfo');
  const mhz = cpuinfo ? /^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo) : null;
  if (mhz && Number(mhz[1]) > 0) return { mhz: Number(mhz[1]), source: '/proc/cpuinfo: cpu MHz (processor 0)' };
  return { mhz: NaN, source: 'unknown (neither lscpu nor /proc/cpuinfo gave a clock)' };
}

function cpuFlags(): Set<string> {
  const flags = readText('/proc/cpuinfo')?.match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '';
  return new Set(flags.split(/\s+/));
}

/** GB/s of reading `x` once with `read`, median of `passes` passes after one warm-up pass. */
function readRate(bytes: number, passes: number, read: () => void): number {
  return bytes / (timeMs(read, passes, 1) * 1e6);
}

/**
 * Sustained single-thread read bandwidth. `native` (if given) is switched to 1 thread for the measurement
 * and restored afterwards. `bytes` defaults to 256 MiB; `passes` to 5.
 */
export function measureReadGbps(options: { native?: NativeBackend | null; bytes?: number; passes?: number } = {}): MachineLimits['read'] & { gbps: number } {
  const bytes = Math.max(options.bytes ?? 256 * 1024 * 1024, 4096);
  const passes = options.passes ?? 5;
  const n = Math.floor(bytes / 4);
  const x = new Float32Array(n).fill(1);
  const native = options.native ?? null;
  if (!native) {
    const js = readRate(4 * n, passes, () => {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
      for (; i + 4 <= n; i += 4) { s0 += x[i]!; s1 += x[i + 1]!; s2 += x[i + 2]!; s3 += x[i + 3]!; }
      for (; i < n; i++) s0 += x[i]!;
      if (s0 + s1 + s2 + s3 !== n) throw new Error('read bandwidth: the sum of ones is wrong');
    });
    return { gbps: js, method: 'JavaScript 4-accumulator sum, 1 thread (no native backend; may be compute-bound)', bytes: 4 * n, passes, reduce_sum_gbps: null, gemv_gbps: null, js_sum_gbps: js };
  }
  const threads = native.threads;
  native.setThreads(1);
  try {
    const out = new Float32Array(1);
    const reduce = readRate(4 * n, passes, () => native.reduceSum(x, [n], [0], out));
    if (out[0] !== n) throw new Error(`read bandwidth: reduceSum of ${n} ones gave ${out[0]}`);
    // The same bytes as W [rows, cols]; y[1, rows] = v[1, cols]·Wᵀ reads W once, row by row.
    const cols = 4096, rows = Math.floor(n / cols);
    const v = new Float32Array(cols).fill(1), y = new Float32Array(rows);
    const p = { m: 1, n: rows, k: cols, transA: false, transB: true, batch: 1, aOffsets: Int32Array.of(0), bOffsets: Int32Array.of(0) };
    const gemv = readRate(4 * rows * cols, passes, () => native.gemm(p, v, x, y));
    const best = Math.max(reduce, gemv);
    return {
      gbps: best, method: `${best === reduce ? 'native reduceSum' : 'native (OpenBLAS) GEMV x·Wᵀ'} over a ${(4 * n / 2 ** 20).toFixed(0)} MiB Float32Array, 1 thread, median of ${passes} passes (the larger of reduceSum and GEMV)`,
      bytes: 4 * n, passes, reduce_sum_gbps: reduce, gemv_gbps: gemv, js_sum_gbps: null,
    };
  } finally {
    native.setThreads(threads);
  }
}

/** Peak FLOP/s per core and read bandwidth of this machine (see the file comment for the method and assumptions). */
export function machineLimits(options: { native?: NativeBackend | null; bytes?: number; passes?: number } = {}): MachineLimits {
  const f = cpuFrequency(), flags = cpuFlags();
  const read = measureReadGbps(options);
  const { gbps, ...readDetails } = read;
  const isa = { avx2: flags.has('avx2'), fma: flags.has('fma'), avx512f: flags.has('avx512f') };
  return {
    peak_gflops_per_core: (f.mhz * AVX2_FMA_FLOP_PER_CYCLE) / 1000,
    read_gbps: gbps,
    frequency_mhz: f.mhz,
    frequency_source: f.source,
    flop_per_cycle: AVX2_FMA_FLOP_PER_CYCLE,
    peak_assumption: 'f32, AVX2 + FMA as the native kernels are built (-mavx2 -mfma): 2 FMA ports × 8 lanes × 2 FLOP = 32 FLOP/cycle at the stated frequency, no turbo',
    isa,
    peak_gflops_per_core_avx512: isa.avx512f ? (f.mhz * 64) / 1000 : null,
    read: readDetails,
  };
}

// How busy the machine was with other work: /proc/stat's busy CPU time over an interval minus the CPU
// time of this process (all its threads: wasm workers, OpenMP and OpenBLAS pools) and of the given
// child processes (the torch worker). The share is of all cores' time; Linux only (null elsewhere).
const TICKS_PER_SECOND = 100; // USER_HZ, the unit of /proc/stat and /proc/<pid>/stat on Linux

export interface CpuSnapshot { busy: number; total: number; self: number; children: number }

function childSeconds(pids: readonly number[]): number {
  let s = 0;
  for (const pid of pids) {
    const stat = readText(`/proc/${pid}/stat`);
    // Fields after the command name "(...)": state is field 3, utime and stime are fields 14 and 15.
    const rest = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest) s += (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  }
  return s;
}

/** CPU seconds so far: the machine's busy and total time, this process's and the children's. Null without /proc/stat. */
export function cpuSnapshot(childPids: readonly number[] = []): CpuSnapshot | null {
  const line = readText('/proc/stat')?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq!;
  const u = process.cpuUsage();
  return { busy: busy / TICKS_PER_SECOND, total: (busy + idle! + iowait! + steal!) / TICKS_PER_SECOND, self: (u.user + u.system) / 1e6, children: childSeconds(childPids) };
}

/** Share (0…1) of all cores' time between two snapshots used by other processes (steal not included). */
export function foreignCpuShare(a: CpuSnapshot | null, b: CpuSnapshot | null): number | null {
  if (!a || !b || b.total <= a.total) return null;
  const foreign = b.busy - a.busy - (b.self - a.self) - (b.children - a.children);
  return Math.max(0, foreign) / (b.total - a.total);
}
