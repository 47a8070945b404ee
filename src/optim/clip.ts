// Gradient clipping by global L2 norm: torch.nn.utils.clip_grad_norm_.
//
//   norm = √(Σ over every gradient tensor and element of g²)
//   coef = min(maxNorm / (norm + 1e-6), 1)
//   g ← coef·g                      (in place, every tensor; nothing changes when coef = 1)
//
// The sum runs in float64 for float32 gradients too (torch sums in float32); coef is then rounded
// to float32 for float32 gradients, as torch's coef is a float32 tensor there.
import { isFloat } from '../core/dtype.js';
import { dtypeError, rangeError, valueError } from '../core/errors.js';
import { isTensor } from '../tensor/index.js';
import { booleanOption, checkKeys, numberOption } from './options.js';
import type { NamedTensors } from './optimizer.js';

export interface ClipGradNormOptions {
  /** Throw when the norm is NaN or ±∞ (default true); with false the gradients are scaled by the non-finite coef, as torch does. */
  errorIfNonfinite?: boolean;
}

/** Scale `grads` in place so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(grads: NamedTensors, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const op = 'clipGradNorm';
  const o = checkKeys(op, options, ['errorIfNonfinite']);
  const errorIfNonfinite = booleanOption(op, 'errorIfNonfinite', o.errorIfNonfinite, true);
  numberOption(op, 'maxNorm', maxNorm, undefined, { min: 0 });
  if (typeof grads !== 'object' || grads === null) throw valueError(op, 'grads', 'an object of named tensors', grads);
  const tensors = Object.entries(grads).filter(([, g]) => g !== null && g !== undefined);
  let sumSq = 0;
  for (const [key, g] of tensors) {
    if (!isTensor(g)) throw valueError(op, `grads['${key}']`, 'a Tensor', g);
    if (!isFloat(g.dtype)) throw dtypeError(op, `grads['${key}']`, 'f32 or f64', g.dtype);
    const d = g.data;
    for (let i = 0; i < d.length; i++) sumSq += d[i]! * d[i]!;
  }
  const norm = Math.sqrt(sumSq);
  if (!Number.isFinite(norm) && errorIfNonfinite) {
    const bad = tensors.find(([, g]) => g.data.some((x) => !Number.isFinite(x)))?.[0];
    throw rangeError(op, 'grads', 'a finite global L2 norm (pass errorIfNonfinite: false to scale anyway)',
      `${norm}${bad === undefined ? ' (the sum of squares overflowed)' : ` (non-finite entries in grads['${bad}'])`}`);
  }
  const coef = Math.min(maxNorm / (norm + 1e-6), 1);
  if (coef !== 1) {
    for (const [, g] of tensors) {
      const c = g.dtype === 'f32' ? Math.fround(coef) : coef;
      const d = g.data;
      for (let i = 0; i < d.length; i++) d[i] = d[i]! * c;
    }
  }
  return norm;
}
