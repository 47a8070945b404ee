// The Tensor: an immutable, contiguous, row-major typed array with a shape, a dtype and,
// when it takes part in differentiation, the autograd node that produced it.
import { allocate, dtypeOf, fromValues, isDType, type DType, type TypedArray } from '../core/dtype.js';
import { dtypeError, shapeError, valueError } from '../core/errors.js';
import { checkShape, sizeOf, stridesOf, type Shape } from '../core/shape.js';

/**
 * How a tensor was made: the primitive (a PrimitiveName), its inputs and parameters (set by tape.apply).
 * autograd.ts finds the primitive's VJP rule by name in gradients.ts.
 */
export interface TapeNode {
  readonly primitive: string;
  readonly inputs: readonly Tensor[];
  readonly params: unknown;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /**
   * The elements, row-major. Treat as read-only: tensors may share storage (reshape, stopGradient).
   * Only optimizers update parameter leaves in place, under noGrad.
   */
  readonly data: TypedArray;
  /** True when gradients flow to or through this tensor. */
  readonly requiresGrad: boolean;
  /** The tape node that produced this tensor, or null for leaves. */
  readonly node: TapeNode | null;
  /** Gradient accumulated by `backward` into leaves that require grad (null until then). */
  grad: Tensor | null = null;

  constructor(data: TypedArray, shape: Shape, options: { requiresGrad?: boolean; node?: TapeNode | null } = {}) {
    if (data.length !== sizeOf(shape)) {
      throw shapeError('Tensor', 'data', `${sizeOf(shape)} elements for shape [${shape.join(', ')}]`, `${data.length} elements`);
    }
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    this.data = data;
    this.node = options.node ?? null;
    this.requiresGrad = options.requiresGrad ?? false;
    if (this.requiresGrad && this.dtype !== 'f32' && this.dtype !== 'f64') {
      throw dtypeError('Tensor', 'requiresGrad', 'f32 or f64 (only float tensors carry gradients)', this.dtype);
    }
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** Row-major element strides. */
  get strides(): number[] {
    return stridesOf(this.shape);
  }

  /** The elements as a plain number array (row-major). */
  toArray(): number[] {
    return Array.from(this.data);
  }

  /** The single element of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw shapeError('Tensor.item', 'tensor', 'exactly one element', this.shape);
    return this.data[0]!;
  }

  /** A leaf sharing this tensor's storage, marked to receive gradients (like torch's requires_grad_). */
  asParameter(): Tensor {
    return new Tensor(this.data, this.shape, { requiresGrad: true });
  }

  toString(): string {
    const head = Array.from(this.data.subarray(0, 8), (v) => Number(v.toPrecision(5))).join(', ');
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}]: ${head}${this.size > 8 ? ', …' : ''})`;
  }
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

type Nested = number | readonly Nested[];

/** Shape and row-major elements of a nested number array; ragged arrays are an error. */
function flattenNested(values: Nested, op: string): { shape: number[]; flat: number[] } {
  const shape: number[] = [];
  for (let v: Nested | undefined = values; Array.isArray(v); v = (v as readonly Nested[])[0]) shape.push((v as readonly Nested[]).length);
  const flat: number[] = [];
  const walk = (x: Nested, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof x !== 'number') throw valueError(op, `values${path}`, 'a number', Array.isArray(x) ? 'an array' : typeof x);
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw shapeError(op, `values${path}`, `an array of length ${shape[depth]} (rectangular nesting)`, Array.isArray(x) ? `length ${x.length}` : typeof x);
    }
    (x as readonly Nested[]).forEach((y, i) => walk(y, depth + 1, `${path}[${i}]`));
  };
  walk(values, 0, '');
  return { shape, flat };
}

/**
 * A tensor from numbers: `tensor([[1, 2], [3, 4]])`, `tensor(float32Array, [2, 2])`, or a flat
 * array with an explicit shape. Default dtype: f32 (or the typed array's own dtype).
 */
export function tensor(values: Nested | ArrayLike<number> | TypedArray, shape?: Shape, dtype?: DType): Tensor {
  if (dtype !== undefined && !isDType(dtype)) throw dtypeError('tensor', 'dtype', 'one of f32, f64, i32, u8, u16', dtype);
  const isTyped = ArrayBuffer.isView(values);
  const dt = dtype ?? (isTyped ? dtypeOf(values as TypedArray) : 'f32');
  let s: number[];
  let flat: ArrayLike<number>;
  if (typeof values === 'number') {
    s = shape ? [...shape] : [];
    flat = [values];
  } else if (isTyped || shape !== undefined) {
    flat = isTyped ? (values as TypedArray) : ((values as readonly Nested[]).flat(Infinity as 1) as number[]);
    s = shape ? [...shape] : [flat.length];
  } else {
    ({ shape: s, flat } = flattenNested(values as Nested, 'tensor'));
  }
  checkShape('tensor', 'shape', s);
  if (flat.length !== sizeOf(s)) throw shapeError('tensor', 'values', `${sizeOf(s)} elements for shape [${s.join(', ')}]`, `${flat.length}`);
  for (let i = 0; i < flat.length; i++) {
    if (typeof flat[i] !== 'number') throw valueError('tensor', `values[${i}]`, 'a number', typeof flat[i]);
  }
  const data = isTyped && dtypeOf(values as TypedArray) === dt ? (values as TypedArray) : fromValues(dt, flat);
  return new Tensor(data, s);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
  checkShape('full', 'shape', shape);
  const data = allocate(dtype, sizeOf(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape);
}

export function zeros(shape: Shape, dtype: DType = 'f32'): Tensor {
  return full(shape, 0, dtype);
}

export function ones(shape: Shape, dtype: DType = 'f32'): Tensor {
  return full(shape, 1, dtype);
}

/** A 0-d tensor. */
export function scalar(value: number, dtype: DType = 'f32'): Tensor {
  return full([], value, dtype);
}

/** 0, 1, …, n-1 (or start..stop by step). */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'i32'): Tensor {
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw valueError('arange', 'step', 'a non-zero number', step);
  const n = Math.max(0, Math.ceil((b - a) / step));
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = a + i * step;
  return new Tensor(data, [n]);
}
