// Water-filling allocation: exact sums (property test), equal levels, the MLP check of the research
// note, the io_only packs, and a literal transcription of get_nwtf's cumulative-bin formulation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { waterFillingRemovals } from '../../src/sparse/index.js';

/**
 * get_nwtf (ResNet18/utils.py) as written there, on sizes sorted largest first: bins
 * lims[k−1] = Σ_{j<k} (j+1)·|s_{j+1} − s_j|, the leftmost bin ≥ R, base fill, floor share, remainder to
 * the first. Returns null where the original raises (R beyond the last bin, or one layer).
 */
function getNwtfAsWritten(sorted: number[], R: number): number[] | null {
  const diffs = sorted.slice(1).map((s, j) => Math.abs(s - sorted[j]!));
  const lims = diffs.map((_, k) => diffs.slice(0, k + 1).reduce((a, d, j) => a + (j + 1) * d, 0));
  const i = lims.findIndex((l) => l >= R);
  if (i < 0) return null;
  const m = i + 1;
  const base = [...Array.from({ length: i }, (_, l) => diffs.slice(l, i).reduce((a, b) => a + b, 0)), 0];
  const restTot = R - base.reduce((a, b) => a + b, 0);
  const rest = Math.floor(restTot / m);
  const out = sorted.map((_, l) => (l < m ? base[l]! + rest : 0));
  out[0]! += restTot - rest * m;
  return out;
}

test('counts sum exactly to the removal total, stay within each layer, and level the largest layers', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 8 }).chain((sizes) =>
      fc.tuple(fc.constant(sizes), fc.integer({ min: 0, max: sizes.reduce((a, b) => a + b, 0) }))),
    ([sizes, R]) => {
      const r = waterFillingRemovals(sizes, R);
      assert.equal(r.reduce((a, b) => a + b, 0), R);
      r.forEach((x, i) => assert.ok(Number.isInteger(x) && x >= 0 && x <= sizes[i]!, `layer ${i}: ${x} of ${sizes[i]}`));
      // Equal levels: with `first` the (stably) largest layer and μ the highest level the others end at,
      // every other layer ends at min(size, μ), and the first sits at most (#layers as large as μ) − 1
      // below μ (the remainder), or above it when it alone lost weights. Checked where μ ≥ #layers:
      // below that the remainder may be spread one per layer instead (see the hand examples).
      if (sizes.length < 2) return;
      const left = sizes.map((x, i) => x - r[i]!);
      const first = sizes.indexOf(Math.max(...sizes));
      const others = sizes.map((_, i) => i).filter((i) => i !== first);
      const mu = Math.max(...others.map((i) => left[i]!));
      if (mu < sizes.length) return;
      for (const i of others) assert.equal(left[i], Math.min(sizes[i]!, mu), `layer ${i} of ${sizes} at R ${R}`);
      const sharing = sizes.filter((x) => x >= mu).length;
      assert.ok(left[first]! >= mu - (sharing - 1), `largest at ${left[first]}, level ${mu}`);
      assert.ok(left[first]! <= mu || others.every((i) => r[i] === 0), `largest above the level while others lost weights`);
    },
  ), { numRuns: 1000, seed: 6 });
});

test('agrees with get_nwtf as written wherever the original returns a valid answer', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 2, maxLength: 6 }).chain((sizes) =>
      fc.tuple(fc.constant(sizes.sort((a, b) => b - a)), fc.integer({ min: 0, max: sizes.reduce((a, b) => a + b, 0) }))),
    ([sorted, R]) => {
      const ref = getNwtfAsWritten(sorted, R);
      if (ref === null || ref[0]! > sorted[0]!) return; // the original raises or overdraws: our extension
      assert.deepEqual(waterFillingRemovals(sorted, R), ref);
    },
  ), { numRuns: 300, seed: 7 });
});

test('hand examples: largest first, then equal levels, remainder to the largest, input order kept', () => {
  assert.deepEqual(waterFillingRemovals([100, 60, 20], 30), [30, 0, 0]);
  assert.deepEqual(waterFillingRemovals([100, 60, 20], 40), [40, 0, 0]); // 100 → 60 exactly
  assert.deepEqual(waterFillingRemovals([100, 60, 20], 50), [45, 5, 0]); // both at 55
  assert.deepEqual(waterFillingRemovals([100, 60, 20], 51), [46, 5, 0]); // remainder 1 to the largest
  assert.deepEqual(waterFillingRemovals([100, 60, 20], 150), [90, 50, 10]); // all three at 10
  assert.deepEqual(waterFillingRemovals([20, 100, 60], 50), [0, 45, 5]);
  assert.deepEqual(waterFillingRemovals([50, 50], 3), [2, 1]); // ties: the first listed is "largest"
  assert.deepEqual(waterFillingRemovals([7], 5), [5]);
  assert.deepEqual(waterFillingRemovals([100, 60, 20], 0), [0, 0, 0]);
  assert.deepEqual(waterFillingRemovals([100, 60, 20], 180), [100, 60, 20]);
  // Nearly everything removed: the remainder would overdraw the largest layer, so one each instead.
  assert.deepEqual(waterFillingRemovals([3, 3, 3], 8), [3, 3, 2]);
});

test('research-note check: MLP at w = 635 with (w − 8)·794 removals, readout dense, keeps 2 hidden weights', () => {
  const w = 635, sizes = [784 * w, 10 * w], R = (w - 8) * 794;
  const r = waterFillingRemovals(sizes, R, { dense: [false, true] });
  assert.deepEqual(r, [R, 0]);
  assert.equal(sizes[0]! - r[0]!, 2); // 784·635 − 627·794 = 2
  // Without the dense readout, water-filling levels both layers: 3,176 + 3,176 = 6,352 kept.
  const both = waterFillingRemovals(sizes, R);
  assert.deepEqual(sizes.map((s, i) => s - both[i]!), [3176, 3176]);
});

test('dense layers take nothing; the rest share by water-filling', () => {
  assert.deepEqual(waterFillingRemovals([100, 60, 20], 50, { dense: [true, false, false] }), [0, 45, 5]);
});

test('io_only packs: removals are whole multiples, close to the target', () => {
  // conv 10×10×3×3 (900), conv 4×10×3×3 (360), linear 50
  const sizes = [900, 360, 50], g = [9, 9, 1];
  assert.deepEqual(waterFillingRemovals(sizes, 400, { granularity: g }), [396, 0, 0]); // 44.4 packs → 44, shortfall 4 < 4.5
  assert.deepEqual(waterFillingRemovals(sizes, 401, { granularity: g }), [405, 0, 0]); // 44.6 → 45
  assert.deepEqual(waterFillingRemovals(sizes, 405, { granularity: g }), [405, 0, 0]);
  fc.assert(fc.property(fc.integer({ min: 0, max: 1310 }), (R) => {
    const r = waterFillingRemovals(sizes, R, { granularity: g });
    r.forEach((x, i) => assert.ok(x % g[i]! === 0 && x <= sizes[i]!));
    assert.ok(Math.abs(r.reduce((a, b) => a + b, 0) - R) <= 9, `R ${R}: ${r}`);
  }), { numRuns: 200, seed: 8 });
});

test('bad input names the argument and the limit', () => {
  assert.throws(() => waterFillingRemovals([10, 5], -1), /waterFillingRemovals: removeTotal expected a non-negative integer, got -1/);
  assert.throws(() => waterFillingRemovals([10, 5], 2.5), /removeTotal expected a non-negative integer/);
  assert.throws(() => waterFillingRemovals([10, 5], 16), /removeTotal expected at most 15/);
  assert.throws(() => waterFillingRemovals([10, 5], 11, { dense: [true, false] }), /removeTotal expected at most 5/);
  assert.throws(() => waterFillingRemovals([10, -5], 1), /layerSizes\[1\] expected a non-negative integer/);
  assert.throws(() => waterFillingRemovals([10, 5], 1, { dense: [true] }), /dense expected 2 flags/);
  assert.throws(() => waterFillingRemovals([10, 5], 1, { granularity: [3, 1] }), /granularity\[0\] expected a positive integer dividing the layer size 10/);
});
