// SRigL: RigL with a constant fan-in per output unit and neuron ablation (Lasby et al. 2024; CS
// RigLConstFanScheduler; research/sparsity.md §A). A layer's weight is viewed as rows × cols, rows = output
// units (shape[0]) and cols = the dense fan-in (in·kh·kw for a conv). The layer's budget is
// M = floor(N·density); every active row holds exactly k' = floor(M / (rows − n_ablated)) weights.
//
// One update, in the order of CS _rigl_step:
//   1. n_keep / n_prune as in RigL (rigl.ts dropBudget, with the fewer-non-zeros clamp).
//   2. Saliency (skipped for the never-ablated layer and when ablation is off): a position is salient if
//      it is in the layer-wide top-n_keep active |W| or the layer-wide top-n_prune |dense grad|.
//      thr = max(1, floor(γ·k)) with k = floor(M / rows) the constant fan-in before ablation
//      (use_sparse_const_fan_in_for_ablation); an integer γ ≥ 1 is an absolute count.
//      Guard: min_neurons = floor(M / cols); if the row ranked min_neurons (0-based, by salient count,
//      descending) has fewer than thr salient positions, thr drops to its count, so at least
//      min_neurons + 1 rows survive and k' stays ≤ cols. Rows with fewer than thr salient positions are ablated.
//   3. k' = floor(M / (rows − n_ablated)).
//   4. Drop: keep the layer-wide top-n_keep active |W| outside ablated rows (ablated rows are forced
//      out; CS sets their scores to min − 1 and takes the top-n_keep over all positions, which can
//      switch on inactive zero weights in their place — here the shortfall is left to the grow step).
//      Then any row holding more than k' kept weights is cut to k': by magnitude (default, the paper's
//      intent), or with surplus 'arbitrary-quirk' by position — CS sorts the boolean mask, which keeps an
//      arbitrary k' of them; the lowest column indices are what a stable sort keeps.
//   5. Grow, per active row: switch on the top (k' − kept) |dense grad| among the row's other positions.
//      Ablated rows grow nothing. An ablated row may revive at a later update (saliency is recomputed).
import { valueError } from '../core/errors.js';
import { foldIn, permutationValues, type Key } from '../core/random.js';
import { absolute, dropBudget, topIndices } from './rigl.js';

export type SurplusTruncation = 'magnitude' | 'arbitrary-quirk';

/** A rows × cols mask with exactly k random ones per row (row r drawn with foldIn(key, r)). */
export function constantFanInMask(key: Key, rows: number, cols: number, k: number): Uint8Array {
  if (!(Number.isInteger(k) && k >= 0 && k <= cols)) throw valueError('constantFanInMask', 'k', `an integer in [0, ${cols}]`, k);
  const mask = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const perm = permutationValues(foldIn(key, r), cols);
    for (let j = 0; j < k; j++) mask[r * cols + perm[j]!] = 1;
  }
  return mask;
}

/** The salient-count threshold below which a row is ablated: max(1, floor(γ·k)), or γ itself when γ ≥ 1. */
export function ablationThreshold(gammaSal: number, fanIn: number): number {
  return gammaSal >= 1 ? Math.floor(gammaSal) : Math.max(1, Math.floor(gammaSal * fanIn));
}

/**
 * Rows to ablate from per-row salient counts: those with count < thr, where thr is first lowered to the
 * count of the row ranked `minNeurons` (descending) when that is smaller. Returns the flags and the thr used.
 */
export function rowsToAblate(counts: ArrayLike<number>, threshold: number, minNeurons: number): { ablated: Uint8Array; threshold: number } {
  const rows = counts.length;
  let thr = threshold;
  if (minNeurons < rows) {
    const sorted = Float64Array.from(counts).sort().reverse();
    thr = Math.min(thr, sorted[minNeurons]!);
  } else thr = 0; // a dense budget: every row is needed
  const ablated = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) if (counts[r]! < thr) ablated[r] = 1;
  return { ablated, threshold: thr };
}

export interface SriglLayerOptions {
  rows: number;
  cols: number;
  /** The layer's weight budget M = floor(N·density). */
  budget: number;
  dropFraction: number;
  /** Run saliency-based ablation (false for the last layer or with ablation off). */
  ablate: boolean;
  gammaSal: number;
  surplus: SurplusTruncation;
  /** Layer name for errors. */
  name: string;
}

export interface SriglUpdate {
  mask: Uint8Array;
  /** 1 for rows ablated at this update. */
  ablated: Uint8Array;
  /** k' for the active rows. */
  fanIn: number;
  /** The salient-count threshold used (after the min-neurons guard); 0 when no ablation ran. */
  threshold: number;
  nKeep: number;
}

/** One SRigL update of a layer (see the header for the order of steps). */
export function sriglLayerUpdate(weight: ArrayLike<number>, grad: ArrayLike<number>, mask: Uint8Array, o: SriglLayerOptions): SriglUpdate {
  const { rows, cols, budget } = o;
  const { nKeep, nPrune } = dropBudget(weight, mask, o.dropFraction);
  const wScore = absolute(weight), gScore = absolute(grad);
  const active: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) active.push(i);
  const keepSet = topIndices(wScore, active, nKeep);

  let ablated: Uint8Array = new Uint8Array(rows), threshold = 0;
  if (o.ablate) {
    const salient = new Uint8Array(mask.length);
    for (const i of keepSet) salient[i] = 1;
    const all = new Int32Array(mask.length).map((_, i) => i);
    for (const i of topIndices(gScore, all, nPrune)) salient[i] = 1;
    const counts = new Int32Array(rows);
    for (let i = 0; i < salient.length; i++) if (salient[i]) counts[(i / cols) | 0]!++;
    const k0 = Math.floor(budget / rows);
    ({ ablated, threshold } = rowsToAblate(counts, ablationThreshold(o.gammaSal, k0), Math.floor(budget / cols)));
  }
  const nAblated = ablated.reduce((a, b) => a + b, 0);
  const fanIn = Math.floor(budget / (rows - nAblated));
  if (fanIn < 1 || fanIn > cols) {
    throw valueError('srigl', `fan-in of ${o.name}`, `k' in [1, ${cols}] (budget ${budget}, ${rows - nAblated} active rows)`, fanIn);
  }

  // Drop: top-n_keep active |W| outside ablated rows, then at most k' per row.
  const next = new Uint8Array(mask.length);
  const byRow: number[][] = Array.from({ length: rows }, () => []);
  for (const i of keepSet) {
    const r = (i / cols) | 0;
    if (!ablated[r]) byRow[r]!.push(i); // ascending index order within the row
  }
  for (const kept of byRow) {
    const chosen = kept.length <= fanIn ? kept : o.surplus === 'magnitude' ? topIndices(wScore, kept, fanIn) : kept.slice(0, fanIn);
    for (const i of chosen) next[i] = 1;
  }
  // Grow: each active row up to exactly k' by |dense grad|.
  for (let r = 0; r < rows; r++) {
    if (ablated[r]) continue;
    const need = fanIn - Math.min(byRow[r]!.length, fanIn);
    if (need <= 0) continue;
    const free: number[] = [];
    for (let c = 0, i = r * cols; c < cols; c++, i++) if (!next[i]) free.push(i);
    for (const i of topIndices(gScore, free, need)) next[i] = 1;
  }
  return { mask: next, ablated, fanIn, threshold, nKeep };
}
