// Image faults: geometric warps and blurs against closed forms and hand-checked cases, the MNIST-C
// corruptions' closed-form parts, determinism per key, and the noise sweeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { tensor } from '../../src/tensor/index.js';
import {
  MNIST_C_CORRUPTIONS, brightness, canny, corruptBatch, corruptDigit, gaussianBlur, gaussianKernel, gaussianNoise, impulseNoise, lineFromPoints, noiseSweep,
  glassBlur, plasmaFractal, rotate, rotateDigit, scale, shear, shotNoise, stripe, translate, translateDigit, uniformNoise,
} from '../../src/robust/index.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6, what = '') => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
const grid = [1, 2, 3, 4, 5, 6, 7, 8, 9];

test('rotate: 90° counter-clockwise is an exact permutation, 360° the identity, as skimage.transform.rotate', () => {
  close(rotate(grid, 3, 3, 90), [3, 6, 9, 2, 5, 8, 1, 4, 7], 1e-5, 'rot90');
  close(rotate(grid, 3, 3, 360), grid, 1e-5, 'rot360');
  close(rotate(grid, 3, 3, -90), [7, 4, 1, 8, 5, 2, 9, 6, 3], 1e-5, 'rot-90');
});

test('rotate with wrap keeps every value inside the image; constant padding brings in zeros', () => {
  const img = Float32Array.from({ length: 36 }, () => 1);
  const wrapped = rotate(img, 6, 6, 30, 'wrap'), padded = rotate(img, 6, 6, 30, 'constant');
  close(wrapped, img, 1e-5, 'wrap');
  assert.ok(padded[0]! < 1 && padded[0]! >= 0);
});

test('translate: integer shifts roll (wrap) or zero-fill (constant); half-pixel shifts average neighbours', () => {
  close(translate(grid, 3, 3, 1, 0, 'wrap'), [3, 1, 2, 6, 4, 5, 9, 7, 8], 0, 'roll');
  close(translate(grid, 3, 3, 0, -1, 'constant'), [4, 5, 6, 7, 8, 9, 0, 0, 0], 0, 'up');
  close(translate(grid, 3, 3, 0.5, 0, 'wrap'), [2, 1.5, 2.5, 5, 4.5, 5.5, 8, 7.5, 8.5], 1e-6, 'half');
});

test('Gaussian blur: kernel of radius ⌊4σ + 0.5⌋ summing to 1; constants unchanged; an impulse becomes the outer product', () => {
  const k = gaussianKernel(1);
  assert.equal(k.length, 9);
  assert.ok(Math.abs(k.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.abs(k[4]! / k[5]! - Math.exp(0.5)) < 1e-12);
  close(gaussianBlur(new Float32Array(49).fill(0.3), 7, 7, 1.3), new Float32Array(49).fill(0.3), 1e-6, 'constant');
  const impulse = new Float32Array(121); impulse[60] = 1;
  const b = gaussianBlur(impulse, 11, 11, 1, 'constant');
  for (let y = 1; y < 10; y++) for (let x = 1; x < 10; x++) assert.ok(Math.abs(b[y * 11 + x]! - k[y - 1]! * k[x - 1]!) < 1e-7);
});

test('Canny: a bright square has edges on its boundary only', () => {
  const img = new Float32Array(28 * 28);
  for (let y = 8; y < 20; y++) for (let x = 8; x < 20; x++) img[y * 28 + x] = 1;
  const e = canny(img, 28, 28);
  let onBoundary = 0, elsewhere = 0;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    if (!e[y * 28 + x]) continue;
    const nearEdge = (Math.abs(x - 7.5) <= 1.5 || Math.abs(x - 19.5) <= 1.5 || Math.abs(y - 7.5) <= 1.5 || Math.abs(y - 19.5) <= 1.5) && x >= 5 && x <= 22 && y >= 5 && y <= 22;
    if (nearEdge) onBoundary++; else elsewhere++;
  }
  assert.equal(elsewhere, 0);
  assert.ok(onBoundary >= 40, `${onBoundary} edge pixels`);
  assert.equal(canny(new Float32Array(784).fill(0.5), 28, 28).reduce((a, b) => a + b, 0), 0);
});

const digit = Float32Array.from({ length: 784 }, (_, i) => { const x = i % 28, y = Math.floor(i / 28); return Math.max(0, 1 - Math.hypot(x - 14, y - 12) / 8); });

test('MNIST-C closed forms: brightness, stripe, identity-parameter warps, translation, line profile', () => {
  close(brightness(digit, key(0)), digit.map((v) => Math.min(1, v + 0.5)), 1e-7, 'brightness');
  const s = stripe(digit);
  for (const i of [0, 6, 21, 27, 28 * 5 + 3]) assert.ok(Math.abs(s[i]! - (1 - digit[i]!)) < 1e-7);
  assert.equal(s[14 * 28 + 14], digit[14 * 28 + 14]);
  close(scale(digit, key(0), 1), digit, 1e-6, 'scale 1');
  close(rotateDigit(digit, key(0), 0), digit, 1e-6, 'rotate 0');
  close(shear(digit, key(0), 0), digit, 1e-6, 'shear 0');
  const t = translateDigit(digit, key(3));
  const shifted = [-3, 3].flatMap((dx) => [-3, 3].map((dy) => translate(digit, 28, 28, dx, dy)));
  assert.ok(shifted.some((cand) => cand.every((v, i) => Math.abs(v - t[i]!) < 1e-6)), 'a ±3-pixel shift on each axis');
  const line = lineFromPoints(0, 10, 27, 10);
  assert.ok(Math.abs(line[10 * 28 + 5]! - 1) < 1e-9);
  assert.ok(Math.abs(line[11 * 28 + 5]! - (Math.log(1 - 1 / 2.3) + 1)) < 1e-6);
  assert.equal(line[12 * 28 + 5], 0);
  assert.equal(line[10 * 28 + 27], 0, 'columns ≥ ceil(c1) are blank');
});

test('MNIST-C glass blur blurs down the columns only (skimage multichannel on a 2-D image): with no swaps, striped columns survive', () => {
  const stripes = Float32Array.from({ length: 784 }, (_, i) => (i % 2 ? 1 : 0));
  close(glassBlur(stripes, key(0), 0.7, 1, 0), stripes, 1e-6, 'no swaps');
  assert.ok(glassBlur(stripes, key(0)).some((v, i) => Math.abs(v - stripes[i]!) > 0.1), 'the swaps move pixels');
});

test('MNIST-C noise limits: shot noise with a huge count ≈ identity; impulse amount 0 / 1', () => {
  close(shotNoise(digit, key(1), 1e6), digit, 5e-3, 'shot');
  close(impulseNoise(digit, key(1), 0), digit, 0, 'impulse 0');
  assert.ok(impulseNoise(digit, key(1), 1).every((v) => v === 0 || v === 1));
});

test('every MNIST-C corruption: [0, 1] values, deterministic per key, changes the digit', () => {
  for (const name of MNIST_C_CORRUPTIONS) {
    const a = corruptDigit(name, digit, key(5)), b = corruptDigit(name, digit, key(5));
    assert.equal(a.length, 784, name);
    assert.ok(a.every((v) => v >= 0 && v <= 1), `${name}: values in [0, 1]`);
    assert.deepEqual(a, b, `${name}: same key, same image`);
    assert.ok(a.some((v, i) => Math.abs(v - digit[i]!) > 1e-3), `${name}: changes the image`);
  }
  const batch = corruptBatch('fog', Float32Array.from([...digit, ...digit]), 2, key(9));
  assert.ok(batch.subarray(0, 784).some((v, i) => v !== batch[784 + i]), 'each image of a batch has its own key');
  const p = plasmaFractal(key(2));
  assert.equal(Math.min(...p), 0);
  assert.equal(Math.max(...p), 1);
  assert.throws(() => corruptDigit('frost' as 'fog', digit, key(0)), /one of shot_noise.*inverse/);
});

test('noise faults: seeded, clipped to the box when asked, σ sweep with one key per level', () => {
  const x = tensor(new Float32Array(4000).fill(0.5), [4, 1000]);
  const g = gaussianNoise(x, 0.2, key(1));
  const m = g.toArray().reduce((a, v) => a + v, 0) / 4000, sd = Math.sqrt(g.toArray().reduce((a, v) => a + (v - m) ** 2, 0) / 4000);
  assert.ok(Math.abs(m - 0.5) < 0.02 && Math.abs(sd - 0.2) < 0.01, `${m} ${sd}`);
  assert.deepEqual(gaussianNoise(x, 0.2, key(1)).toArray(), g.toArray());
  assert.ok(gaussianNoise(x, 2, key(1), { lower: 0, upper: 1 }).toArray().every((v) => v >= 0 && v <= 1));
  const u = uniformNoise(x, 0.1, key(2)).toArray();
  assert.ok(u.every((v) => v >= 0.4 - 1e-7 && v <= 0.6 + 1e-7));
  const sweep = noiseSweep(x, 'gaussian', [0, 0.1, 0.3], key(3));
  assert.deepEqual(sweep[0]!.x.toArray(), x.toArray());
  assert.throws(() => gaussianNoise(x, -1, key(0)), /sigma/);
});
