// Label randomisation: exactly round(p·N) labels re-drawn; by default each of them changes, to a
// uniformly random other class; the same key gives the same labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { randomizeLabels, withRandomLabels } from '../../src/data/index.js';
import { syntheticDataset } from './helpers.js';

const labels = Uint8Array.from({ length: 1000 }, (_, i) => i % 10);

test('exactly round(p·N) labels change, only at the reported indices', () => {
  for (const p of [0, 0.1, 0.25, 0.3333, 1]) {
    const out = randomizeLabels(labels, p, key(4), 10);
    const changed = labels.reduce((n, l, i) => n + (out.labels[i] !== l ? 1 : 0), 0);
    assert.equal(changed, Math.round(p * 1000), `p = ${p}`);
    assert.equal(out.indices.length, Math.round(p * 1000));
    for (const i of out.indices) assert.notEqual(out.labels[i], labels[i]);
    assert.ok(out.labels.every((l) => l < 10));
  }
  assert.deepEqual(Array.from(labels.subarray(0, 3)), [0, 1, 2], 'the input is not modified');
});

test('new labels are uniform over the other classes; allowSame draws from all classes', () => {
  const many = new Uint8Array(20000); // all class 0
  const { labels: out } = randomizeLabels(many, 1, key(8), 5);
  const counts = [0, 0, 0, 0, 0];
  for (const l of out) counts[l]! += 1;
  assert.equal(counts[0], 0);
  for (const c of counts.slice(1)) assert.ok(Math.abs(c - 5000) < 4 * Math.sqrt(5000 * 0.75), `counts ${counts}`);
  const same = randomizeLabels(many, 1, key(8), 5, { allowSame: true }).labels;
  const kept = same.filter((l) => l === 0).length;
  assert.ok(Math.abs(kept - 4000) < 4 * Math.sqrt(20000 * 0.2 * 0.8), `kept ${kept}`);
});

test('seeded, typed like the input, and validated', () => {
  const a = randomizeLabels(labels, 0.5, key(1), 10), b = randomizeLabels(labels, 0.5, key(1), 10), c = randomizeLabels(labels, 0.5, key(2), 10);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.labels, c.labels);
  const i32 = randomizeLabels(Int32Array.from([0, 1, 2, 3]), 0.5, key(0), 4);
  assert.ok(i32.labels instanceof Int32Array);
  assert.throws(() => randomizeLabels(labels, 1.2, key(0), 10), /p expected a fraction in \[0, 1\], got 1.2/);
  assert.throws(() => randomizeLabels(labels, 1, key(0), 5), /labels\[\d+\] expected a class in 0\.\.4/);
  const ds = withRandomLabels(syntheticDataset(100), 0.2, key(3));
  assert.equal(ds.labels.filter((l, i) => l !== i % 10).length, 20);
  assert.equal(ds.name, 'synthetic+random-labels(0.2)');
});
