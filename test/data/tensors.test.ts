// Dataset → tensors: shapes, dtypes and normalisation statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pixelStats, toTensors } from '../../src/data/index.js';
import { syntheticDataset } from './helpers.js';

const meanStd = (xs: ArrayLike<number>) => {
  let s = 0, s2 = 0;
  for (let i = 0; i < xs.length; i++) { s += xs[i]!; s2 += xs[i]! * xs[i]!; }
  const m = s / xs.length;
  return { mean: m, std: Math.sqrt(s2 / xs.length - m * m) };
};

test("'unit' maps 0..255 to [0, 1] with shape [N, 1, H, W] and i32 labels", () => {
  const ds = { ...syntheticDataset(3, 2, 2), images: Uint8Array.from([0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]) };
  const { x, y, mean, std } = toTensors(ds);
  assert.deepEqual([x.shape, x.dtype, y.shape, y.dtype], [[3, 1, 2, 2], 'f32', [3], 'i32']);
  assert.deepEqual([mean, std], [0, 1]);
  assert.deepEqual(Array.from(x.data.subarray(0, 4)), [0, 1, 0.20000000298023224, 0.4000000059604645]);
  assert.deepEqual(y.toArray(), [0, 1, 2]);
  const flat = toTensors(ds, { flatten: true, dtype: 'f64' });
  assert.deepEqual([flat.x.shape, flat.x.dtype], [[3, 4], 'f64']);
  assert.deepEqual(Array.from(flat.x.data.subarray(0, 4)), [0, 1, 0.2, 0.4]);
});

test("'standardize' gives zero mean and unit std; given statistics are applied as is", () => {
  const ds = syntheticDataset(50, 5, 5);
  const { x, mean, std } = toTensors(ds, { normalize: 'standardize', dtype: 'f64' });
  const direct = meanStd(Array.from(ds.images, (v) => v / 255));
  assert.ok(Math.abs(mean - direct.mean) < 1e-12 && Math.abs(std - direct.std) < 1e-12);
  assert.deepEqual(pixelStats(ds), { mean, std });
  const got = meanStd(x.data);
  assert.ok(Math.abs(got.mean) < 1e-12, `mean ${got.mean}`);
  assert.ok(Math.abs(got.std - 1) < 1e-12, `std ${got.std}`);
  const given = toTensors(ds, { normalize: { mean: 0.5, std: 0.5 } });
  assert.ok(Math.abs(given.x.data[1]! - (ds.images[1]! / 255 - 0.5) / 0.5) < 1e-6);
  assert.throws(() => toTensors(ds, { normalize: { mean: 0, std: 0 } }), /normalize\.std expected a finite number > 0/);
  assert.throws(() => toTensors(ds, { normalize: 'zscore' as 'unit' }), /options\.normalize expected 'unit', 'standardize' or \{ mean, std \}, got zscore/);
  assert.throws(() => toTensors({ ...ds, images: new Uint8Array(ds.images.length) }, { normalize: 'standardize' }), /is every pixel equal/);
});
