// The MNIST-C corruptions beyond the published 15: shape, range, determinism per key, and one exact or
// statistical property each (inverse = 1 − x, contrast keeps the mean, quantize's levels, pixelate's
// blocks, σ of the noises, the blur kernels on an impulse, JPEG's DC step, …); the severity table and
// the `tessera robust faults` listing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { foldIn, key } from '../../src/core/random.js';
import {
  MNIST_C_CORRUPTIONS, MNIST_C_DATASET_CORRUPTIONS, MNIST_C_SEVERITY, affineFromPoints, clippedZoom, contrast, corruptDigit, defocusBlur, diskKernel, elasticTransform,
  gaussianBlurDigit, gaussianKernel, gaussianNoiseDigit, inverseDigit, invertAffine, jpegCompression, jpegQuantTable, pixelate, quantize, saturate, snow, speckleNoise,
  straightLine, zoomBlur,
} from '../../src/robust/index.js';

const S = 28;
const digit = Float32Array.from({ length: S * S }, (_, i) => { const x = i % S, y = Math.floor(i / S); return Math.round(255 * Math.max(0, 1 - Math.hypot(x - 14, y - 12) / 8)) / 255; });
const flat = (v: number) => new Float32Array(S * S).fill(v);
const impulse = () => { const a = flat(0); a[14 * S + 14] = 1; return a; };
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};
/** Mean and standard deviation of the pixels of `draws` corrupted images. */
const moments = (f: (k: number) => Float32Array, draws = 10) => {
  const v = Array.from({ length: draws }, (_, k) => [...f(k)]).flat();
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return { m, sd: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length), v };
};

const NEW = MNIST_C_CORRUPTIONS.slice(15);
const RANDOM = new Set(['gaussian_noise', 'speckle_noise', 'snow', 'elastic_transform', 'line']);

test('the list: 15 published + 14 more = corruptions.py ALL_CORRUPTIONS minus identity, pessimal_noise, frost; every name has a severity entry', () => {
  assert.equal(MNIST_C_CORRUPTIONS.length, 29);
  assert.equal(new Set(MNIST_C_CORRUPTIONS).size, 29);
  assert.deepEqual([...MNIST_C_DATASET_CORRUPTIONS], ['shot_noise', 'impulse_noise', 'glass_blur', 'motion_blur', 'shear', 'scale', 'rotate', 'brightness', 'translate', 'stripe', 'fog', 'spatter', 'dotted_line', 'zigzag', 'canny_edges']);
  for (const n of MNIST_C_CORRUPTIONS) assert.ok(MNIST_C_SEVERITY[n] && typeof MNIST_C_SEVERITY[n].params === 'object', n);
  assert.deepEqual(Object.keys(MNIST_C_SEVERITY).sort(), [...MNIST_C_CORRUPTIONS].sort());
  assert.equal(MNIST_C_SEVERITY.zoom_blur.params.zooms.length, 11, 'numpy.arange(1, 1.31, 0.03)');
  assert.ok(Math.abs(MNIST_C_SEVERITY.zoom_blur.params.zooms[10]! - 1.3) < 1e-12);
});

test('every new corruption: 28×28 in [0, 1], same key same image, changes the digit, random ones differ across keys', () => {
  for (const name of NEW) {
    const a = corruptDigit(name, digit, key(5)), b = corruptDigit(name, digit, key(5));
    assert.equal(a.length, S * S, name);
    assert.ok(a.every((v) => v >= 0 && v <= 1), `${name}: values in [0, 1]`);
    assert.deepEqual(a, b, `${name}: same key, same image`);
    assert.ok(a.some((v, i) => Math.abs(v - digit[i]!) > 1e-3), `${name}: changes the image`);
    if (RANDOM.has(name)) assert.ok(corruptDigit(name, digit, key(6)).some((v, i) => v !== a[i]), `${name}: another key, another image`);
  }
  assert.throws(() => corruptDigit('gaussian_noise', new Float32Array(10), key(0)), /784/);
});

test('gaussian noise: σ on a flat image within sampling error; at σ = 0.38 the clipped tails have Φ(−0.5/0.38) each', () => {
  const { m, sd } = moments((k) => gaussianNoiseDigit(flat(0.5), key(k), { sigma: 0.05 }));
  assert.ok(Math.abs(m - 0.5) < 0.003 && Math.abs(sd - 0.05) < 0.002, `mean ${m}, sd ${sd}`);
  const { v } = moments((k) => gaussianNoiseDigit(flat(0.5), key(k)));
  const lowTail = v.filter((x) => x === 0).length / v.length, highTail = v.filter((x) => x === 1).length / v.length;
  assert.ok(Math.abs(lowTail - 0.0941) < 0.015 && Math.abs(highTail - 0.0941) < 0.015, `${lowTail} ${highTail}`);
});

test('speckle noise: black pixels stay black; σ = c·x on a flat image', () => {
  assert.ok(speckleNoise(flat(0), key(1)).every((v) => v === 0));
  const { m, sd } = moments((k) => speckleNoise(flat(0.5), key(k), { c: 0.1 }));
  assert.ok(Math.abs(m - 0.5) < 0.003 && Math.abs(sd - 0.05) < 0.002, `mean ${m}, sd ${sd}`);
});

test('gaussian blur: σ = 2 down the columns only (skimage multichannel on a 2-D image): an impulse becomes the 1-D kernel', () => {
  const b = gaussianBlurDigit(impulse(), key(0)), k = gaussianKernel(2);
  assert.equal(k.length, 17);
  for (let dy = -8; dy <= 8; dy++) assert.ok(Math.abs(b[(14 + dy) * S + 14]! - k[dy + 8]!) < 1e-7, `row ${14 + dy}`);
  assert.equal(b[14 * S + 13], 0, 'nothing spreads along the row');
  const columns = Float32Array.from({ length: S * S }, (_, i) => (i % S) / 27);
  close(gaussianBlurDigit(columns, key(0)), columns, 1e-6, 'an image constant down each column is unchanged');
});

test('defocus blur: the radius-3 disk kernel (29 pixels, sum 1) is what an impulse turns into', () => {
  const { size, k } = diskKernel(3, 0.1);
  assert.equal(size, 17);
  assert.ok(Math.abs(k.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const b = defocusBlur(impulse(), key(0));
  for (const [dx, dy] of [[0, 0], [3, 0], [0, -3], [2, 2]]) assert.ok(Math.abs(b[(14 + dy!) * S + 14 + dx!]! - 1 / 29) < 1e-9, `(${dx}, ${dy}) inside the disk`);
  for (const [dx, dy] of [[4, 0], [3, 1], [2, 3]]) assert.ok(b[(14 + dy!) * S + 14 + dx!]! < 1e-12, `(${dx}, ${dy}) outside the disk`);
});

test('zoom blur: zoom 1 is the identity; constants are fixed points; a zoom moves a point away from the centre', () => {
  close(clippedZoom(digit, 1), digit, 1e-7, 'clippedZoom 1');
  close(zoomBlur(digit, key(0), { zooms: [1] }), digit, 1e-7, 'zooms [1]');
  close(zoomBlur(flat(0.3), key(0)), flat(0.3), 1e-6, 'constant');
  // zoom 2 of the 14×14 centre crop: output pixel 27 reads crop coordinate (27 + 0)·13/27 = 13, the crop's last column
  const ramp = Float32Array.from({ length: S * S }, (_, i) => (i % S) / 27);
  assert.ok(Math.abs(clippedZoom(ramp, 2)[27]! - 20 / 27) < 1e-6);
});

test('snow: on a black image the brightened floor is 0.45·0.5 and the flakes are symmetric under a 180° turn', () => {
  const s = snow(flat(0), key(3));
  assert.ok(s.every((v) => v >= 0.225 - 1e-6), 'floor 0.225');
  close(s, [...s].reverse(), 1e-6, 'rot180');
  assert.ok(s.some((v) => v > 0.3), 'some flakes');
});

test('contrast keeps the mean and scales deviations by 0.1; saturate is 0.97708·clip(20x + 0.2) on grey pixels', () => {
  const c = contrast(digit, key(0)), mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean(c) - mean(digit)) < 1e-6);
  close(c, digit.map((v) => (v - mean(digit)) * 0.1 + mean(digit)), 1e-6, 'contrast');
  const gain = 0.2125 * 0.96 + 0.7154 + 0.0721 * 0.8; // hsv2rgb of (h 0.2, s 0.2, v) = (0.96v, v, 0.8v)
  close(saturate(digit, key(0)), digit.map((v) => gain * Math.min(1, 20 * v + 0.2)), 1e-6, 'saturate');
});

test('JPEG: the IJG table scaling, and a flat image keeps only its quantised DC (200 → 199 at quality 7)', () => {
  assert.deepEqual([...jpegQuantTable(50)].slice(0, 8), [16, 11, 10, 16, 24, 40, 51, 61]);
  const q7 = jpegQuantTable(7);
  assert.equal(q7[0], 114); // ⌊(16·⌊5000/7⌋ + 50)/100⌋
  assert.equal(q7[63], 255, 'baseline clamp');
  // DC = 8·(200 − 128) = 576 → round(576/114) = 5 → 570 → 128 + 570/8 = 199.25 → 199
  close(jpegCompression(flat(200 / 255), key(0)), flat(199 / 255), 1e-7, 'flat');
  assert.ok(jpegCompression(digit, key(0)).every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), '8-bit output');
});

test('pixelate: constant on the 11×11 blocks of the BOX upsampling, and a flat image is unchanged', () => {
  const p = pixelate(digit, key(0)), block = (i: number) => Math.floor(((i + 0.5) * 11) / 28);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    const y0 = [...Array(S).keys()].find((t) => block(t) === block(y))!, x0 = [...Array(S).keys()].find((t) => block(t) === block(x))!;
    assert.equal(p[y * S + x], p[y0 * S + x0], `(${x}, ${y}) in block (${block(x)}, ${block(y)})`);
  }
  assert.equal(new Set(Array.from({ length: S }, (_, x) => block(x))).size, 11);
  close(pixelate(flat(100 / 255), key(0)), flat(100 / 255), 1e-7, 'flat');
  // BOX 28 → 11 on the ramp x/255: output 0 averages inputs 0, 1, 2 (centres within ±14/11 of 14/11) = 1;
  // output 1 averages 3, 4 = 3.5 → 4 (Pillow rounds halves up); upsampling copies block 0 to x = 0…2, block 1 to 3, 4
  const r = pixelate(Float32Array.from({ length: S * S }, (_, i) => (i % S) / 255), key(0));
  close(Array.from(r.subarray(0, 5), (v) => v * 255), [1, 1, 1, 4, 4], 1e-4, 'ramp');
});

test('elastic transform: the three-point affine solve is exact; with no jitter and α = 0 it is the identity', () => {
  const src = [[23, 23], [23, 5], [5, 5]] as const, dst = [[24.5, 22], [21.2, 6.1], [5.3, 3.9]] as const, m = affineFromPoints(src, dst);
  src.forEach(([x, y], i) => close([m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]], dst[i]!, 1e-9, `point ${i}`));
  const inv = invertAffine(m), [px, py] = [7, 11], [qx, qy] = [m[0] * px + m[1] * py + m[2], m[3] * px + m[4] * py + m[5]];
  close([inv[0] * qx + inv[1] * qy + inv[2], inv[3] * qx + inv[4] * qy + inv[5]], [px, py], 1e-9, 'inverse');
  close(elasticTransform(digit, key(1), { alpha: 0, affine: 0 }), digit, 1e-6, 'identity');
});

test('quantize: 1 bit gives two levels (round half to even); 3 bits gives exactly 8 levels on a ramp and is idempotent', () => {
  const q = quantize(digit, key(0));
  assert.ok(q.every((v) => v === 0 || v === 1));
  close(q, digit.map((v) => Math.round(v)), 0, 'round');
  const ramp = Float32Array.from({ length: S * S }, (_, i) => i / (S * S - 1)), q3 = quantize(ramp, key(0), { bits: 3 });
  assert.equal(new Set(q3).size, 8);
  assert.deepEqual(quantize(q3, key(0), { bits: 3 }), q3);
  assert.throws(() => quantize(ramp, key(0), { bits: 0 }), /bits/);
});

test('line: only adds; on black, lit columns are one run from 0…4 to 21…25 with a peak ≥ 1 + log(1 − 0.5/2.3) in each', () => {
  for (let k = 0; k < 8; k++) {
    const l = straightLine(flat(0), foldIn(key(2), k)), colMax = Array.from({ length: S }, (_, x) => Math.max(...Array.from({ length: S }, (_, y) => l[y * S + x]!)));
    const lit = colMax.flatMap((v, x) => (v > 0 ? [x] : [])), first = lit[0]!, last = lit[lit.length - 1]!;
    assert.ok(first <= 4 && last >= 21 && last <= 25, `columns ${first}…${last}`);
    assert.equal(lit.length, last - first + 1, 'one contiguous run');
    for (const x of lit) assert.ok(colMax[x]! >= 1 + Math.log(1 - 0.5 / 2.3) - 1e-6, `column ${x}`);
  }
  const d = straightLine(digit, key(4));
  assert.ok(d.every((v, i) => v >= digit[i]! - 1e-7));
});

test('inverse is 1 − x', () => {
  close(inverseDigit(digit), digit.map((v) => 1 - v), 0, 'inverse');
});

test('tessera robust faults lists every corruption with its parameters (text and --json)', () => {
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const json = spawnSync(process.execPath, [cli, 'robust', 'faults', '--json'], { encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  const j = JSON.parse(json.stdout) as Record<string, { severity: number | null; params: object; inDataset: boolean }>;
  assert.deepEqual(Object.keys(j), [...MNIST_C_CORRUPTIONS]);
  assert.deepEqual(j.gaussian_noise, { severity: 5, params: { sigma: 0.38 }, inDataset: false });
  assert.equal(j.shot_noise!.inDataset, true);
  const text = spawnSync(process.execPath, [cli, 'robust', 'faults'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  for (const n of MNIST_C_CORRUPTIONS) assert.match(text.stdout, new RegExp(`^${n}\\b`, 'm'));
  assert.match(text.stdout, /jpeg_compression\s+5\s+quality=7/);
  assert.match(text.stdout, /pessimal_noise.*frost/);
});
