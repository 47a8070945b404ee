// The per-layer RigL and SRigL update rules on hand-made layers: drop by |W|, grow by |dense grad|,
// saliency-based ablation with the min-neurons guard, k' after ablation, and surplus truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { ablationThreshold, constantFanInMask, riglLayerUpdate, rowsToAblate, sriglLayerUpdate, topIndices } from '../../src/sparse/index.js';

const rowCounts = (mask: Uint8Array, rows: number, cols: number): number[] =>
  Array.from({ length: rows }, (_, r) => mask.subarray(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0));

test('RigL drops the smallest |W| and grows the largest |dense grad| among positions not kept', () => {
  const w = [4, -1, 3, 2, 0, 0], g = [9, 9, 0, 0, 5, 1], mask = Uint8Array.from([1, 1, 1, 1, 0, 0]);
  const u = riglLayerUpdate(w, g, mask, 0.5); // n_prune = 2: drop |−1| and |2|, grow positions 1 (|g| 9, just dropped) and 4
  assert.deepEqual([...u.mask], [1, 1, 1, 0, 1, 0]);
  assert.equal(u.nKeep, 2);
  // Fewer non-zero active weights than n_keep: the zero active weight is dropped too (CS clamp).
  const z = riglLayerUpdate([4, 0, 3, 2, 0, 0], [0, 0, 0, 0, 5, 1], mask, 0.1); // n_keep = 4 → 3
  assert.deepEqual([...z.mask], [1, 0, 1, 1, 1, 0]);
  assert.equal(z.nKeep, 3);
});

test('constant fan-in init: exactly k random positions per row', () => {
  const m = constantFanInMask(key(3), 50, 40, 7);
  assert.deepEqual(rowCounts(m, 50, 40), new Array(50).fill(7));
  assert.notDeepEqual([...m.subarray(0, 40)], [...m.subarray(40, 80)]);
});

test('ablation threshold and the min-neurons guard', () => {
  assert.equal(ablationThreshold(0.3, 307), 92);
  assert.equal(ablationThreshold(0.3, 3), 1); // max(1, floor(0.9))
  assert.equal(ablationThreshold(2, 307), 2); // γ ≥ 1 is an absolute count
  assert.deepEqual([...rowsToAblate([5, 4, 0, 0], 1, 1).ablated], [0, 0, 1, 1]);
  // min_neurons = 2 needs a third surviving row: the row ranked 2 has count 0, so thr drops to 0.
  const guarded = rowsToAblate([5, 0, 0, 0], 1, 2);
  assert.equal(guarded.threshold, 0);
  assert.deepEqual([...guarded.ablated], [0, 0, 0, 0]);
  const partial = rowsToAblate([9, 3, 2, 1], 4, 2); // ranked-2 count 2 < 4 → thr 2: only the row with 1 goes
  assert.equal(partial.threshold, 2);
  assert.deepEqual([...partial.ablated], [0, 0, 0, 1]);
});

test('SRigL ablates a row with no salient weights, raises k\' to floor(M/(rows − ablated)) and grows each active row to exactly k\'', () => {
  const rows = 4, cols = 6, budget = 12; // k = 3
  const mask = constantFanInMask(key(7), rows, cols, 3);
  const w = new Float64Array(rows * cols), g = new Float64Array(rows * cols);
  for (let i = 0; i < w.length; i++) {
    const r = Math.floor(i / cols), c = i % cols;
    if (mask[i]) w[i] = r < 3 ? 10 + r + c / 10 : 0.01 * (c + 1); // row 3: tiny weights
    else g[i] = r < 3 ? 1 + c : 0; // row 3: no gradient
  }
  const u = sriglLayerUpdate(w, g, mask, { rows, cols, budget, dropFraction: 0.3, ablate: true, gammaSal: 0.3, surplus: 'magnitude', name: 'fc' });
  // n_ones 12, n_prune 3, n_keep 9: the nine big weights of rows 0–2 are kept; row 3 has no salient weight.
  assert.deepEqual([...u.ablated], [0, 0, 0, 1]);
  assert.equal(u.fanIn, 4);
  assert.deepEqual(rowCounts(u.mask, rows, cols), [4, 4, 4, 0]);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < cols; c++) if (mask[r * cols + c]) assert.equal(u.mask[r * cols + c], 1, `kept ${r},${c}`);
    // The grown position is the row's inactive one with the largest |g| (largest column index here).
    const inactive = [...Array(cols).keys()].filter((c) => !mask[r * cols + c]);
    assert.equal(u.mask[r * cols + inactive.at(-1)!], 1);
  }
  // The same layer with ablation off (or as the last layer) keeps k = 3 on every row.
  const off = sriglLayerUpdate(w, g, mask, { rows, cols, budget, dropFraction: 0.3, ablate: false, gammaSal: 0.3, surplus: 'magnitude', name: 'fc' });
  assert.equal(off.fanIn, 3);
  assert.deepEqual(rowCounts(off.mask, rows, cols), [3, 3, 3, 3]);
});

test('SRigL surplus truncation: by magnitude by default, by position with the arbitrary-quirk option', () => {
  // Row 2 was ablated (rows 0, 1 at k' = 3); it revives through its gradient, so k' falls to 2 and row 0's
  // three kept weights must be cut to two.
  const rows = 3, cols = 4, budget = 6;
  const mask = Uint8Array.from([1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
  const w = Float64Array.from([3, 5, 4, 0, 0.5, 0.4, 0.3, 0, 0, 0, 0, 0]);
  const g = Float64Array.from([0, 0, 0, 0.1, 0, 0, 0, 0.2, 7, 8, 0.3, 0]);
  const common = { rows, cols, budget, dropFraction: 0.34, ablate: true, gammaSal: 0.3, name: 'fc' } as const;
  const byMag = sriglLayerUpdate(w, g, mask, { ...common, surplus: 'magnitude' });
  assert.deepEqual([...byMag.ablated], [0, 0, 0]);
  assert.equal(byMag.fanIn, 2);
  // Row 0 keeps |5|, |4|; row 1 keeps |0.5| and grows col 3 (|g| 0.2); row 2 grows cols 1, 0.
  assert.deepEqual([...byMag.mask], [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0]);
  const quirk = sriglLayerUpdate(w, g, mask, { ...common, surplus: 'arbitrary-quirk' });
  assert.deepEqual([...quirk.mask.subarray(0, 4)], [1, 1, 0, 0]); // the lowest columns, not the largest |W|
});

test('topIndices equals a full sort by (score desc, index asc) on random scores with many ties', () => {
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + ((trial * 37) % 200);
    const score = Array.from({ length: n }, (_, i) => ((i * 7919 + trial * 31) % 13) / 4); // 13 distinct values
    const candidates = Array.from({ length: n }, (_, i) => i).filter((i) => (i + trial) % 3 !== 0).reverse();
    for (const k of [0, 1, Math.floor(candidates.length / 2), candidates.length, candidates.length + 3]) {
      const expected = [...candidates].sort((a, b) => score[b]! - score[a]! || a - b).slice(0, Math.max(0, k)).sort((a, b) => a - b);
      assert.deepEqual([...topIndices(score, candidates, k)], expected, `n ${n} k ${k}`);
    }
  }
});
