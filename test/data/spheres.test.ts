// The adversarial-spheres generator: exact radii per class, balanced labels, Gaussian directions,
// determinism per key, clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { adversarialSpheres, OUTER_SPHERE_RADIUS } from '../../src/data/index.js';

const norms = (x: ArrayLike<number>, n: number): number[] => {
  const d = x.length / n;
  return Array.from({ length: n }, (_, i) => Math.hypot(...Array.from(x).slice(i * d, (i + 1) * d)));
};

test('spheres: inner points have radius 1 (label 0), outer radius 1.3 (label 1), exactly in f64', () => {
  const { x, y } = adversarialSpheres(key(3), { n: 501, dim: 10, dtype: 'f64' });
  assert.deepEqual(x.shape, [501, 10]);
  assert.equal(y.dtype, 'i32');
  norms(x.data, 501).forEach((r, i) => assert.ok(Math.abs(r - (y.data[i] === 1 ? OUTER_SPHERE_RADIUS : 1)) < 1e-12, `row ${i}: radius ${r}, label ${y.data[i]}`));
  const f32 = adversarialSpheres(key(3), { n: 50, dim: 30 });
  assert.equal(f32.x.dtype, 'f32');
  norms(f32.x.data, 50).forEach((r, i) => assert.ok(Math.abs(r - (f32.y.data[i] === 1 ? 1.3 : 1)) < 1e-6, `f32 row ${i}: ${r}`));
});

test('spheres: labels balanced (every prefix within one point), directions spread like a normalised Gaussian', () => {
  const n = 4001, d = 10;
  const { x, y } = adversarialSpheres(key(7), { n, dim: d, dtype: 'f64' });
  let ones = 0;
  for (let i = 0; i < n; i++) {
    ones += y.data[i]!;
    assert.ok(Math.abs(2 * ones - (i + 1)) <= 1, `prefix ${i + 1}: ${ones} outer`);
  }
  assert.equal(ones, 2000);
  // on the unit sphere each coordinate has mean 0 and second moment 1/d
  for (let j = 0; j < d; j++) {
    let m = 0, m2 = 0;
    for (let i = 0; i < n; i++) {
      const u = x.data[i * d + j]! / (y.data[i] === 1 ? 1.3 : 1);
      m += u / n; m2 += (u * u) / n;
    }
    assert.ok(Math.abs(m) < 0.03, `coordinate ${j} mean ${m}`);
    assert.ok(Math.abs(m2 - 1 / d) < 0.015, `coordinate ${j} second moment ${m2}`);
  }
});

test('spheres: the same key gives the same points, another key different ones; bad options are clear errors', () => {
  const a = adversarialSpheres(key(1), { n: 20, dim: 5 }), b = adversarialSpheres(key(1), { n: 20, dim: 5 }), c = adversarialSpheres(key(2), { n: 20, dim: 5 });
  assert.deepEqual(Array.from(a.x.data), Array.from(b.x.data));
  assert.deepEqual(Array.from(a.y.data), Array.from(b.y.data));
  assert.notDeepEqual(Array.from(a.x.data), Array.from(c.x.data));
  assert.throws(() => adversarialSpheres(key(0), { n: 0 }), /n.*integer ≥ 1/);
  assert.throws(() => adversarialSpheres(key(0), { n: 4, dim: 1 }), /dim.*integer ≥ 2/);
  assert.throws(() => adversarialSpheres(key(0), { n: 4, outerRadius: 0.9 }), /outerRadius.*> 1/);
});
