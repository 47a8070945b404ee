// Test helpers: seeded random tensors and closeness assertions.
import assert from 'node:assert/strict';
import * as r from '../../src/core/random.js';
import { Tensor } from '../../src/tensor/index.js';
import type { DType } from '../../src/core/dtype.js';

/** A float64 (or other dtype) tensor with entries uniform in [lo, hi), from `seed`. */
export function randomTensor(seed: number, shape: readonly number[], lo = -2, hi = 2, dtype: DType = 'f64'): Tensor {
  const u = r.uniformValues(r.key(seed), shape.reduce((p, d) => p * d, 1), 'f64');
  const data = dtype === 'f64' ? new Float64Array(u.length) : new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) data[i] = lo + (hi - lo) * u[i]!;
  return new Tensor(data, shape);
}

/** Entries with |x| in [lo, hi) and random sign: keeps finite differences away from kinks at 0. */
export function awayFromZero(seed: number, shape: readonly number[], lo = 0.1, hi = 2): Tensor {
  const mag = r.uniformValues(r.key(seed), shape.reduce((p, d) => p * d, 1), 'f64');
  const sgn = r.bernoulliValues(r.key(seed + 7919), mag.length, 0.5);
  return new Tensor(Float64Array.from(mag, (m, i) => (sgn[i] ? 1 : -1) * (lo + (hi - lo) * m)), shape);
}

/** Assert every element of `actual` is within rtol·|expected| + atol. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-6, atol = 1e-9, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (!(Math.abs(a - e) <= rtol * Math.abs(e) + atol) && !(Number.isNaN(a) && Number.isNaN(e)) && a !== e) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}
