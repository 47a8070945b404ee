// Depthwise causal conv1d over a sequence with a carried window (Mamba2's conv1d, groups = channels):
//   y[t, c] = bias[c] + Σ_k weight[c, k] · in[t − K + 1 + k, c]
// where the inputs before the call come from `window` [C, K], the last K inputs per channel (index K − 1
// newest, as the Hugging Face cache; its entry 0 is not read by the next call but kept for that layout).
// Returns y [L, C] and the new window (the last K columns of [window | xᵀ]). On Tensors: K shifted slices,
// each scaled by its tap and summed (a grouped conv1d with C groups would run C tiny GEMMs; C is 4,352 at 1.2B).
import { shapeError } from '../../core/errors.js';
import { Tensor, add, concat, mul, reshape, slice, transpose } from '../../tensor/index.js';

/** x [L, C], weight [C, 1, K] (PyTorch's depthwise conv1d weight), bias [C], window [C, K] → y [L, C] and the next window [C, K]. */
export function depthwiseCausalConv(x: Tensor, weight: Tensor, bias: Tensor, window: Tensor): { y: Tensor; window: Tensor } {
  const [L, C] = x.shape as [number, number];
  const K = weight.shape[2]!;
  if (x.rank !== 2) throw shapeError('depthwiseCausalConv', 'x', '[L, channels]', x.shape);
  if (weight.rank !== 3 || weight.shape[0] !== C || weight.shape[1] !== 1) throw shapeError('depthwiseCausalConv', 'weight', `[${C}, 1, K]`, weight.shape);
  if (window.rank !== 2 || window.shape[0] !== C || window.shape[1] !== K) throw shapeError('depthwiseCausalConv', 'window', `[${C}, ${K}]`, window.shape);
  const ext = concat([window, transpose(x)], 1); // [C, K + L]
  const taps = reshape(weight, [C, K]);
  let y = reshape(bias, [C, 1]);
  for (let k = 0; k < K; k++) y = add(y, mul(slice(ext, [0, 1 + k], [C, 1 + k + L]), slice(taps, [0, k], [C, k + 1]))); // [C, L]
  const out = transpose(y);
  return { y: out, window: slice(ext, [0, L], [C, L + K]) };
}
