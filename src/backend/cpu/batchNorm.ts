// Batch normalisation with batch statistics, fused: one kernel for the forward pass and one for
// its gradient, over x [N, C, S] (S = product of spatial dims, 1 for [N, C]).
//   forward:  μ_c, σ²_c over (n, s);  x̂ = (x − μ)/√(σ² + eps);  y = γ·x̂ + β
//   backward: dβ_c = Σ g;  dγ_c = Σ g·x̂;  dx = γ/√(σ² + eps) · (g − dβ_c/M − x̂·dγ_c/M),  M = N·S
import type { FloatArray } from '../../core/dtype.js';
import type { BatchNormDims } from '../kernels.js';

export type { BatchNormDims };

/** Per-channel mean and biased variance (two-pass, float64 accumulation). */
export function channelMoments(x: FloatArray, d: BatchNormDims): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(d.c), variance = new Float64Array(d.c), m = d.n * d.s;
  for (let b = 0; b < d.n; b++) {
    for (let ch = 0; ch < d.c; ch++) {
      const base = (b * d.c + ch) * d.s;
      let acc = 0;
      for (let i = 0; i < d.s; i++) acc += x[base + i]!;
      mean[ch]! += acc;
    }
  }
  for (let ch = 0; ch < d.c; ch++) mean[ch]! /= m;
  for (let b = 0; b < d.n; b++) {
    for (let ch = 0; ch < d.c; ch++) {
      const base = (b * d.c + ch) * d.s, mu = mean[ch]!;
      let acc = 0;
      for (let i = 0; i < d.s; i++) { const v = x[base + i]! - mu; acc += v * v; }
      variance[ch]! += acc;
    }
  }
  for (let ch = 0; ch < d.c; ch++) variance[ch]! /= m;
  return { mean, variance };
}

/** y = γ·(x − μ)/√(σ² + eps) + β with batch statistics; weight/bias may be null (γ = 1, β = 0). */
export function batchNormForward(x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, eps: number, d: BatchNormDims, y: FloatArray): void {
  const { mean, variance } = channelMoments(x, d);
  for (let b = 0; b < d.n; b++) {
    for (let ch = 0; ch < d.c; ch++) {
      const base = (b * d.c + ch) * d.s;
      const scale = (weight ? weight[ch]! : 1) / Math.sqrt(variance[ch]! + eps);
      const shift = (bias ? bias[ch]! : 0) - mean[ch]! * scale;
      for (let i = 0; i < d.s; i++) y[base + i] = x[base + i]! * scale + shift;
    }
  }
}

/** Gradients of the batch-statistics forward pass; dx always, dweight/dbias when given. */
export function batchNormBackward(
  x: FloatArray, weight: FloatArray | null, eps: number, d: BatchNormDims, g: FloatArray,
  dx: FloatArray, dweight: FloatArray | null, dbias: FloatArray | null,
): void {
  const { mean, variance } = channelMoments(x, d);
  const m = d.n * d.s;
  const sumG = new Float64Array(d.c), sumGXhat = new Float64Array(d.c), invStd = variance.map((v) => 1 / Math.sqrt(v + eps));
  for (let b = 0; b < d.n; b++) {
    for (let ch = 0; ch < d.c; ch++) {
      const base = (b * d.c + ch) * d.s, mu = mean[ch]!, is = invStd[ch]!;
      let sg = 0, sgx = 0;
      for (let i = 0; i < d.s; i++) { const gv = g[base + i]!; sg += gv; sgx += gv * (x[base + i]! - mu) * is; }
      sumG[ch]! += sg;
      sumGXhat[ch]! += sgx;
    }
  }
  for (let b = 0; b < d.n; b++) {
    for (let ch = 0; ch < d.c; ch++) {
      const base = (b * d.c + ch) * d.s, mu = mean[ch]!, is = invStd[ch]!;
      const k = (weight ? weight[ch]! : 1) * is, meanG = sumG[ch]! / m, meanGX = sumGXhat[ch]! / m;
      for (let i = 0; i < d.s; i++) dx[base + i] = k * (g[base + i]! - meanG - (x[base + i]! - mu) * is * meanGX);
    }
  }
  if (dweight) for (let ch = 0; ch < d.c; ch++) dweight[ch] = sumGXhat[ch]!;
  if (dbias) for (let ch = 0; ch < d.c; ch++) dbias[ch] = sumG[ch]!;
}
