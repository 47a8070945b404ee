// Input normalisation shared by the infinite-width kernels: vectors and row matrices as float64,
// with errors that name the operation and the argument.
import { rangeError, shapeError, valueError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';

/** A vector: a plain or typed number array, or a 1-D tensor. */
export type VectorLike = ArrayLike<number> | Tensor;
/** A matrix of row vectors: a 2-D tensor [rows, d], or an array of vectors. */
export type MatrixLike = Tensor | readonly VectorLike[];

/** Rows of a matrix as one contiguous float64 array [rows · d]. */
export interface Rows {
  readonly data: Float64Array;
  readonly rows: number;
  readonly d: number;
}

function checkFinite(op: string, arg: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw valueError(op, `${arg}[${i}]`, 'a finite number', data[i]);
  }
}

/** A vector as a new Float64Array (finite entries). */
export function toVector(op: string, arg: string, v: VectorLike): Float64Array {
  if (v instanceof Tensor) {
    if (v.rank !== 1) throw shapeError(op, arg, 'a vector (rank-1 tensor)', v.shape);
    v = v.data;
  }
  if (typeof v !== 'object' || v === null || typeof v.length !== 'number') throw valueError(op, arg, 'a vector of numbers', typeof v);
  const out = Float64Array.from(v);
  checkFinite(op, arg, out);
  return out;
}

/** A matrix of row vectors [rows, d] as float64; a single vector becomes one row. */
export function toRows(op: string, arg: string, m: MatrixLike | VectorLike): Rows {
  if (m instanceof Tensor) {
    if (m.rank === 1) return { data: toVector(op, arg, m), rows: 1, d: m.shape[0]! };
    if (m.rank !== 2) throw shapeError(op, arg, 'a matrix [rows, d] or a vector [d]', m.shape);
    const data = Float64Array.from(m.data);
    checkFinite(op, arg, data);
    return { data, rows: m.shape[0]!, d: m.shape[1]! };
  }
  const list = m as ArrayLike<unknown>;
  if (list.length > 0 && typeof list[0] === 'number') return toRows(op, arg, [m as ArrayLike<number>]);
  const rows = Array.from(list as readonly VectorLike[], (row, i) => toVector(op, `${arg}[${i}]`, row));
  const d = rows[0]?.length ?? 0;
  rows.forEach((row, i) => {
    if (row.length !== d) throw shapeError(op, `${arg}[${i}]`, `length ${d} (all rows the same length)`, `length ${row.length}`);
  });
  const data = new Float64Array(rows.length * d);
  rows.forEach((row, i) => data.set(row, i * d));
  return { data, rows: rows.length, d };
}

/** Rows as a float64 tensor [rows, d]. */
export function rowsTensor(r: Rows): Tensor {
  return new Tensor(r.data, [r.rows, r.d]);
}

/**
 * Rows start … start + count − 1 as a column matrix [d, count] (f64). Products u·Xᵀ then put the sparse
 * weight matrix u on the left, where the reference GEMM skips zero entries (cost ∝ the non-zeros of u).
 */
export function columnsTensor(r: Rows, start = 0, count = r.rows - start): Tensor {
  const out = new Float64Array(r.d * count);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < r.d; j++) out[j * count + i] = r.data[(start + i) * r.d + j]!;
  }
  return new Tensor(out, [r.d, count]);
}

/** Squared Euclidean norm of each row: |x_i|². */
export function rowSquaredNorms(r: Rows): Float64Array {
  const out = new Float64Array(r.rows);
  for (let i = 0; i < r.rows; i++) {
    let s = 0;
    for (let j = 0; j < r.d; j++) s += r.data[i * r.d + j]! ** 2;
    out[i] = s;
  }
  return out;
}

/** Check a connection probability p ∈ (0, 1]. */
export function checkDensity(op: string, p: number, arg = 'p'): void {
  if (!(typeof p === 'number' && p > 0 && p <= 1)) throw rangeError(op, arg, 'a connection probability in (0, 1]', p);
}

/** Check a positive finite number (a width n, a dimension d, a count np). */
export function checkPositive(op: string, arg: string, v: number, integer = false): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v));
  if (!ok) throw valueError(op, arg, integer ? 'a positive integer' : 'a positive finite number', v);
}
