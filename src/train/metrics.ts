// Classification metrics and batched evaluation (eval mode, no gradients).
import { shapeError } from '../core/errors.js';
import { crossEntropy, noGrad, slice, type Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';

export interface EvalMetrics {
  loss: number;
  accuracy: number;
  /** Accuracy per true class (NaN for a class with no examples). */
  perClass: number[];
  n: number;
}

/** Index of the largest logit of each row of logits [N, C]. */
export function argmaxRows(logits: Tensor): Int32Array {
  if (logits.rank !== 2) throw shapeError('argmaxRows', 'logits', '[N, C]', logits.shape);
  const [n, c] = logits.shape as [number, number];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity, arg = 0;
    for (let j = 0; j < c; j++) {
      const v = logits.data[i * c + j]!;
      if (v > best) { best = v; arg = j; }
    }
    out[i] = arg;
  }
  return out;
}

/** Fraction of rows whose argmax equals the label. */
export function accuracy(logits: Tensor, labels: Tensor): number {
  const pred = argmaxRows(logits);
  let hits = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels.data[i]) hits++;
  return pred.length ? hits / pred.length : NaN;
}

/** Loss, accuracy and per-class accuracy of `model` on (x, y), in eval mode, in batches. */
export function evaluate(model: Module, x: Tensor, y: Tensor, options: { batchSize?: number; classes?: number } = {}): EvalMetrics {
  const wasTraining = model.training;
  model.eval();
  try {
    return evaluateForward((xb) => model.forward(xb), x, y, options);
  } finally {
    model.train(wasTraining);
  }
}

/** The same metrics for any forward function x [batch, …] → logits [batch, classes] (e.g. a condensed network). */
export function evaluateForward(forward: (x: Tensor) => Tensor, x: Tensor, y: Tensor, options: { batchSize?: number; classes?: number } = {}): EvalMetrics {
  const n = x.shape[0]!, batch = options.batchSize ?? 1000;
  let lossSum = 0, hits = 0;
  const classes = options.classes ?? 10;
  const seen = new Array<number>(classes).fill(0), right = new Array<number>(classes).fill(0);
  noGrad(() => {
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const xb = slice(x, [start], [end]), yb = slice(y, [start], [end]);
      const logits = forward(xb);
      lossSum += crossEntropy(logits, yb, { reduction: 'sum' }).item();
      const pred = argmaxRows(logits);
      for (let i = 0; i < pred.length; i++) {
        const label = yb.data[i]!;
        seen[label]!++;
        if (pred[i] === label) { hits++; right[label]!++; }
      }
    }
  });
  return { loss: lossSum / n, accuracy: hits / n, perClass: seen.map((s, c) => (s ? right[c]! / s : NaN)), n };
}
