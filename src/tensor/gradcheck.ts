// Finite-difference gradient checking (float64 central differences), as jax's check_grads.
import { allocate, isFloat } from '../core/dtype.js';
import { dtypeError } from '../core/errors.js';
import * as r from '../core/random.js';
import { vjp } from './autograd.js';
import { Tensor } from './tensor.js';

export interface GradCheckResult {
  /** max |analytic − numeric| / max(1, |numeric|) over every checked element. */
  maxError: number;
  /** Where it happened. */
  worst: { input: number; index: number; analytic: number; numeric: number };
}

/**
 * Compare the VJP of `f` with central differences of L(x) = Σ f(x)·u, for a random cotangent u,
 * perturbing every element of every float64 input (non-float inputs are held fixed).
 * `eps` is the difference step.
 */
export function gradCheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: { eps?: number; seed?: number } = {}): GradCheckResult {
  const eps = options.eps ?? 1e-6;
  for (const [i, x] of inputs.entries()) {
    if (x.dtype === 'f32') throw dtypeError('gradCheck', `input ${i}`, 'f64 (finite differences need float64)', x.dtype);
  }
  const [out, pullback] = vjp(f, ...inputs);
  const u = new Tensor(Float64Array.from(r.normalValues(r.key(options.seed ?? 0), out.size, 'f64')), out.shape);
  const analytic = pullback(u);
  const loss = (xs: Tensor[]): number => {
    const y = f(...xs).data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * u.data[i]!;
    return s;
  };
  const result: GradCheckResult = { maxError: 0, worst: { input: -1, index: -1, analytic: 0, numeric: 0 } };
  inputs.forEach((x, i) => {
    if (!isFloat(x.dtype)) return;
    for (let j = 0; j < x.size; j++) {
      const perturbed = (delta: number): Tensor[] => inputs.map((t, k) => {
        if (k !== i) return t;
        const d = allocate('f64', t.size);
        d.set(t.data);
        d[j]! += delta;
        return new Tensor(d, t.shape);
      });
      const numeric = (loss(perturbed(eps)) - loss(perturbed(-eps))) / (2 * eps);
      const a = analytic[i]!.data[j]!;
      const err = Math.abs(a - numeric) / Math.max(1, Math.abs(numeric));
      if (!(err <= result.maxError)) result.maxError = Number.isNaN(err) ? Infinity : Math.max(err, result.maxError), result.worst = { input: i, index: j, analytic: a, numeric };
    }
  });
  return result;
}
