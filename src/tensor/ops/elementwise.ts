// Elementwise primitives: unary maps, broadcasting binary maps, comparisons, where and cast.
// Each primitive runs its backend kernel (backend/cpu/elementwise.ts holds the scalar definitions)
// and sits beside its VJP, written with tensor ops.
import { allocate, isFloat, type DType } from '../../core/dtype.js';
import { dtypeError } from '../../core/errors.js';
import { broadcastShapes, sizeOf } from '../../core/shape.js';
import * as cpu from '../../backend/cpu/elementwise.js';
import { getBackend } from '../../backend/registry.js';
import type { ArithmeticOp, CompareOp, UnaryOp } from '../../backend/kernels.js';
import { apply } from '../autograd.js';
import type { Empty, Primitive, PrimitiveName, PrimitiveParams } from '../primitive.js';
import { Tensor } from '../tensor.js';
import { sumToShape } from './reduce.js';

const NONE: Empty = {};

/** A tensor or a number; numbers take the dtype of the tensor they meet. */
export type TensorLike = Tensor | number;

function requireFloat(op: string, arg: string, t: Tensor): void {
  if (!isFloat(t.dtype)) throw dtypeError(op, arg, 'f32 or f64', t.dtype);
}

// ---------------------------------------------------------------- unary

type UnaryName = UnaryOp;

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

function unaryPrimitive<N extends UnaryName>(
  name: N, floatOnly: boolean,
  vjp: (g: Tensor, x: Tensor, out: Tensor) => Tensor | null,
): Primitive<N> {
  return {
    name,
    infer: ([x]) => {
      if (floatOnly) requireFloat(name, 'x', x!);
      return { shape: [...x!.shape], dtype: x!.dtype };
    },
    forward: ([x], _p, out) => {
      const data = allocate(out.dtype, x!.size);
      getBackend().unary(name, x!.data, data);
      return data;
    },
    vjp: (g, [x], out) => [vjp(g, x!, out)],
  };
}

export const unaryPrimitives: { [N in UnaryName]: Primitive<N> } = {
  neg: unaryPrimitive('neg', false, (g) => neg(g)),
  exp: unaryPrimitive('exp', true, (g, _x, out) => mul(g, out)),
  log: unaryPrimitive('log', true, (g, x) => div(g, x)),
  sqrt: unaryPrimitive('sqrt', true, (g, _x, out) => div(g, mul(out, 2))),
  tanh: unaryPrimitive('tanh', true, (g, _x, out) => mul(g, sub(1, mul(out, out)))),
  erf: unaryPrimitive('erf', true, (g, x) => mul(g, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI))),
  sigmoid: unaryPrimitive('sigmoid', true, (g, _x, out) => mul(g, mul(out, sub(1, out)))),
  relu: unaryPrimitive('relu', false, (g, x) => {
    const out = allocate(g.dtype, g.size);
    getBackend().reluBackward(g.data, x.data, out);
    return new Tensor(out, g.shape);
  }),
  // gelu(x) = x·Φ(x);  gelu'(x) = Φ(x) + x·φ(x)
  gelu: unaryPrimitive('gelu', true, (g, x) => {
    const cdf = mul(add(erf(mul(x, INV_SQRT2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
    return mul(g, add(cdf, mul(x, pdf)));
  }),
  // silu(x) = x·σ(x);  silu'(x) = σ(x)·(1 + x·(1 − σ(x)))
  silu: unaryPrimitive('silu', true, (g, x) => {
    const s = sigmoid(x);
    return mul(g, mul(s, add(mul(x, sub(1, s)), 1)));
  }),
  // softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|);  softplus' = σ
  softplus: unaryPrimitive('softplus', true, (g, x) => mul(g, sigmoid(x))),
  abs: unaryPrimitive('abs', false, (g, x) => mul(g, sign(x))),
  sign: unaryPrimitive('sign', false, () => null),
  sin: unaryPrimitive('sin', true, (g, x) => mul(g, cos(x))),
  cos: unaryPrimitive('cos', true, (g, x) => neg(mul(g, sin(x)))),
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

function binaryPrimitive<N extends BinaryName>(
  name: N, floatOnly: boolean,
  vjp: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null],
): Primitive<N> {
  return {
    name,
    infer: ([a, b]) => inferBinary(name, a!, b!, floatOnly),
    forward: ([a, b], _p, out) => {
      const data = allocate(out.dtype, sizeOf(out.shape));
      getBackend().binary(name, a!.data, a!.shape, b!.data, b!.shape, data, out.shape);
      return data;
    },
    vjp: (g, [a, b], out) => {
      const [ga, gb] = vjp(g, a!, b!, out);
      return [ga && sumToShape(ga, a!.shape), gb && sumToShape(gb, b!.shape)];
    },
  };
}

/** Share of the gradient for the first operand of max/min: 1 where it wins, ½ on ties (as PyTorch). */
function winnerShare(a: Tensor, b: Tensor, wins: Tensor): Tensor {
  return add(cast(wins, a.dtype), mul(cast(equal(a, b), a.dtype), 0.5));
}

export const binaryPrimitives: { [N in BinaryName]: Primitive<N> } = {
  add: binaryPrimitive('add', false, (g) => [g, g]),
  sub: binaryPrimitive('sub', false, (g) => [g, neg(g)]),
  mul: binaryPrimitive('mul', false, (g, a, b) => [mul(g, b), mul(g, a)]),
  div: binaryPrimitive('div', true, (g, a, b) => [div(g, b), neg(div(mul(g, a), mul(b, b)))]),
  // d/da aᵇ = b·aᵇ⁻¹;  d/db aᵇ = aᵇ·ln a (taken as 0 where a ≤ 0, where aᵇ is not differentiable in b)
  pow: binaryPrimitive('pow', true, (g, a, b, out) => [
    mul(g, mul(b, pow(a, sub(b, 1)))),
    mul(g, where(greater(a, 0), mul(out, log(where(greater(a, 0), a, 1))), 0)),
  ]),
  maximum: binaryPrimitive('maximum', false, (g, a, b) => {
    const share = winnerShare(a, b, greater(a, b));
    return [mul(g, share), mul(g, sub(1, share))];
  }),
  minimum: binaryPrimitive('minimum', false, (g, a, b) => {
    const share = winnerShare(a, b, less(a, b));
    return [mul(g, share), mul(g, sub(1, share))];
  }),
};

function comparePrimitive<N extends CompareName>(name: N): Primitive<N> {
  return {
    name,
    infer: ([a, b]) => ({ shape: inferBinary(name, a!, b!, false).shape, dtype: 'u8' }),
    forward: ([a, b], _p, out) => {
      const data = allocate('u8', sizeOf(out.shape));
      getBackend().binary(name, a!.data, a!.shape, b!.data, b!.shape, data, out.shape);
      return data;
    },
    vjp: () => [null, null],
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
  vjp: (g, [c, a, b]) => [null, sumToShape(where(c!, g, 0), a!.shape), sumToShape(where(c!, 0, g), b!.shape)],
};

/** condition ? a : b elementwise, with broadcasting; `condition` is u8 (a comparison's result). */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands(a, b);
  return apply(wherePrimitive, [condition, ta, tb], NONE);
}

export const castPrimitive: Primitive<'cast'> = {
  name: 'cast',
  infer: ([x], p) => ({ shape: [...x!.shape], dtype: p.dtype }),
  forward: ([x], p) => {
    const data = allocate(p.dtype, x!.size);
    data.set(x!.data);
    return data;
  },
  vjp: (g, [x]) => [isFloat(x!.dtype) ? cast(g, x!.dtype) : null],
};

/** Convert to `dtype` (float→int truncates toward zero and wraps, as typed-array assignment). */
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : apply(castPrimitive, [x], { dtype });
}

export type ElementwiseName = UnaryName | BinaryName | CompareName | 'where' | 'cast';
export type { PrimitiveName };
