// Water-filling: how many weights to remove from each layer so that a widened network keeps a fixed
// total number of weights (Golubeva et al. 2021, App. B; google-research/wide-sparse-nets
// ResNet18/utils.py get_nwtf). A port of the algorithm, written anew.
//
// Layers are sorted by size, largest first (a stable sort: equal sizes keep their given order, as
// Python's sorted(..., reverse=True)). With sizes s₀ ≥ s₁ ≥ … ≥ s_{L−1} and R weights to remove:
//
//   cost(k) = Σ_{j<k} (s_j − s_k)       weights needed to cut the k largest layers down to s_k
//   m       = the least k ≥ 1 with cost(k) ≥ R   (m = L when R exceeds cost(L−1): every layer takes part)
//   base_l  = s_l − s_{m−1}             for l < m (levels the m largest layers at s_{m−1})
//   rest    = R − Σ base_l;  each of the m layers also loses ⌊rest/m⌋, and the largest layer the
//             remainder rest mod m.
//
// So the largest layer is cut until it equals the next-largest, then both equally, and so on; layers
// below the final level keep every weight. The counts sum exactly to R.
//
// Where this differs from the original (only where the original fails):
//  - get_nwtf raises when R exceeds cost(L−1) (or with a single layer); here all layers then share it.
//  - when nearly everything is removed, "remainder to the largest layer" can take more weights than
//    that layer has left (sizes [3, 3, 3], R = 8 gives 2 + 2 + 2 and a remainder of 2 for a layer with
//    1 left); then the remainder is spread one weight per layer, largest first (3, 3, 2).
//
// Options:
//  - dense: layers kept dense (0 removals); the rest share R by water-filling. The MLP study's
//    `fract_freeze_cl = 0` (MLP/generate_args.py: "allowed fraction of all cl-layer weights that may be
//    frozen", i.e. the readout's cap) is dense = [false, true] over [hidden, readout]: every removal
//    comes from the hidden layer.
//  - granularity (the io_only variant): per layer, removals come in packs of g weights (g = kh·kw
//    for a conv weight whose whole kernels are removed, 1 for a linear weight). As get_nwtf with
//    io_only: each layer's share before the remainder step is rounded to the nearest multiple of g
//    (half to even, numpy's around), then the shortfall r = R − Σ is handed out over the sparsified
//    layers, largest first, at most one pack each: a layer takes a pack when r ≥ g, or when r > g/2
//    (overshooting). The original returns after the first layer (its loop body ends in `return`),
//    which its own docstring ("mismatch up to kernel_size") shows is not meant; here the loop runs.
//    The total then differs from R by up to about half a pack per layer; callers report the kept count.
import { rangeError, valueError } from '../core/errors.js';

export interface WaterFillingOptions {
  /** Per layer (same order as layerSizes): true keeps that layer dense. Default: none. */
  dense?: readonly boolean[];
  /** Per layer removal pack size (io_only: kh·kw for conv weights, 1 for linear). Default: all 1, exact. */
  granularity?: readonly number[];
}

const OP = 'waterFillingRemovals';

const isCount = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;

/** Round half to even, as numpy.around. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Number of weights to remove from each layer (in the order of `layerSizes`) so that `removeTotal`
 * weights are removed in all, by water-filling from the largest layer down.
 */
export function waterFillingRemovals(layerSizes: readonly number[], removeTotal: number, options: WaterFillingOptions = {}): number[] {
  const L = layerSizes.length;
  layerSizes.forEach((s, i) => {
    if (!isCount(s)) throw rangeError(OP, `layerSizes[${i}]`, 'a non-negative integer', s);
  });
  if (!isCount(removeTotal)) throw rangeError(OP, 'removeTotal', 'a non-negative integer', removeTotal);
  const dense = options.dense ?? [];
  if (options.dense && dense.length !== L) throw valueError(OP, 'dense', `${L} flags, one per layer`, dense.length);
  const granularity = options.granularity;
  if (granularity) {
    if (granularity.length !== L) throw valueError(OP, 'granularity', `${L} pack sizes, one per layer`, granularity.length);
    granularity.forEach((g, i) => {
      if (!(Number.isSafeInteger(g) && g >= 1) || layerSizes[i]! % g !== 0) {
        throw rangeError(OP, `granularity[${i}]`, `a positive integer dividing the layer size ${layerSizes[i]}`, g);
      }
    });
  }

  // The layers that may lose weights, largest first (stable).
  const order = layerSizes.map((_, i) => i).filter((i) => !dense[i]);
  order.sort((a, b) => layerSizes[b]! - layerSizes[a]!);
  const sizes = order.map((i) => layerSizes[i]!);
  const available = sizes.reduce((a, s) => a + s, 0);
  if (removeTotal > available) {
    throw rangeError(OP, 'removeTotal', `at most ${available}, the weights in the layers that may be sparsified`, removeTotal);
  }
  const out = new Array<number>(L).fill(0);
  if (order.length === 0 || removeTotal === 0) return out;

  // m: the number of layers involved (cost(k) = Σ_{j<k} (s_j − s_k), the least k with cost ≥ R).
  let m = sizes.length;
  for (let k = 1; k < sizes.length; k++) {
    let cost = 0;
    for (let j = 0; j < k; j++) cost += sizes[j]! - sizes[k]!;
    if (cost >= removeTotal) {
      m = k;
      break;
    }
  }
  const level = sizes[m - 1]!;
  const share = sizes.map((s, l) => (l < m ? s - level : 0));
  const rest = removeTotal - share.reduce((a, b) => a + b, 0);
  const each = Math.floor(rest / m);
  for (let l = 0; l < m; l++) share[l]! += each;
  const remainder = rest - each * m;

  if (granularity) {
    const g = order.map((i) => granularity[i]!);
    for (let l = 0; l < m; l++) share[l] = roundHalfEven(share[l]! / g[l]!) * g[l]!;
    let r = removeTotal - share.reduce((a, b) => a + b, 0);
    for (let l = 0; l < m; l++) {
      const k = g[l]!;
      if ((r >= k || r > k / 2) && share[l]! + k <= sizes[l]!) {
        share[l]! += k;
        r -= k;
      }
    }
  } else if (share[0]! + remainder <= sizes[0]!) {
    share[0]! += remainder; // the original: the remainder goes to the largest layer
  } else {
    for (let l = 0; l < remainder; l++) share[l]! += 1; // it would not fit: one each, largest first
  }
  order.forEach((i, l) => (out[i] = share[l]!));
  return out;
}
