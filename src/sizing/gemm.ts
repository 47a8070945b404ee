// The GEMM efficiency model: tile quantisation, wave quantisation, alignment, and a roofline.
//
// C[m, n] = A[m, k] · B[k, n], `count` independent copies (batched heads, MoE experts). A GPU computes C in
// output tiles of tm × tn (the accelerator's large tile, or for a dimension smaller than it the next power
// of two ≥ 16, as libraries switch to small tiles for skinny GEMMs), one tile per compute unit at a time, so
//   tiles  = ⌈m/tm⌉ · ⌈n/tn⌉ · count
//   waves  = ⌈tiles / units⌉
//   wave efficiency  = tiles / (waves · units)                 (parallelism.md "What a faithful…" item 7)
//   tile efficiency  = m·n·count / (tiles · tm · tn)           (work in partly-filled edge tiles is wasted)
//   align efficiency = f(largest power of two dividing n and k, in elements)            [recon, see below]
//   efficiency       = tile · wave · align
// Predicted time = max(2·m·n·k·count / (peak · efficiency), bytes / HBM bandwidth) with bf16 operands
// (bytes = 2·(m·k + k·n + m·n)·count): a roofline, so skinny GEMMs (decode, small experts) show as
// memory-bound.
//
// Alignment [recon]: matrix units run at full speed when n and k are multiples of 64 elements (co-design
// rule). Below that the model charges a factor that falls linearly in log2(alignment) from 1 at 64 to
// 0.685 at ≤ 2 elements. The 0.685 is calibrated on the co-design paper's one example (H100, h = 4096:
// d_ff 10922 → 272.73 TFLOP/s, 10944 → 398.38; both have 688 tiles, so the whole gap is alignment),
// which therefore this model reproduces by construction, not as a prediction.
import { rangeError } from '../core/errors.js';
import type { Accelerator } from '../core/accelerators.js';

export interface Gemm {
  /** What the GEMM computes, e.g. "attention q projection". */
  name: string;
  m: number;
  n: number;
  k: number;
  /** Independent copies of the same shape (heads, experts); 1 by default. */
  count?: number;
}

/** What the model needs of a device: a catalog entry, or a fitted stand-in (bench/hardware.ts fits one to a CPU). */
export type GemmDevice = Pick<Accelerator, 'units' | 'bf16Tflops' | 'hbmTBps' | 'tile' | 'alignElements'>;

export interface GemmEfficiency {
  gemm: Gemm;
  tiles: number;
  waves: number;
  waveEfficiency: number;
  tileEfficiency: number;
  alignEfficiency: number;
  /** tile · wave · align. */
  efficiency: number;
  flops: number;
  /** Predicted seconds and which bound sets it. */
  seconds: number;
  bound: 'compute' | 'memory';
  /** flops / seconds, in TFLOP/s. */
  tflops: number;
}

/** Largest power of two dividing `d` (d ≥ 1). */
export function powerOfTwoFactor(d: number): number {
  let p = 1;
  while (d % (p * 2) === 0 && p < 1 << 20) p *= 2;
  return p;
}

/** 0.685 at ≤ 2 elements of alignment, 1 at `full` (64) or more, linear in log2 between (see header). */
export const MISALIGNED_FACTOR = 272.73 / 398.38;
export function alignFactor(d: number, full: number): number {
  const a = Math.min(powerOfTwoFactor(d), full);
  if (a >= full) return 1;
  const steps = Math.log2(full) - 1; // from 2 to `full`
  const t = Math.max(0, Math.log2(a) - 1) / steps;
  return MISALIGNED_FACTOR + (1 - MISALIGNED_FACTOR) * t;
}

/** Libraries pick smaller tiles for skinny GEMMs: the next power of two ≥ d, between 16 and the large tile. */
export function tileSize(large: number, d: number): number {
  let t = 16;
  while (t < d && t < large) t *= 2;
  return Math.min(t, large);
}

function checkDim(name: string, d: number): void {
  if (!Number.isInteger(d) || d < 1) throw rangeError('gemmEfficiency', name, 'a positive integer', d);
}

/** The model's prediction for one GEMM on one accelerator. */
export function gemmEfficiency(g: Gemm, hw: GemmDevice): GemmEfficiency {
  const count = g.count ?? 1;
  for (const [k, v] of [['m', g.m], ['n', g.n], ['k', g.k], ['count', count]] as const) checkDim(`${g.name}.${k}`, v);
  const tm = tileSize(hw.tile.m, g.m), tn = tileSize(hw.tile.n, g.n);
  const units = hw.units.value;
  const tiles = Math.ceil(g.m / tm) * Math.ceil(g.n / tn) * count;
  const waves = Math.ceil(tiles / units);
  const waveEfficiency = tiles / (waves * units);
  const tileEfficiency = (g.m * g.n * count) / (tiles * tm * tn);
  const full = hw.alignElements.value;
  const alignEfficiency = Math.min(alignFactor(g.n, full), alignFactor(g.k, full));
  const efficiency = tileEfficiency * waveEfficiency * alignEfficiency;
  const flops = 2 * g.m * g.n * g.k * count;
  const compute = flops / (hw.bf16Tflops.value * 1e12 * efficiency);
  const memory = (2 * (g.m * g.k + g.k * g.n + g.m * g.n) * count) / (hw.hbmTBps.value * 1e12);
  const seconds = Math.max(compute, memory);
  return {
    gemm: g, tiles, waves, waveEfficiency, tileEfficiency, alignEfficiency, efficiency, flops, seconds,
    bound: compute >= memory ? 'compute' : 'memory', tflops: flops / seconds / 1e12,
  };
}

/** Sum of a set of GEMMs: total FLOPs, predicted seconds, and the throughput they reach together. */
export function combined(rows: readonly GemmEfficiency[]): { flops: number; seconds: number; tflops: number } {
  const flops = rows.reduce((s, r) => s + r.flops, 0);
  const seconds = rows.reduce((s, r) => s + r.seconds, 0);
  return { flops, seconds, tflops: seconds > 0 ? flops / seconds / 1e12 : 0 };
}
