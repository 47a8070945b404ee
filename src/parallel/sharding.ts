// How a layout cuts the block: sequence shards (contiguous or zigzag), head/FFN weight shards,
// and the small tensor moves that turn gathered flat buffers back into tensors.
import type { FloatArray } from '../core/dtype.js';
import { valueError } from '../core/errors.js';
import { concat, noGrad, reshape, slice, take, tensor, transpose, Tensor } from '../tensor/index.js';
import type { BlockConfig } from './block.js';
import { headDim } from './block.js';
import type { LayoutKind } from './analytic/volume.js';

export type SequenceOrder = 'contiguous' | 'zigzag';

/**
 * Global positions held by sequence shard `index` of `parts`. zigzag: the sequence is cut into
 * 2·parts chunks and shard i takes chunks i and 2·parts−1−i (an early and a late chunk, which
 * balances causal work); contiguous: chunk i of parts. Unequal cuts are rejected.
 */
export function sequenceShard(seq: number, parts: number, index: number, order: SequenceOrder, layout: string): number[] {
  if (parts === 1) return Array.from({ length: seq }, (_, i) => i);
  const pieces = order === 'zigzag' ? 2 * parts : parts;
  if (seq % pieces !== 0) {
    throw valueError(layout, 'seq', `a multiple of ${pieces} (${order} order cuts the sequence into ${pieces} equal chunks for ${parts} sequence shards)`, seq);
  }
  const c = seq / pieces;
  const chunk = (k: number): number[] => Array.from({ length: c }, (_, i) => k * c + i);
  return order === 'zigzag' ? [...chunk(index), ...chunk(2 * parts - 1 - index)] : chunk(index);
}

/** Positions of all shards concatenated in shard order (the order an all-gather returns them). */
export function gatheredPositions(seq: number, parts: number, order: SequenceOrder, layout: string): number[] {
  return Array.from({ length: parts }, (_, i) => sequenceShard(seq, parts, i, order, layout)).flat();
}

/** Rows of x [b, s, h] at `positions` (a constant, no gradient). */
export function takeRows(x: Tensor, positions: readonly number[]): Tensor {
  return noGrad(() => take(x, tensor(Int32Array.from(positions), [positions.length]), 1));
}

/** Where shard `index` of `parts` lies in a head/FFN dimension; rejects uneven splits with a clear error. */
export function evenRange(total: number, parts: number, index: number, what: string, layout: string): [number, number] {
  if (total % parts !== 0) throw valueError(layout, what, `a multiple of ${parts} (the ranks that split it)`, total);
  const n = total / parts;
  return [index * n, (index + 1) * n];
}

/**
 * How a weight shard sits in the full matrix: columns or rows [lo, hi), or the whole tensor (axis null:
 * replicated). With `blocks` = k the axis is k equal blocks (a fused gate|up weight has 2) and the shard is
 * [lo, hi) of every block, concatenated in block order (so a gate|up shard is again gate rows, then up rows).
 */
export interface ShardSpec {
  name: string;
  axis: 0 | 1 | null;
  lo: number;
  hi: number;
  blocks?: number;
}

/** The head/FFN shard `index` of `parts`: Wq/Wk/Wv/Wg/Wu by columns, Wo/Wd by rows (Megatron column/row). */
export function headShardSpecs(cfg: BlockConfig, parts: number, index: number, layout: string): ShardSpec[] {
  const d = headDim(cfg);
  const [q0, q1] = evenRange(cfg.heads, parts, index, 'heads', layout);
  const [k0, k1] = evenRange(cfg.kvHeads, parts, index, 'kvHeads', layout);
  const [f0, f1] = evenRange(cfg.ffn, parts, index, 'ffn', layout);
  return [
    { name: 'wq', axis: 1, lo: q0 * d, hi: q1 * d },
    { name: 'wk', axis: 1, lo: k0 * d, hi: k1 * d },
    { name: 'wv', axis: 1, lo: k0 * d, hi: k1 * d },
    { name: 'wo', axis: 0, lo: q0 * d, hi: q1 * d },
    { name: 'wg', axis: 1, lo: f0, hi: f1 },
    { name: 'wu', axis: 1, lo: f0, hi: f1 },
    { name: 'wd', axis: 0, lo: f0, hi: f1 },
  ];
}

/**
 * Why a layout cannot cut this block on D devices (T: the tensor degree of tpsp), as the error its rank program
 * throws — the same evenRange / sequenceShard calls as mesh.ts, ulysses.ts and tsp.ts make, so the planner marks
 * a layout impossible in the runtime's words — or null when every cut is even:
 *   tp       heads, kvHeads and ffn into D shards (mesh, S = 1)
 *   sp       the sequence into 2D zigzag chunks (mesh, T = 1)
 *   ulysses  heads and kvHeads into D groups; the sequence into D contiguous chunks
 *   tpsp     heads, kvHeads and ffn into T shards; the sequence into 2(D/T) zigzag chunks
 *   tsp      heads, kvHeads and ffn into D shards; the sequence into 2D zigzag chunks
 */
export function layoutShardingProblem(kind: LayoutKind, cfg: BlockConfig, D: number, T: number): string | null {
  try {
    if (kind === 'tp') headShardSpecs(cfg, D, 0, 'tp');
    else if (kind === 'sp') sequenceShard(cfg.seq, D, 0, 'zigzag', 'sp');
    else if (kind === 'ulysses') {
      evenRange(cfg.heads, D, 0, 'heads', 'ulysses');
      evenRange(cfg.kvHeads, D, 0, 'kvHeads', 'ulysses');
      sequenceShard(cfg.seq, D, 0, 'contiguous', 'ulysses');
    } else if (kind === 'tpsp') {
      sequenceShard(cfg.seq, D / T, 0, 'zigzag', 'tpsp');
      headShardSpecs(cfg, T, 0, 'tpsp');
    } else {
      headShardSpecs(cfg, D, 0, 'tsp');
      sequenceShard(cfg.seq, D, 0, 'zigzag', 'tsp');
    }
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Whole matrices (replicated weights). */
export function fullSpecs(w: Readonly<Record<string, Tensor>>): ShardSpec[] {
  return Object.keys(w).map((name) => ({ name, axis: null, lo: 0, hi: 0 }));
}

/** [lo, hi) of each of `blocks` equal blocks of `axis` of a matrix, concatenated in block order. */
function takeRanges(w: Tensor, axis: 0 | 1, blocks: number, lo: number, hi: number): Tensor {
  const [r, c] = w.shape as [number, number];
  const per = (axis === 0 ? r : c) / blocks;
  return noGrad(() => {
    const pieces = Array.from({ length: blocks }, (_, k) => (axis === 1 ? slice(w, [0, k * per + lo], [r, k * per + hi]) : slice(w, [k * per + lo, 0], [k * per + hi, c])));
    return pieces.length === 1 ? pieces[0]! : concat(pieces, axis);
  });
}

/** The piece of a full weight a spec names. */
export function cutWeight(w: Tensor, spec: ShardSpec): Tensor {
  return spec.axis === null ? w : takeRanges(w, spec.axis, spec.blocks ?? 1, spec.lo, spec.hi);
}

/** The shape of the shard a spec cuts from a weight of `shape`. */
export function shardShape(spec: ShardSpec, shape: readonly number[]): number[] {
  if (spec.axis === null) return [...shape];
  const out = [...shape];
  out[spec.axis] = (spec.hi - spec.lo) * (spec.blocks ?? 1);
  return out;
}

/** Piece `index` of `parts` of a shard, cut the way its spec cuts the full weight (a TSP head bucket). */
export function evenPiece(shard: Tensor, spec: ShardSpec, parts: number, index: number): Tensor {
  if (spec.axis === null || parts === 1) return shard;
  const per = shard.shape[spec.axis]! / (spec.blocks ?? 1) / parts;
  return takeRanges(shard, spec.axis, spec.blocks ?? 1, index * per, (index + 1) * per);
}

/** The inverse of evenPiece over all pieces in order: the shard again. */
export function joinPieces(pieces: readonly Tensor[], spec: ShardSpec): Tensor {
  if (spec.axis === null || pieces.length === 1) return pieces[0]!;
  const axis = spec.axis, blocks = spec.blocks ?? 1;
  const blockOf = (p: Tensor, k: number): Tensor => {
    const per = p.shape[axis]! / blocks;
    return takeRanges(p, axis, 1, k * per, (k + 1) * per);
  };
  return noGrad(() => concat(Array.from({ length: blocks }, (_, k) => pieces.map((p) => blockOf(p, k))).flat(), axis));
}

/** Whether element (i, j) of the full weight [rows, cols] lies in the shard (every element, for a replicated one). */
export function specCovers(spec: ShardSpec, rows: number, cols: number, i: number, j: number): boolean {
  if (spec.axis === null) return true;
  const per = (spec.axis === 0 ? rows : cols) / (spec.blocks ?? 1);
  const at = (spec.axis === 0 ? i : j) % per;
  return at >= spec.lo && at < spec.hi;
}

/** A tensor over `data` (a received buffer) with `shape`. */
export function asTensor(data: FloatArray, shape: readonly number[]): Tensor {
  return new Tensor(data, shape);
}

/** Blocks [parts, b, n, c] (an all-gather of [b, n, c] shards) as one tensor [b, parts·n, c]. */
export function blocksToSequence(data: FloatArray, parts: number, b: number, n: number, c: number): Tensor {
  return noGrad(() => reshape(transpose(asTensor(data, [parts, b, n, c]), [1, 0, 2, 3]), [b, parts * n, c]));
}

/** The inverse: [b, parts·n, c] → flat blocks [parts, b, n, c] (what a reduce-scatter sends). */
export function sequenceToBlocks(x: Tensor, parts: number): FloatArray {
  const [b, s, c] = x.shape as [number, number, number];
  return noGrad(() => transpose(reshape(x, [b, parts, s / parts, c]), [1, 0, 2, 3])).data as FloatArray;
}

/** Concatenate flat arrays (same kind). */
export function packArrays(parts: readonly FloatArray[]): FloatArray {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = parts[0] instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Split a packed array back into tensors of `shapes`. */
export function unpackTensors(data: FloatArray, shapes: readonly (readonly number[])[]): Tensor[] {
  let o = 0;
  return shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const t = asTensor(data.slice(o, o + n), s);
    o += n;
    return t;
  });
}
