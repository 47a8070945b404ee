// Depthwise causal conv1d over a sequence with a carried window (Mamba2's conv1d, groups = channels):
//   y[t, c] = bias[c] + Σ_k weight[c, k] · in[t − K + 1 + k, c]
// where the inputs before the call come from `window` [K, C], the last K inputs (row K − 1 newest; row 0 is
// not read by the next call but kept, as in the Hugging Face cache). The window is time-major like the
// sequence itself (HF's conv_state is its transpose [C, K]), so every op below moves whole rows of C values:
// ext = [window; x] [K + L, C], y = bias + Σ_k ext[1 + k … 1 + k + L) ⊙ tap_k, the next window = ext's last K
// rows: K shifted slices, each scaled by its tap and summed (a grouped conv1d with C groups would run C tiny
// GEMMs; C is 4,352 at 1.2B); for L = 1 (a decode step) the taps meet the new window in one product, summed
// over its K rows.
import { shapeError } from '../../core/errors.js';
import { Tensor, add, concat, mul, reshape, slice, sum, transpose } from '../../tensor/index.js';

/** x [L, C], weight [C, 1, K] (PyTorch's depthwise conv1d weight), bias [C], window [K, C] → y [L, C] and the next window [K, C]. */
export function depthwiseCausalConv(x: Tensor, weight: Tensor, bias: Tensor, window: Tensor): { y: Tensor; window: Tensor } {
  const [L, C] = x.shape as [number, number];
  const K = weight.shape[2]!;
  if (x.rank !== 2) throw shapeError('depthwiseCausalConv', 'x', '[L, channels]', x.shape);
  if (weight.rank !== 3 || weight.shape[0] !== C || weight.shape[1] !== 1) throw shapeError('depthwiseCausalConv', 'weight', `[${C}, 1, K]`, weight.shape);
  if (window.rank !== 2 || window.shape[0] !== K || window.shape[1] !== C) throw shapeError('depthwiseCausalConv', 'window', `[${K}, ${C}]`, window.shape);
  const ext = concat([window, x], 0); // [K + L, C]
  const taps = transpose(reshape(weight, [C, K])); // [K, C]
  const window1 = slice(ext, [L, 0], [L + K, C]);
  // One position (a decode step): the taps against the new window at once, summed over the K rows.
  if (L === 1) return { y: add(sum(mul(window1, taps), 0, true), reshape(bias, [1, C])), window: window1 };
  let y = reshape(bias, [1, C]);
  for (let k = 0; k < K; k++) y = add(y, mul(slice(ext, [1 + k, 0], [1 + k + L, C]), slice(taps, [k, 0], [k + 1, C]))); // [L, C]
  return { y, window: window1 };
}
