// The readable references of the sequence layers (src/nn/sequence), on plain typed arrays: the tests compare
// the engine's layers against these (as mamba keeps ssd_minimal beside its kernels). No autograd, no backend.
// Row-wise building blocks:
// A sequence of L vectors of width d is one row-major array [L, d]. Weights follow PyTorch: a Linear
// weight is [out, in]. Accumulation is in float64; results are stored in the output array's precision.
import { shapeError } from '../../../src/core/errors.js';
import { erf } from '../../../src/core/special.js';
import type { FloatArray } from '../../../src/core/dtype.js';

/** A float array of the same precision as `like`. */
export function allocLike(like: FloatArray, length: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

/**
 * y [L, out] = x [L, in] · wᵀ, w [out, in] (a bias-free PyTorch Linear). With `accumulate`, y += x · wᵀ.
 * Contiguous dot products (4 partial sums).
 */
export function linearRows(x: FloatArray, w: FloatArray, rows: number, inWidth: number, outWidth: number, y?: FloatArray, accumulate = false): FloatArray {
  if (x.length !== rows * inWidth) throw shapeError('linearRows', 'x length', `${rows}·${inWidth}`, x.length);
  if (w.length !== outWidth * inWidth) throw shapeError('linearRows', 'w length', `${outWidth}·${inWidth}`, w.length);
  const out = y ?? allocLike(x, rows * outWidth);
  const k4 = inWidth - (inWidth % 4);
  for (let r = 0; r < rows; r++) {
    const xo = r * inWidth;
    for (let o = 0; o < outWidth; o++) {
      const wo = o * inWidth;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let i = 0;
      for (; i < k4; i += 4) {
        s0 += x[xo + i]! * w[wo + i]!;
        s1 += x[xo + i + 1]! * w[wo + i + 1]!;
        s2 += x[xo + i + 2]! * w[wo + i + 2]!;
        s3 += x[xo + i + 3]! * w[wo + i + 3]!;
      }
      for (; i < inWidth; i++) s0 += x[xo + i]! * w[wo + i]!;
      const s = s0 + s1 + s2 + s3;
      if (accumulate) out[r * outWidth + o]! += s;
      else out[r * outWidth + o] = s;
    }
  }
  return out;
}

/** RMSNorm over each row: x / √(mean(x²) + eps) · weight. x [L, d], weight [d]. */
export function rmsNormRows(x: FloatArray, weight: FloatArray, width: number, eps: number): FloatArray {
  const rows = x.length / width;
  const out = allocLike(x, x.length);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let ss = 0;
    for (let i = 0; i < width; i++) ss += x[o + i]! * x[o + i]!;
    const inv = 1 / Math.sqrt(ss / width + eps);
    for (let i = 0; i < width; i++) out[o + i] = x[o + i]! * inv * weight[i]!;
  }
  return out;
}

/**
 * Gated grouped RMSNorm (Mamba2's norm with norm_before_gate = False): g = y ⊙ silu(z), then each
 * contiguous group of `width / groups` channels is divided by √(mean(g²) + eps), then × weight.
 */
export function gatedGroupRmsNormRows(y: FloatArray, z: FloatArray, weight: FloatArray, width: number, groups: number, eps: number): FloatArray {
  const rows = y.length / width;
  const size = width / groups;
  const out = allocLike(y, y.length);
  const g = new Float64Array(size);
  for (let r = 0; r < rows; r++) {
    for (let grp = 0; grp < groups; grp++) {
      const o = r * width + grp * size;
      let ss = 0;
      for (let i = 0; i < size; i++) {
        const v = y[o + i]! * silu(z[o + i]!);
        g[i] = v;
        ss += v * v;
      }
      const inv = 1 / Math.sqrt(ss / size + eps);
      for (let i = 0; i < size; i++) out[o + i] = g[i]! * inv * weight[grp * size + i]!;
    }
  }
  return out;
}

export const silu = (v: number): number => v / (1 + Math.exp(-v));
/** softplus(v) = log(1 + eᵛ), computed without overflow. */
export const softplus = (v: number): number => (v > 20 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
/** Exact (erf) GELU, PyTorch's default "gelu". */
export const geluErf = (v: number): number => 0.5 * v * (1 + erf(v / Math.SQRT2));

/**
 * Depthwise causal conv1d over `channels` of a sequence x [L, C] with a carried window of the previous
 * K−1 inputs. window [C, K] holds the last K inputs per channel (index K−1 newest, as the Hugging Face
 * cache); its entries 1..K−1 are the left context. out[t, c] = b[c] + Σ_k w[c, k] · in[t−K+1+k, c].
 * The window is updated in place to the last K inputs. weight [C, K], bias [C].
 */
export function causalDepthwiseConv(x: FloatArray, channels: number, weight: FloatArray, bias: FloatArray, kernel: number, window: FloatArray): FloatArray {
  const L = x.length / channels;
  const out = allocLike(x, x.length);
  const ext = new Float64Array(kernel - 1 + L);
  for (let c = 0; c < channels; c++) {
    for (let k = 1; k < kernel; k++) ext[k - 1] = window[c * kernel + k]!;
    for (let t = 0; t < L; t++) ext[kernel - 1 + t] = x[t * channels + c]!;
    const b = bias[c]!;
    for (let t = 0; t < L; t++) {
      let s = b;
      for (let k = 0; k < kernel; k++) s += weight[c * kernel + k]! * ext[t + k]!;
      out[t * channels + c] = s;
    }
    // The new window: the last K entries of [old window, x].
    const total = kernel - 1 + L;
    for (let k = 0; k < kernel; k++) {
      const at = total - kernel + k; // index in ext, may be −1 (then the old window's entry 0)
      window[c * kernel + k] = at >= 0 ? ext[at]! : window[c * kernel]!;
    }
  }
  return out;
}
