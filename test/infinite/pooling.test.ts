// avgPool's kernel map A K Aᵀ: a window covering the image equals global average pooling, a 1-pixel window
// is the identity, 'same' keeps the size, and the finite layer's output shape matches; Monte Carlo against a
// finite conv net is in monteCarlo.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { random } from '../../src/tensor/index.js';
import { avgPool, conv, flatten, globalAvgPool, kernelFn, relu, serial, StaxNetwork, sumPool } from '../../src/infinite/index.js';

const x = random.normal(key(1), [3, 2, 4, 4], { dtype: 'f64' });
const front = () => [conv(8, 3, { wStd: 1.4, bStd: 0.1 }), relu()];
const near = (a: Float64Array, b: Float64Array, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-12 * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('avgPool: a 4×4 window on 4×4 images is global average pooling; a 1-pixel window the identity; same padding keeps 4×4', () => {
  const whole = kernelFn(serial(...front(), avgPool(4), flatten()), x), global = kernelFn(serial(...front(), globalAvgPool()), x);
  near(whole.nngp, global.nngp, 'NNGP');
  near(whole.ntk, global.ntk, 'NTK');
  const plain = kernelFn(serial(...front(), flatten()), x), one = kernelFn(serial(...front(), avgPool(1), flatten()), x);
  near(one.nngp, plain.nngp, 'identity NNGP');
  const same = new StaxNetwork(serial(...front(), avgPool(3, { stride: 1, padding: 'same' })), key(2), [2, 4, 4]);
  assert.deepEqual(same.forward(x).shape, [3, 8, 4, 4]);
  const strided = new StaxNetwork(serial(...front(), avgPool(2)), key(3), [2, 4, 4]);
  assert.deepEqual(strided.forward(x).shape, [3, 8, 2, 2]);
  assert.throws(() => avgPool(2, { padding: 'same' }), /odd window/);
  // sumPool = 4 × avgPool for a 2×2 window: kernels × 16, outputs × 4
  const avgK = kernelFn(serial(...front(), avgPool(2), flatten()), x), sumK = kernelFn(serial(...front(), sumPool(2), flatten()), x);
  near(sumK.nngp, avgK.nngp.map((v) => 16 * v), 'sumPool NNGP');
  near(sumK.ntk, avgK.ntk.map((v) => 16 * v), 'sumPool NTK');
  const a = new StaxNetwork(serial(...front(), avgPool(2)), key(4), [2, 4, 4]), s = new StaxNetwork(serial(...front(), sumPool(2)), key(4), [2, 4, 4]);
  near(s.forward(x).data as Float64Array, (a.forward(x).data as Float64Array).map((v) => 4 * v), 'sumPool outputs');
  assert.throws(() => kernelFn(serial(avgPool(2)), [[1, 2]]), /images/);
});
