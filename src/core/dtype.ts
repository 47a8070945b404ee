// Data types: the five storage types and their typed arrays.

export type DType = 'f32' | 'f64' | 'i32' | 'u8' | 'u16';
export type FloatDType = 'f32' | 'f64';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;
export type FloatArray = Float32Array | Float64Array;

export const DTYPES: readonly DType[] = ['f32', 'f64', 'i32', 'u8', 'u16'];

const constructors = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u8: Uint8Array,
  u16: Uint16Array,
} as const;

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'f32' || dtype === 'f64';
}

/** Bytes per element. */
export function itemSize(dtype: DType): number {
  return constructors[dtype].BYTES_PER_ELEMENT;
}

/** A zero-filled typed array of `length` elements of `dtype`. */
export function allocate(dtype: DType, length: number): TypedArray {
  return new constructors[dtype](length);
}

/** A typed array of `dtype` viewing `length` elements of `buffer` from its start. */
export function viewOf(dtype: DType, buffer: ArrayBuffer, length: number): TypedArray {
  return new constructors[dtype](buffer, 0, length);
}

/** Copy `values` into a new typed array of `dtype` (integer dtypes wrap like typed-array assignment). */
export function fromValues(dtype: DType, values: ArrayLike<number>): TypedArray {
  return constructors[dtype].from(values as ArrayLike<number>);
}

/** The dtype whose typed array `data` is. */
export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Float64Array) return 'f64';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint8Array) return 'u8';
  return 'u16';
}
