// Elementwise primitives: unary maps, broadcasting binary maps, comparisons, where and cast.
// Each primitive runs its backend kernel (backend/cpu/elementwise.ts holds the scalar definitions);
// their VJPs are in ../gradients.ts.
import { allocate, isDType, isFloat, type DType } from '../../core/dtype.js';
import { dtypeError } from '../../core/errors.js';
import { broadcastShapes, sizeOf } from '../../core/shape.js';
import * as cpu from '../../backend/cpu/elementwise.js';
import { getBackend } from '../../backend/registry.js';
import type { ArithmeticOp, CompareOp, UnaryOp } from '../../backend/kernels.js';
import { apply } from '../tape.js';
import type { Empty, Primitive, PrimitiveName, PrimitiveParams } from '../primitive.js';
import { Tensor } from '../tensor.js';

const NONE: Empty = {};

/** A tensor or a number; numbers take the dtype of the tensor they meet. */
export type TensorLike = Tensor | number;

function requireFloat(op: string, arg: string, t: Tensor): void {
  if (!isFloat(t.dtype)) throw dtypeError(op, arg, 'f32 or f64', t.dtype);
}

// ---------------------------------------------------------------- unary

type UnaryName = UnaryOp;

function unaryPrimitive<N extends UnaryName>(name: N, floatOnly: boolean): Primitive<N> {
  return {
    name,
    infer: ([x]) => {
      if (floatOnly) requireFloat(name, 'x', x!);
      return { shape: [...x!.shape], dtype: x!.dtype };
    },
    forward: ([x], _p, out) => {
      const data = getBackend().allocateOutput(out.dtype, x!.size);
      getBackend().unary(name, x!.data, data);
      return data;
    },
  };
}

// floatOnly: the map is defined on floats only (integer neg/relu/abs/sign are exact and allowed).
export const unaryPrimitives: { [N in UnaryName]: Primitive<N> } = {
  neg: unaryPrimitive('neg', false), exp: unaryPrimitive('exp', true), log: unaryPrimitive('log', true),
  sqrt: unaryPrimitive('sqrt', true), tanh: unaryPrimitive('tanh', true), erf: unaryPrimitive('erf', true),
  sigmoid: unaryPrimitive('sigmoid', true), relu: unaryPrimitive('relu', false), gelu: unaryPrimitive('gelu', true),
  silu: unaryPrimitive('silu', true),
  // softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|)
  softplus: unaryPrimitive('softplus', true),
  abs: unaryPrimitive('abs', false), sign: unaryPrimitive('sign', false), sin: unaryPrimitive('sin', true), cos: unaryPrimitive('cos', true),
};

const u = unaryPrimitives;
export const neg = (x: Tensor): Tensor => apply(u.neg, [x], NONE);
export const exp = (x: Tensor): Tensor => apply(u.exp, [x], NONE);
export const log = (x: Tensor): Tensor => apply(u.log, [x], NONE);
export const sqrt = (x: Tensor): Tensor => apply(u.sqrt, [x], NONE);
export const tanh = (x: Tensor): Tensor => apply(u.tanh, [x], NONE);
export const erf = (x: Tensor): Tensor => apply(u.erf, [x], NONE);
export const sigmoid = (x: Tensor): Tensor => apply(u.sigmoid, [x], NONE);
export const relu = (x: Tensor): Tensor => apply(u.relu, [x], NONE);
/** GELU, exact erf form: x·Φ(x). */
export const gelu = (x: Tensor): Tensor => apply(u.gelu, [x], NONE);
export const silu = (x: Tensor): Tensor => apply(u.silu, [x], NONE);
export const softplus = (x: Tensor): Tensor => apply(u.softplus, [x], NONE);
export const abs = (x: Tensor): Tensor => apply(u.abs, [x], NONE);
export const sign = (x: Tensor): Tensor => apply(u.sign, [x], NONE);
export const sin = (x: Tensor): Tensor => apply(u.sin, [x], NONE);
export const cos = (x: Tensor): Tensor => apply(u.cos, [x], NONE);

// ---------------------------------------------------------------- binary

type BinaryName = ArithmeticOp;
type CompareName = CompareOp;

function inferBinary(op: string, a: Tensor, b: Tensor, floatOnly: boolean): { shape: number[]; dtype: DType } {
  if (a.dtype !== b.dtype) throw dtypeError(op, 'b', `${a.dtype} (the dtype of a; convert with cast)`, b.dtype);
  if (floatOnly) requireFloat(op, 'a', a);
  return { shape: broadcastShapes(op, a.shape, b.shape), dtype: a.dtype };
}

function binaryPrimitive<N extends BinaryName>(name: N, floatOnly: boolean): Primitive<N> {
  return {
    name,
    infer: ([a, b]) => inferBinary(name, a!, b!, floatOnly),
    forward: ([a, b], _p, out) => {
      const data = getBackend().allocateOutput(out.dtype, sizeOf(out.shape));
      getBackend().binary(name, a!.data, a!.shape, b!.data, b!.shape, data, out.shape);
      return data;
    },
  };
}

export const binaryPrimitives: { [N in BinaryName]: Primitive<N> } = {
  add: binaryPrimitive('add', false), sub: binaryPrimitive('sub', false), mul: binaryPrimitive('mul', false),
  div: binaryPrimitive('div', true), pow: binaryPrimitive('pow', true),
  maximum: binaryPrimitive('maximum', false), minimum: binaryPrimitive('minimum', false),
};

function comparePrimitive<N extends CompareName>(name: N): Primitive<N> {
  return {
    name,
    infer: ([a, b]) => ({ shape: inferBinary(name, a!, b!, false).shape, dtype: 'u8' }),
    forward: ([a, b], _p, out) => {
      const data = getBackend().allocateOutput('u8', sizeOf(out.shape));
      getBackend().binary(name, a!.data, a!.shape, b!.data, b!.shape, data, out.shape);
      return data;
    },
  };
}

export const comparePrimitives: { [N in CompareName]: Primitive<N> } = {
  equal: comparePrimitive('equal'),
  notEqual: comparePrimitive('notEqual'),
  less: comparePrimitive('less'),
  lessEqual: comparePrimitive('lessEqual'),
  greater: comparePrimitive('greater'),
  greaterEqual: comparePrimitive('greaterEqual'),
};

/** Numbers become 0-d tensors of the other operand's dtype. */
function operands(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) return [a, b];
  if (a instanceof Tensor) return [a, constant(b as number, a.dtype)];
  if (b instanceof Tensor) return [constant(a, b.dtype), b];
  return [constant(a, 'f32'), constant(b, 'f32')];
}

function constant(v: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = v;
  return new Tensor(data, []);
}

const bin = <N extends BinaryName | CompareName>(p: Primitive<N>) =>
  (a: TensorLike, b: TensorLike): Tensor => apply(p, operands(a, b), NONE as PrimitiveParams[N]);

export const add = bin(binaryPrimitives.add);
export const sub = bin(binaryPrimitives.sub);
export const mul = bin(binaryPrimitives.mul);
export const div = bin(binaryPrimitives.div);
export const pow = bin(binaryPrimitives.pow);
export const maximum = bin(binaryPrimitives.maximum);
export const minimum = bin(binaryPrimitives.minimum);
export const equal = bin(comparePrimitives.equal);
export const notEqual = bin(comparePrimitives.notEqual);
export const less = bin(comparePrimitives.less);
export const lessEqual = bin(comparePrimitives.lessEqual);
export const greater = bin(comparePrimitives.greater);
export const greaterEqual = bin(comparePrimitives.greaterEqual);

// ---------------------------------------------------------------- where and cast

export const wherePrimitive: Primitive<'where'> = {
  name: 'where',
  infer: ([c, a, b]) => {
    if (c!.dtype !== 'u8') throw dtypeError('where', 'condition', 'u8 (from a comparison)', c!.dtype);
    const { dtype } = inferBinary('where', a!, b!, false);
    return { shape: broadcastShapes('where', c!.shape, broadcastShapes('where', a!.shape, b!.shape)), dtype };
  },
  forward: ([c, a, b], _p, out) => {
    const data = allocate(out.dtype, sizeOf(out.shape));
    cpu.where(c!.data, c!.shape, a!.data, a!.shape, b!.data, b!.shape, data, out.shape);
    return data;
  },
};

/** condition ? a : b elementwise, with broadcasting; `condition` is u8 (a comparison's result). */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands(a, b);
  return apply(wherePrimitive, [condition, ta, tb], NONE);
}

export const castPrimitive: Primitive<'cast'> = {
  name: 'cast',
  infer: ([x], p) => {
    if (!isDType(p.dtype)) throw dtypeError('cast', 'dtype', 'one of f32, f64, i32, u8, u16', p.dtype);
    return { shape: [...x!.shape], dtype: p.dtype };
  },
  forward: ([x], p) => {
    const data = allocate(p.dtype, x!.size);
    data.set(x!.data);
    return data;
  },
};

/** Convert to `dtype` (float→int truncates toward zero and wraps, as typed-array assignment). */
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : apply(castPrimitive, [x], { dtype });
}

export type ElementwiseName = UnaryName | BinaryName | CompareName | 'where' | 'cast';
export type { PrimitiveName };
