// fanInProd and fanInConcat: the product rule and the channel-weighted average against the branch kernels
// computed alone, the finite layers' shapes and values, and the shape errors. Monte Carlo: monteCarlo.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { tensor } from '../../src/tensor/index.js';
import { dense, erf, fanInConcat, fanInProd, fanOut, kernelFn, parallel, relu, serial, StaxNetwork } from '../../src/infinite/index.js';

const x = [[1, 2], [-0.5, 0.7], [0, 0.1]];
const close = (a: number, e: number, what: string) => assert.ok(Math.abs(a - e) <= 1e-12 * (1 + Math.abs(e)), `${what}: got ${a}, expected ${e}`);
const a = () => serial(dense(6, { wStd: 1.3, bStd: 0.2 }), relu());
const b = (width = 3) => serial(dense(width, { wStd: 0.8, bStd: 0.1 }), erf());

test('fanInProd: K = K_a·K_b and Θ = Θ_a·K_b + K_a·Θ_b of the branches alone; fanInConcat: the channel-weighted average (6 and 3 channels)', () => {
  const ka = kernelFn(a(), x), kb = kernelFn(b(), x);
  const prod = kernelFn(serial(fanOut(2), parallel(a(), b(6)), fanInProd()), x);
  const cat = kernelFn(serial(fanOut(2), parallel(a(), b()), fanInConcat()), x);
  for (let i = 0; i < 9; i++) {
    close(prod.nngp[i]!, ka.nngp[i]! * kb.nngp[i]!, `prod NNGP ${i}`);
    close(prod.ntk[i]!, ka.ntk[i]! * kb.nngp[i]! + ka.nngp[i]! * kb.ntk[i]!, `prod NTK ${i}`);
    close(cat.nngp[i]!, (6 * ka.nngp[i]! + 3 * kb.nngp[i]!) / 9, `concat NNGP ${i}`);
    close(cat.ntk[i]!, (6 * ka.ntk[i]! + 3 * kb.ntk[i]!) / 9, `concat NTK ${i}`);
  }
});

test('the finite layers: concat stacks the features (6 + 3 = 9), prod multiplies same-shaped branches; mismatched branches are errors', () => {
  const net = new StaxNetwork(serial(fanOut(2), parallel(a(), b()), fanInConcat()), key(1), [2]);
  const y = net.forward(tensor(x, undefined, 'f64'));
  assert.deepEqual(y.shape, [3, 9]);
  const p = new StaxNetwork(serial(fanOut(2), parallel(a(), a()), fanInProd()), key(2), [2]);
  assert.deepEqual(p.forward(tensor(x, undefined, 'f64')).shape, [3, 6]);
  assert.throws(() => new StaxNetwork(serial(fanOut(2), parallel(a(), b()), fanInProd()), key(3), [2]), /branch 1/);
  assert.throws(() => kernelFn(serial(fanOut(2), parallel(a(), b()), fanInProd()), x), /branch 1/);
  assert.throws(() => kernelFn(serial(a(), fanInConcat()), x), /branches/);
});
