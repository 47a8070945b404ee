// One RigL topology update of one layer (Evci et al. 2020; research/sparsity.md §D), as a pure
// function of the weights, the dense gradient and the current mask.
//
//   n_ones = Σ mask,  n_prune = floor(n_ones·f),  n_keep = n_ones − n_prune;
//   if fewer than n_keep active weights are non-zero, n_keep is lowered to that count (CS _rigl_step:
//   zero weights are dropped first) and n_prune = n_ones − n_keep;
//   drop: keep the layer-wide top-n_keep active positions by |W|;
//   grow: among the positions not kept (just-dropped ones included, as RL lifts only kept ones to
//   min − 1) switch on the top-n_prune by |dense grad|. Σ mask is unchanged.
//
// Ties are broken by position (lower flat index first), so an update is deterministic. RL adds
// N(0, 1e-5) noise to the drop scores to break ties randomly; CS does not, and neither does this.
// Weight values are not touched here: the caller zero-inits newly grown positions (grown & !old) and
// leaves dropped-and-regrown ones at their value (RL reinit_when_same = False).

/**
 * The k candidates with the largest score (ties: lower index first), as a set in ascending index order.
 * Selection by threshold — the k-th largest score by quickselect — instead of a comparator sort of the
 * indices, which made one update of a 300×784 layer take a quarter of a second.
 */
export function topIndices(score: ArrayLike<number>, candidates: ArrayLike<number>, k: number): Int32Array {
  const n = candidates.length;
  if (k <= 0) return new Int32Array(0);
  const sorted = Int32Array.from(candidates);
  let ascending = true;
  for (let j = 1; j < n && ascending; j++) ascending = sorted[j - 1]! < sorted[j]!;
  if (!ascending) sorted.sort();
  if (k >= n) return sorted;
  const values = new Float64Array(n);
  for (let j = 0; j < n; j++) values[j] = score[sorted[j]!]!;
  const threshold = kthSmallest(values.slice(), n - k);
  let above = 0;
  for (let j = 0; j < n; j++) if (values[j]! > threshold) above++;
  let ties = k - above; // positions scoring exactly the threshold to take, lowest index first
  const out = new Int32Array(k);
  let m = 0;
  for (let j = 0; j < n; j++) {
    const v = values[j]!;
    if (v > threshold || (v === threshold && ties-- > 0)) out[m++] = sorted[j]!;
  }
  return out;
}

/** The element that would sit at `rank` (0-based) if `a` were sorted ascending; reorders `a` (quickselect). */
function kthSmallest(a: Float64Array, rank: number): number {
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (rank <= j) hi = j;
    else if (rank >= i) lo = i;
    else return a[rank]!;
  }
  return a[rank]!;
}

/** Absolute values as a Float64Array (scores). */
export function absolute(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]!);
  return out;
}

/** The drop budget of an update: how many active weights are kept and how many are regrown. */
export function dropBudget(weight: ArrayLike<number>, mask: Uint8Array, dropFraction: number): { nOnes: number; nKeep: number; nPrune: number } {
  let nOnes = 0, nonZero = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      nOnes++;
      if (weight[i] !== 0) nonZero++;
    }
  }
  const nKeep = Math.min(nOnes - Math.floor(nOnes * dropFraction), nonZero);
  return { nOnes, nKeep, nPrune: nOnes - nKeep };
}

export interface RiglUpdate {
  /** The new 0/1 mask (same number of ones as before). */
  mask: Uint8Array;
  nKeep: number;
  /** Positions switched on by the grow step (some may have been dropped in the same update). */
  nGrow: number;
}

/** One RigL drop/grow of a layer: drop the smallest |W|, grow the largest |dense grad|. */
export function riglLayerUpdate(weight: ArrayLike<number>, grad: ArrayLike<number>, mask: Uint8Array, dropFraction: number): RiglUpdate {
  const { nKeep, nPrune } = dropBudget(weight, mask, dropFraction);
  const active: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) active.push(i);
  const next = new Uint8Array(mask.length);
  for (const i of topIndices(absolute(weight), active, nKeep)) next[i] = 1;
  const free: number[] = [];
  for (let i = 0; i < next.length; i++) if (!next[i]) free.push(i);
  for (const i of topIndices(absolute(grad), free, nPrune)) next[i] = 1;
  return { mask: next, nKeep, nGrow: nPrune };
}
