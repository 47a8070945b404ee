// Collective algorithms built from one point-to-point primitive, `exchange` (send to one peer
// while receiving from another). Ranks here are positions in a group, 0..size-1. Every algorithm
// returns a fresh array; inputs are never modified. Reduction is elementwise sum.
import type { FloatArray } from '../core/dtype.js';
import { shapeError, valueError } from '../core/errors.js';

export type CollectiveAlgorithm = 'ring' | 'tree';

/** The point-to-point capability the algorithms need, in group-relative ranks. */
export interface PointToPoint {
  readonly rank: number;
  readonly size: number;
  /** Send `data` to `to` (if not null) and receive `recvLength` elements from `from` (if not null), concurrently. */
  exchange(to: number | null, data: FloatArray | null, from: number | null, recvLength: number): Promise<FloatArray | null>;
}

/** Boundaries of the p chunks a ring splits n elements into: chunk c is [b[c], b[c+1]). */
export function ringChunkBounds(n: number, p: number): number[] {
  return Array.from({ length: p + 1 }, (_, c) => Math.floor((c * n) / p));
}

const mod = (a: number, p: number): number => ((a % p) + p) % p;

function like(data: FloatArray, length: number): FloatArray {
  return data instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

function addInto(target: FloatArray, offset: number, src: FloatArray): void {
  for (let i = 0; i < src.length; i++) target[offset + i]! += src[i]!;
}

/** Ring reduce-scatter over arbitrary chunk bounds: afterwards chunk `rank` of `acc` holds the sum. */
async function ringReduceScatterInPlace(pp: PointToPoint, acc: FloatArray, bounds: number[]): Promise<void> {
  const { rank: i, size: p } = pp;
  const right = mod(i + 1, p), left = mod(i - 1, p);
  for (let k = 0; k < p - 1; k++) {
    const sendChunk = mod(i - k - 1, p), recvChunk = mod(i - k - 2, p);
    const out = acc.slice(bounds[sendChunk]!, bounds[sendChunk + 1]!);
    const got = await pp.exchange(right, out, left, bounds[recvChunk + 1]! - bounds[recvChunk]!);
    addInto(acc, bounds[recvChunk]!, got!);
  }
}

/** Ring all-gather over chunk bounds: chunk `rank` of `buf` is filled on entry, all chunks on exit. */
async function ringAllGatherInPlace(pp: PointToPoint, buf: FloatArray, bounds: number[]): Promise<void> {
  const { rank: i, size: p } = pp;
  const right = mod(i + 1, p), left = mod(i - 1, p);
  for (let k = 0; k < p - 1; k++) {
    const sendChunk = mod(i - k, p), recvChunk = mod(i - k - 1, p);
    const got = await pp.exchange(right, buf.slice(bounds[sendChunk]!, bounds[sendChunk + 1]!), left, bounds[recvChunk + 1]! - bounds[recvChunk]!);
    buf.set(got!, bounds[recvChunk]!);
  }
}

/** Sum over ranks. ring: reduce-scatter then all-gather (bandwidth-optimal); tree: binomial reduce to 0 then broadcast. */
export async function allReduce(pp: PointToPoint, data: FloatArray, algorithm: CollectiveAlgorithm): Promise<FloatArray> {
  if (pp.size === 1) return data.slice();
  if (algorithm === 'tree') {
    const reduced = await reduce(pp, data, 0, 'tree');
    return broadcast(pp, reduced ?? data, 0, 'tree');
  }
  const acc = data.slice();
  const bounds = ringChunkBounds(data.length, pp.size);
  await ringReduceScatterInPlace(pp, acc, bounds); // rank i now owns the reduced chunk i
  await ringAllGatherInPlace(pp, acc, bounds);
  return acc;
}

/** Reduce-scatter of `data` (length divisible by size): rank r gets the sum of everyone's block r. */
export async function reduceScatter(pp: PointToPoint, data: FloatArray): Promise<FloatArray> {
  const p = pp.size;
  if (data.length % p !== 0) throw shapeError('reduceScatter', 'data', `a length divisible by the group size ${p}`, data.length);
  if (p === 1) return data.slice();
  const acc = data.slice();
  const bounds = ringChunkBounds(data.length, p);
  await ringReduceScatterInPlace(pp, acc, bounds);
  return acc.slice(bounds[pp.rank]!, bounds[pp.rank + 1]!);
}

/** All-gather: every rank contributes `data` (same length everywhere); the result is the blocks in rank order. */
export async function allGather(pp: PointToPoint, data: FloatArray): Promise<FloatArray> {
  const p = pp.size, m = data.length;
  const buf = like(data, m * p);
  buf.set(data, pp.rank * m);
  if (p === 1) return buf;
  await ringAllGatherInPlace(pp, buf, ringChunkBounds(m * p, p));
  return buf;
}

/** All-to-all (pairwise exchange): block j of `data` goes to rank j; block i of the result came from rank i. */
export async function allToAll(pp: PointToPoint, data: FloatArray): Promise<FloatArray> {
  const p = pp.size, i = pp.rank;
  if (data.length % p !== 0) throw shapeError('allToAll', 'data', `a length divisible by the group size ${p}`, data.length);
  const m = data.length / p;
  const out = like(data, data.length);
  out.set(data.subarray(i * m, (i + 1) * m), i * m);
  for (let k = 1; k < p; k++) {
    const to = mod(i + k, p), from = mod(i - k, p);
    const got = await pp.exchange(to, data.slice(to * m, (to + 1) * m), from, m);
    out.set(got!, from * m);
  }
  return out;
}

/** Number of children of relative rank v in a binomial tree over p ranks (used by the analytic model too). */
export function binomialChildren(v: number, p: number): number {
  let c = 0;
  for (let mask = 1; mask < p; mask <<= 1) if (v < mask && v + mask < p) c++;
  return c;
}

/** Broadcast root's `data` (every rank passes a buffer of the same length). tree: binomial; ring: a chain root → root+1 → …. */
export async function broadcast(pp: PointToPoint, data: FloatArray, root: number, algorithm: CollectiveAlgorithm): Promise<FloatArray> {
  const p = pp.size;
  if (!(Number.isInteger(root) && root >= 0 && root < p)) throw valueError('broadcast', 'root', `a rank in 0..${p - 1}`, root);
  if (p === 1) return data.slice();
  const v = mod(pp.rank - root, p);
  const abs = (rel: number): number => mod(rel + root, p);
  if (algorithm === 'ring') {
    let buf: FloatArray = data.slice();
    if (v > 0) buf = (await pp.exchange(null, null, abs(v - 1), data.length))!;
    if (v < p - 1) await pp.exchange(abs(v + 1), buf, null, 0);
    return buf;
  }
  let buf: FloatArray | null = v === 0 ? data.slice() : null;
  for (let mask = 1; mask < p; mask <<= 1) {
    if (v < mask) {
      if (v + mask < p) await pp.exchange(abs(v + mask), buf!, null, 0);
    } else if (v < 2 * mask) {
      buf = (await pp.exchange(null, null, abs(v - mask), data.length))!;
    }
  }
  return buf!;
}

/** Sum everyone's `data` onto `root` (null elsewhere). tree: binomial; ring: a chain root+p-1 → … → root. */
export async function reduce(pp: PointToPoint, data: FloatArray, root: number, algorithm: CollectiveAlgorithm): Promise<FloatArray | null> {
  const p = pp.size;
  if (!(Number.isInteger(root) && root >= 0 && root < p)) throw valueError('reduce', 'root', `a rank in 0..${p - 1}`, root);
  if (p === 1) return data.slice();
  const v = mod(pp.rank - root, p);
  const abs = (rel: number): number => mod(rel + root, p);
  const acc = data.slice();
  if (algorithm === 'ring') {
    if (v < p - 1) addInto(acc, 0, (await pp.exchange(null, null, abs(v + 1), data.length))!);
    if (v > 0) { await pp.exchange(abs(v - 1), acc, null, 0); return null; }
    return acc;
  }
  for (let mask = 1; mask < p; mask <<= 1) {
    if (v & mask) { await pp.exchange(abs(v - mask), acc, null, 0); return null; }
    if (v + mask < p) addInto(acc, 0, (await pp.exchange(null, null, abs(v + mask), data.length))!);
  }
  return acc;
}

/** Dissemination barrier: ⌈log₂ p⌉ rounds of empty messages. */
export async function barrier(pp: PointToPoint, empty: FloatArray): Promise<void> {
  const p = pp.size;
  for (let d = 1; d < p; d <<= 1) await pp.exchange(mod(pp.rank + d, p), empty, mod(pp.rank - d, p), 0);
}
