// Seeded shuffling, mini-batch index lists and batch gathering. Browser-safe.
import { allocate } from '../core/dtype.js';
import { rangeError, shapeError } from '../core/errors.js';
import { permutationValues, type Key } from '../core/random.js';
import { Tensor } from '../tensor/tensor.js';

/** A uniformly random permutation of 0..n-1; the same key gives the same order. */
export function shuffleIndices(n: number, key: Key): Int32Array {
  return permutationValues(key, n);
}

export interface BatchOptions {
  /** Shuffle with this key (in order 0..n-1 without one). */
  readonly key?: Key;
  /** Drop the last batch when it has fewer than batchSize samples (default false: keep it). */
  readonly dropLast?: boolean;
}

/** Sample indices split into batches of `batchSize` (the last may be smaller unless dropLast). */
export function batches(n: number, batchSize: number, options: BatchOptions = {}): Int32Array[] {
  if (!Number.isInteger(n) || n < 0) throw rangeError('batches', 'n', 'a non-negative integer', n);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw rangeError('batches', 'batchSize', 'a positive integer', batchSize);
  const order = options.key ? permutationValues(options.key, n) : Int32Array.from({ length: n }, (_, i) => i);
  const out: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (end - start < batchSize && options.dropLast) break;
    out.push(order.slice(start, end));
  }
  return out;
}

/** Rows `indices` of a [N, ...] tensor, as a [indices.length, ...] tensor (row copies, no per-element ops). */
export function gatherRows(x: Tensor, indices: ArrayLike<number>, op = 'gatherRows'): Tensor {
  if (x.rank < 1) throw shapeError(op, 'x', 'rank ≥ 1 (rows to gather)', x.shape);
  const n = x.shape[0]!;
  const rowSize = n === 0 ? 0 : x.size / n;
  const data = allocate(x.dtype, indices.length * rowSize);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!;
    if (!Number.isInteger(i) || i < 0 || i >= n) throw rangeError(op, `indices[${j}]`, `a row in 0..${n - 1}`, i);
    data.set(x.data.subarray(i * rowSize, (i + 1) * rowSize), j * rowSize);
  }
  return new Tensor(data, [indices.length, ...x.shape.slice(1)]);
}

/** The batch of inputs x [N, ...] and targets y [N, ...] at `indices`. */
export function gatherBatch(x: Tensor, y: Tensor, indices: ArrayLike<number>): { x: Tensor; y: Tensor } {
  if (x.shape[0] !== y.shape[0]) {
    throw shapeError('gatherBatch', 'y', `${x.shape[0]} rows like x [${x.shape.join(', ')}]`, y.shape);
  }
  return { x: gatherRows(x, indices, 'gatherBatch'), y: gatherRows(y, indices, 'gatherBatch') };
}
