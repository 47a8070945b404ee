// Composite operations built only from primitives, so their gradients come for free:
// logsumexp, crossEntropy and mse (softmax and logSoftmax are fused primitives in softmax.ts).
import { isFloat } from '../../core/dtype.js';
import { dtypeError, rangeError, shapeError, valueError } from '../../core/errors.js';
import { normalizeAxes } from '../../core/shape.js';
import { stopGradient } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { abs, add, cast, div, exp, less, log, mul, neg, notEqual, sub, where } from './elementwise.js';
import { take, takeAlongAxis } from './indexing.js';
import { max, mean, sum } from './reduce.js';
import { reshape } from './shape.js';
import { logSoftmax, softmaxCrossEntropy } from './softmax.js';

/** log Σ exp(x) over `axes`, stabilised by the (non-differentiated) maximum. */
export function logsumexp(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normalizeAxes('logsumexp', axes, x.rank);
  const m = stopGradient(max(x, ax, true));
  const safeM = where(less(abs(m), Infinity), m, 0); // ±∞ or NaN maxima: shift by 0 instead
  const out = add(log(sum(exp(sub(x, safeM)), ax, true)), safeM);
  return keepdims ? out : reshape(out, x.shape.filter((_, i) => !ax.includes(i)));
}

export { logSoftmax, softmax } from './softmax.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  /** Per-class weights [C]; the mean is then weighted (Σ loss / Σ weight[target]), as PyTorch. */
  weight?: Tensor;
  /** ε in [0, 1): the target becomes (1 − ε)·onehot + ε/C. */
  labelSmoothing?: number;
  reduction?: Reduction;
  /** Targets equal to this index contribute nothing (PyTorch's ignore_index). */
  ignoreIndex?: number;
}

/**
 * Softmax cross-entropy of logits [N, C] against integer class targets [N], with exactly
 * torch.nn.functional.cross_entropy's semantics for weights, label smoothing and reductions:
 * loss = (1 − ε)·nll + (ε/C)·Σ_c −w_c·log p_c, each term reduced like nll_loss.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight, labelSmoothing = 0, reduction = 'mean', ignoreIndex } = options;
  if (logits.rank !== 2) throw shapeError('crossEntropy', 'logits', '[N, C]', logits.shape);
  const [n, c] = logits.shape as [number, number];
  if (targets.rank !== 1 || targets.shape[0] !== n) throw shapeError('crossEntropy', 'targets', `[${n}] (one class index per row)`, targets.shape);
  if (isFloat(targets.dtype)) throw dtypeError('crossEntropy', 'targets', 'an integer dtype (class indices)', targets.dtype);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw rangeError('crossEntropy', 'labelSmoothing', 'a number in [0, 1]', labelSmoothing);
  if (weight && (weight.rank !== 1 || weight.shape[0] !== c)) throw shapeError('crossEntropy', 'weight', `[${c}] (one weight per class)`, weight.shape);
  if (!['mean', 'sum', 'none'].includes(reduction)) throw valueError('crossEntropy', 'reduction', "'mean', 'sum' or 'none'", reduction);
  const bad = targets.data.findIndex((t) => (t < 0 || t >= c) && t !== ignoreIndex);
  if (bad >= 0) throw rangeError('crossEntropy', `targets (row ${bad})`, `a class index in [0, ${c})${ignoreIndex === undefined ? '' : ` or ignoreIndex ${ignoreIndex}`}`, targets.data[bad]);

  // The common case is one fused kernel forward and backward.
  if (!weight && labelSmoothing === 0 && ignoreIndex === undefined) {
    const perRow = softmaxCrossEntropy(logits, targets);
    return reduction === 'none' ? perRow : reduction === 'sum' ? sum(perRow) : mean(perRow);
  }
  const keep = ignoreIndex === undefined ? null : cast(notEqual(targets, ignoreIndex), logits.dtype); // [N]
  const safeTargets = ignoreIndex === undefined ? targets : where(notEqual(targets, ignoreIndex), targets, 0);
  const logp = logSoftmax(logits, 1); // [N, C]
  const picked = reshape(takeAlongAxis(logp, reshape(safeTargets, [n, 1]), 1), [n]); // [N]
  let targetWeight = weight ? take(weight, safeTargets) : null; // [N]
  if (keep) targetWeight = targetWeight ? mul(targetWeight, keep) : keep;
  const nll = neg(targetWeight ? mul(picked, targetWeight) : picked); // [N]
  const reduce = (perRow: Tensor): Tensor => {
    if (reduction === 'none') return perRow;
    if (reduction === 'sum') return sum(perRow);
    return targetWeight ? div(sum(perRow), sum(targetWeight)) : mean(perRow);
  };
  if (labelSmoothing === 0) return reduce(nll);
  let smooth = neg(sum(weight ? mul(logp, reshape(weight, [1, c])) : logp, 1)); // [N]
  if (keep) smooth = mul(smooth, keep);
  return add(mul(reduce(nll), 1 - labelSmoothing), mul(reduce(smooth), labelSmoothing / c));
}

/** Mean squared error (or its sum, or per element). */
export function mse(prediction: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const d = sub(prediction, target);
  const sq = mul(d, d);
  const reduction = options.reduction ?? 'mean';
  return reduction === 'none' ? sq : reduction === 'sum' ? sum(sq) : mean(sq);
}
