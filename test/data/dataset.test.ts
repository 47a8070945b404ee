// Dataset helpers: subsets copy the right images, splits are disjoint and cover, balanced subsets are
// balanced, class subsets relabel, upsampling repeats pixels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { TesseraError } from '../../src/core/errors.js';
import { classCounts, classSubset, subset, take, takePerClass, trainValSplit, upsample } from '../../src/data/index.js';
import { imageOf, syntheticDataset } from './helpers.js';

test('subset copies the chosen images and labels in the given order', () => {
  const ds = syntheticDataset(10);
  const s = subset(ds, [7, 2, 7]);
  assert.equal(s.n, 3);
  assert.deepEqual(Array.from(s.labels), [7, 2, 7]);
  assert.deepEqual(imageOf(s, 0), imageOf(ds, 7));
  assert.deepEqual(imageOf(s, 1), imageOf(ds, 2));
  s.images[0] = 99;
  assert.notEqual(ds.images[7 * 12], 99, 'pixels are copied, not shared');
  assert.deepEqual(Array.from(take(ds, 2).labels), [0, 1]);
  assert.throws(() => subset(ds, [10]), (e: unknown) => e instanceof TesseraError && /indices\[0\] expected an integer in 0\.\.9, got 10/.test(e.message));
});

test('trainValSplit: disjoint, covering, sized by fraction or count, same key same split', () => {
  const ds = syntheticDataset(101);
  const tagOf = (d: typeof ds) => Array.from({ length: d.n }, (_, i) => imageOf(d, i).join(','));
  const all = new Set(tagOf(ds));
  for (const validation of [0.2, 17, 0, 101]) {
    const { train, val } = trainValSplit(ds, validation, key(3));
    const expectedVal = validation < 1 && validation > 0 ? Math.round(validation * 101) : validation;
    assert.equal(val.n, expectedVal);
    assert.equal(train.n + val.n, 101);
    const trainTags = new Set(tagOf(train)), valTags = new Set(tagOf(val));
    for (const t of valTags) assert.ok(!trainTags.has(t), 'disjoint');
    assert.deepEqual(new Set([...trainTags, ...valTags]), all, 'covering');
  }
  const a = trainValSplit(ds, 0.3, key(5)), b = trainValSplit(ds, 0.3, key(5)), c = trainValSplit(ds, 0.3, key(6));
  assert.deepEqual(a.val.images, b.val.images);
  assert.notDeepEqual(a.val.images, c.val.images);
  assert.throws(() => trainValSplit(ds, 1.5, key(0)), /validation expected a fraction in \(0, 1\) or an integer count in 0\.\.101, got 1.5/);
});

test('takePerClass: exactly perClass of each class, first ones or seeded random ones', () => {
  const ds = syntheticDataset(60, 2, 2, 3); // 20 per class
  const first = takePerClass(ds, 4);
  assert.deepEqual(classCounts(first.labels, 3), [4, 4, 4]);
  assert.deepEqual(imageOf(first, 0), imageOf(ds, 0));
  assert.deepEqual(imageOf(first, 11), imageOf(ds, 11));
  const random = takePerClass(ds, 4, key(1));
  assert.deepEqual(classCounts(random.labels, 3), [4, 4, 4]);
  assert.notDeepEqual(random.images, first.images);
  assert.deepEqual(takePerClass(ds, 4, key(1)).images, random.images);
  assert.throws(() => takePerClass(ds, 21), /perClass expected at most 20 \(the size of class 0 in synthetic\), got 21/);
});

test('classSubset keeps only the chosen classes and relabels them 0..k-1 in the given order', () => {
  const ds = syntheticDataset(30); // labels 0..9 cycling
  const pair = classSubset(ds, [7, 3]);
  assert.equal(pair.n, 6);
  assert.equal(pair.classes, 2);
  assert.deepEqual(Array.from(pair.labels), [1, 0, 1, 0, 1, 0]); // samples 3, 7, 13, 17, 23, 27
  assert.deepEqual(imageOf(pair, 1), imageOf(ds, 7));
  const kept = classSubset(ds, [7, 3], false);
  assert.deepEqual([Array.from(kept.labels), kept.classes], [[3, 7, 3, 7, 3, 7], 10]);
  assert.throws(() => classSubset(ds, [3, 3]), /classes expected distinct classes/);
  assert.throws(() => classSubset(ds, [10]), /classes\[0\] expected a class in 0\.\.9, got 10/);
});

test('upsample repeats each pixel in a factor × factor block', () => {
  const ds = syntheticDataset(2, 2, 2);
  const up = upsample(ds, 3);
  assert.deepEqual([up.height, up.width, up.n], [6, 6, 2]);
  for (let i = 0; i < 2; i++) for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) {
    assert.equal(up.images[i * 36 + y * 6 + x], ds.images[i * 4 + Math.floor(y / 3) * 2 + Math.floor(x / 3)]);
  }
  assert.deepEqual(upsample(ds, 1).images, ds.images);
  assert.throws(() => upsample(ds, 1.5), /factor expected a positive integer, got 1.5/);
});

test('inconsistent datasets are rejected with the field named', () => {
  const ds = syntheticDataset(4);
  assert.throws(() => take({ ...ds, n: 5 }, 1), /synthetic\.images expected a Uint8Array of n·height·width = 5·4·3 = 60 pixels, got 48/);
  assert.throws(() => subset({ ...ds, classes: 2 }, [0]), /synthetic\.labels\[2\] expected a class in 0\.\.1, got 2/);
});
