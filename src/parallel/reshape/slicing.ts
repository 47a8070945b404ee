// Bit-exact slicing and joining of row-major tensors along one dimension, and flat ranges, on bytes
// (never through JS numbers, so every bit pattern, NaN payloads included, survives).
import type { DType, TypedArray } from '../../core/dtype.js';
import { itemSize } from '../../core/dtype.js';
import { Tensor } from '../../tensor/index.js';

const CTOR = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u8: Uint8Array, u16: Uint16Array } as const;

export function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

export function tensorFromBytes(bytes: Uint8Array, dtype: DType, shape: readonly number[]): Tensor {
  const copy = new Uint8Array(bytes); // aligned, owned
  return new Tensor(new CTOR[dtype](copy.buffer) as TypedArray, shape);
}

/** [outer, dim, inner] of a shape around `dim`. */
function around(shape: readonly number[], dim: number): [number, number, number] {
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[dim]!, inner];
}

/** `parts` equal slices of `t` along `dim` (shape[dim] divisible by parts, checked by the caller). */
export function splitAlong(t: Tensor, dim: number, parts: number): Tensor[] {
  const [outer, size, inner] = around(t.shape, dim);
  const each = size / parts, item = itemSize(t.dtype), src = bytesOf(t);
  const row = inner * item;
  return Array.from({ length: parts }, (_, p) => {
    const out = new Uint8Array(outer * each * row);
    for (let o = 0; o < outer; o++) out.set(src.subarray((o * size + p * each) * row, (o * size + (p + 1) * each) * row), o * each * row);
    const shape = [...t.shape];
    shape[dim] = each;
    return tensorFromBytes(out, t.dtype, shape);
  });
}

/** Inverse of splitAlong: concatenate same-shaped slices along `dim`. */
export function joinAlong(parts: readonly Tensor[], dim: number): Tensor {
  const first = parts[0]!;
  const [outer, each, inner] = around(first.shape, dim);
  const item = itemSize(first.dtype), row = inner * item, size = each * parts.length;
  const out = new Uint8Array(outer * size * row);
  parts.forEach((t, p) => {
    const src = bytesOf(t);
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * each * row, (o + 1) * each * row), (o * size + p * each) * row);
  });
  const shape = [...first.shape];
  shape[dim] = size;
  return tensorFromBytes(out, first.dtype, shape);
}

/** Element range [begin, end) of rank r when n elements are cut into `parts` contiguous chunks of ⌈n/parts⌉. */
export function flatRange(n: number, parts: number, r: number): [number, number] {
  const chunk = Math.ceil(n / parts);
  return [Math.min(n, r * chunk), Math.min(n, (r + 1) * chunk)];
}

/** Elements [begin, end) of t's data as a 1-D tensor. */
export function flatSlice(t: Tensor, begin: number, end: number): Tensor {
  const item = itemSize(t.dtype);
  return tensorFromBytes(bytesOf(t).subarray(begin * item, end * item), t.dtype, [end - begin]);
}

/** Concatenate 1-D pieces (same dtype) and give the result `shape`. */
export function joinFlat(pieces: readonly Tensor[], dtype: DType, shape: readonly number[]): Tensor {
  const total = pieces.reduce((n, p) => n + p.data.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(bytesOf(p), at);
    at += p.data.byteLength;
  }
  return tensorFromBytes(out, dtype, shape);
}
