// Fused softmax / log-softmax along one axis (x viewed as [outer, n, inner]) and their VJPs, and the
// fused softmax cross-entropy of logits [rows, classes] with integer labels. Double accumulation.
//   softmax      y = e^(x − m) / Σ e^(x − m), m = max (0 when the max is ±∞ or NaN)   dx = y ⊙ (g − Σ g·y)
//   log-softmax  y = x − m − log Σ e^(x − m)                                           dx = g − e^y · Σ g
//   cross-entropy loss_r = logsumexp(x_r) − x_r[label_r]                               dx_r = g_r·(softmax(x_r) − onehot)
import type { FloatArray } from '../../core/dtype.js';
import { rangeError } from '../../core/errors.js';
import type { SoftmaxDims } from '../kernels.js';

/** The shift m and log Σ e^(x − m) of the run x[base], x[base + stride], … (n entries). */
function shiftAndLogSum(x: FloatArray, base: number, n: number, stride: number): [number, number] {
  let m = -Infinity;
  for (let i = 0; i < n; i++) { const v = x[base + i * stride]!; if (v > m || v !== v) m = v; }
  if (!Number.isFinite(m)) m = 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[base + i * stride]! - m);
  return [m, Math.log(s)];
}

export function softmax(d: SoftmaxDims, log: boolean, x: FloatArray, out: FloatArray): void {
  for (let o = 0; o < d.outer; o++) {
    for (let j = 0; j < d.inner; j++) {
      const base = o * d.n * d.inner + j;
      const [m, lse] = shiftAndLogSum(x, base, d.n, d.inner);
      for (let i = 0; i < d.n; i++) {
        const z = x[base + i * d.inner]! - m - lse;
        out[base + i * d.inner] = log ? z : Math.exp(z);
      }
    }
  }
}

export function softmaxBackward(d: SoftmaxDims, log: boolean, y: FloatArray, g: FloatArray, dx: FloatArray): void {
  for (let o = 0; o < d.outer; o++) {
    for (let j = 0; j < d.inner; j++) {
      const base = o * d.n * d.inner + j;
      let s = 0;
      for (let i = 0; i < d.n; i++) { const k = base + i * d.inner; s += log ? g[k]! : g[k]! * y[k]!; }
      for (let i = 0; i < d.n; i++) {
        const k = base + i * d.inner;
        dx[k] = log ? g[k]! - Math.exp(y[k]!) * s : y[k]! * (g[k]! - s);
      }
    }
  }
}

function checkLabels(op: string, labels: Int32Array, rows: number, classes: number): void {
  for (let r = 0; r < rows; r++) {
    const l = labels[r]!;
    if (l < 0 || l >= classes) throw rangeError(op, 'labels', `class indices in [0, ${classes})`, `${l} at row ${r}`);
  }
}

export function softmaxCrossEntropy(rows: number, classes: number, logits: FloatArray, labels: Int32Array, losses: FloatArray): void {
  checkLabels('softmaxCrossEntropy', labels, rows, classes);
  for (let r = 0; r < rows; r++) {
    const [m, lse] = shiftAndLogSum(logits, r * classes, classes, 1);
    losses[r] = m + lse - logits[r * classes + labels[r]!]!;
  }
}

export function softmaxCrossEntropyBackward(rows: number, classes: number, logits: FloatArray, labels: Int32Array, g: FloatArray, dlogits: FloatArray): void {
  checkLabels('softmaxCrossEntropyBackward', labels, rows, classes);
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    const [m, lse] = shiftAndLogSum(logits, base, classes, 1);
    const gr = g[r]!, label = labels[r]!;
    for (let i = 0; i < classes; i++) dlogits[base + i] = gr * (Math.exp(logits[base + i]! - m - lse) - (i === label ? 1 : 0));
  }
}
