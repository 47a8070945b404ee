// The gradient table: the VJP rule of every primitive, in one place (as tinygrad's gradient table and
// jax-js's jvp rules). Its type is a mapped type over PrimitiveName, so a primitive without a rule does
// not compile. Rules are written with tensor ops (recording is off while they run) or call a backend's
// backward kernel; each returns one cotangent per input, null where the input has no gradient.
// The forward primitives in ops/ never import this file, so ops/ stays an acyclic import graph.
import { allocate, isFloat, type FloatArray } from '../core/dtype.js';
import { getBackend } from '../backend/registry.js';
import type { ArithmeticOp, CompareOp, FanInIndices, UnaryOp } from '../backend/kernels.js';
import { fanInMatmulBackward } from '../backend/cpu/fanInMatmul.js';
import { halfWeightMatmulBackward } from './ops/halfWeight.js';
import { cachedAttentionBackward } from './ops/cachedAttention.js';
import { takeBackward } from '../backend/cpu/indexing.js';
import { sliceScatter } from '../backend/cpu/movement.js';
import type { VjpRule, VjpTable } from './primitive.js';
import { Tensor } from './tensor.js';
import { batchNormDims } from './ops/batchNorm.js';
import { convParams } from './ops/conv.js';
import { poolParams } from './ops/pool.js';
import { add, cast, cos, div, equal, erf, exp, greater, less, log, mul, neg, pow, sigmoid, sign, sin, sub, where } from './ops/elementwise.js';
import { cumsum, scatterAdd, takeAlongAxis } from './ops/indexing.js';
import { matmul } from './ops/matmul.js';
import { reducedShape, sum, sumToShape } from './ops/reduce.js';
import { broadcastTo, reshape, slice, transpose } from './ops/shape.js';
import { softmaxDims } from './ops/softmax.js';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** A unary rule from d(out)/dx·g, given g, x and out. */
const unary = <N extends UnaryOp>(rule: (g: Tensor, x: Tensor, out: Tensor) => Tensor | null): VjpRule<N> =>
  (g, [x], out) => [rule(g, x!, out)];

/** A broadcasting binary rule: the per-element cotangents are summed back to each operand's shape. */
const binary = <N extends ArithmeticOp>(rule: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null]): VjpRule<N> =>
  (g, [a, b], out) => {
    const [ga, gb] = rule(g, a!, b!, out);
    return [ga && sumToShape(ga, a!.shape), gb && sumToShape(gb, b!.shape)];
  };

/** Share of the gradient for the first operand of max/min: 1 where it wins, ½ on ties (as PyTorch). */
function winnerShare(a: Tensor, b: Tensor, wins: Tensor): Tensor {
  return add(cast(wins, a.dtype), mul(cast(equal(a, b), a.dtype), 0.5));
}

/** The output cotangent of a reduction broadcast back over the reduced axes of x. */
function expandBack(g: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return broadcastTo(reshape(g, reducedShape(x.shape, axes, true)), x.shape);
}

const noGradient = <N extends CompareOp>(): VjpRule<N> => () => [null, null];

/** The max-pool and avg-pool rules: the backend's backward kernels. */
function poolRule<N extends 'maxPool2d' | 'avgPool2d'>(name: N): VjpRule<N> {
  return (g, [x], _out, o) => {
    const dx = allocate(x!.dtype, x!.size) as FloatArray;
    const p = poolParams(x!, o);
    if (name === 'maxPool2d') getBackend().maxPool2dBackward(p, x!.data as FloatArray, g.data as FloatArray, dx);
    else getBackend().avgPool2dBackward(p, g.data as FloatArray, dx);
    return [new Tensor(dx, x!.shape)];
  };
}

/** The softmax and log-softmax rules: the backend's fused backward kernel, from the output y. */
function softmaxRule<N extends 'softmax' | 'logSoftmax'>(name: N): VjpRule<N> {
  return (g, [x], out, p) => {
    const dx = getBackend().allocateOutput(x!.dtype, x!.size) as FloatArray;
    getBackend().softmaxBackward(softmaxDims(x!.shape, p.axis), name === 'logSoftmax', out.data as FloatArray, g.data as FloatArray, dx);
    return [new Tensor(dx, x!.shape)];
  };
}

export const vjpRules: VjpTable = {
  // ---- unary elementwise
  neg: unary((g) => neg(g)),
  exp: unary((g, _x, out) => mul(g, out)),
  log: unary((g, x) => div(g, x)),
  sqrt: unary((g, _x, out) => div(g, mul(out, 2))),
  tanh: unary((g, _x, out) => mul(g, sub(1, mul(out, out)))),
  erf: unary((g, x) => mul(g, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI))),
  sigmoid: unary((g, _x, out) => mul(g, mul(out, sub(1, out)))),
  relu: unary((g, x) => {
    const out = getBackend().allocateOutput(g.dtype, g.size);
    getBackend().reluBackward(g.data, x.data, out);
    return new Tensor(out, g.shape);
  }),
  // gelu(x) = x·Φ(x);  gelu'(x) = Φ(x) + x·φ(x)
  gelu: unary((g, x) => {
    const cdf = mul(add(erf(mul(x, INV_SQRT2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
    return mul(g, add(cdf, mul(x, pdf)));
  }),
  // silu(x) = x·σ(x);  silu'(x) = σ(x)·(1 + x·(1 − σ(x)))
  silu: unary((g, x) => {
    const s = sigmoid(x);
    return mul(g, mul(s, add(mul(x, sub(1, s)), 1)));
  }),
  // softplus' = σ
  softplus: unary((g, x) => mul(g, sigmoid(x))),
  abs: unary((g, x) => mul(g, sign(x))),
  sign: unary(() => null),
  sin: unary((g, x) => mul(g, cos(x))),
  cos: unary((g, x) => neg(mul(g, sin(x)))),

  // ---- binary elementwise (broadcasting)
  add: binary((g) => [g, g]),
  sub: binary((g) => [g, neg(g)]),
  mul: binary((g, a, b) => [mul(g, b), mul(g, a)]),
  div: binary((g, a, b) => [div(g, b), neg(div(mul(g, a), mul(b, b)))]),
  // d/da aᵇ = b·aᵇ⁻¹;  d/db aᵇ = aᵇ·ln a (taken as 0 where a ≤ 0, where aᵇ is not differentiable in b)
  pow: binary((g, a, b, out) => [
    mul(g, mul(b, pow(a, sub(b, 1)))),
    mul(g, where(greater(a, 0), mul(out, log(where(greater(a, 0), a, 1))), 0)),
  ]),
  maximum: binary((g, a, b) => {
    const share = winnerShare(a, b, greater(a, b));
    return [mul(g, share), mul(g, sub(1, share))];
  }),
  minimum: binary((g, a, b) => {
    const share = winnerShare(a, b, less(a, b));
    return [mul(g, share), mul(g, sub(1, share))];
  }),

  // ---- comparisons (piecewise constant), where, cast
  equal: noGradient(), notEqual: noGradient(), less: noGradient(),
  lessEqual: noGradient(), greater: noGradient(), greaterEqual: noGradient(),
  where: (g, [c, a, b]) => [null, sumToShape(where(c!, g, 0), a!.shape), sumToShape(where(c!, 0, g), b!.shape)],
  cast: (g, [x]) => [isFloat(x!.dtype) ? cast(g, x!.dtype) : null],

  // ---- reductions
  sum: (g, [x], _out, p) => [expandBack(g, x!, p.axes)],
  // The gradient is shared equally among tied maxima (as torch.amax).
  max: (g, [x], out, p) => {
    const winners = cast(equal(x!, expandBack(out, x!, p.axes)), x!.dtype);
    const count = sum(winners, p.axes, true);
    return [div(mul(expandBack(g, x!, p.axes), winners), count)];
  },

  // ---- linear algebra
  // Each case keeps every product a plain GEMM with transpose flags. Only the inputs that need a gradient
  // get one: a network's input x needs none (one GEMM saved per step).
  matmul: (g, [a, b], _out, { transA, transB }) => {
    const ga = !a!.requiresGrad ? null : transA ? matmul(b!, g, { transA: transB, transB: true }) : matmul(g, b!, { transB: !transB });
    const gb = !b!.requiresGrad ? null : transB ? matmul(g, a!, { transA: true, transB: transA }) : matmul(a!, g, { transA: !transA });
    return [ga && sumToShape(ga, a!.shape), gb && sumToShape(gb, b!.shape)];
  },
  fanInMatmul: (g, [x, values, indices]) => {
    const p = { batch: x!.shape[0]!, inFeatures: x!.shape[1]!, outFeatures: values!.shape[0]!, fanIn: values!.shape[1]! };
    const dx = allocate(x!.dtype, x!.size) as FloatArray, dv = allocate(values!.dtype, values!.size) as FloatArray;
    fanInMatmulBackward(p, x!.data as FloatArray, values!.data as FloatArray, indices!.data as FanInIndices, g.data as FloatArray, dx, dv);
    return [new Tensor(dx, x!.shape), new Tensor(dv, values!.shape), null];
  },
  halfWeightMatmul: (g, [, w], _out, { format }) => [halfWeightMatmulBackward(g, w!, format), null],
  cachedAttention: (g, [q, keys, values], _out, o) => cachedAttentionBackward(g, q!, keys!, values!, o),

  // ---- movement
  reshape: (g, [x]) => [reshape(g, x!.shape)],
  transpose: (g, _x, _out, p) => {
    const inverse = new Array<number>(p.perm.length);
    p.perm.forEach((a, i) => (inverse[a] = i));
    return [transpose(g, inverse)];
  },
  broadcastTo: (g, [x]) => [sumToShape(g, x!.shape)],
  slice: (g, [x], _out, p) => {
    const data = allocate(g.dtype, x!.size);
    sliceScatter(g.data, g.shape, x!.shape, p.starts, p.steps, data);
    return [new Tensor(data, x!.shape)];
  },
  pad: (g, [x], _out, p) => [slice(g, p.pads.map((q) => q[0]), p.pads.map((q, i) => q[0] + x!.shape[i]!))],
  concat: (g, xs, _out, p) => {
    let start = 0;
    return xs.map((t) => {
      const starts = g.shape.map((_, i) => (i === p.axis ? start : 0));
      const ends = g.shape.map((d, i) => (i === p.axis ? start + t.shape[i]! : d));
      start += t.shape[p.axis]!;
      return slice(g, starts, ends);
    });
  },

  // ---- indexing
  take: (g, [x, idx], _out, { axis }) => {
    const data = allocate(g.dtype, x!.size);
    takeBackward(g.data, x!.shape, idx!.data, axis, data);
    return [new Tensor(data, x!.shape), null];
  },
  takeAlongAxis: (g, [x, idx], _out, { axis }) => [scatterAdd(new Tensor(allocate(g.dtype, x!.size), x!.shape), idx!, g, axis), null],
  scatterAdd: (g, [, idx], _out, { axis }) => [g, null, takeAlongAxis(g, idx!, axis)],
  cumsum: (g, _x, _out, { axis, reverse }) => [cumsum(g, axis, !reverse)],

  // ---- normalisation (closed-form backward kernel)
  rmsNormalize: (g, [x], _out, { eps }) => {
    // dx = r·(g − y·mean(g·y)), r = (mean(x²) + eps)^−½, y = x·r: recomputed from x so the rule differentiates again.
    const inv = 1 / x!.shape.at(-1)!, last = x!.rank - 1;
    const r = pow(add(mul(sum(mul(x!, x!), [last], true), inv), eps), -0.5);
    const y = mul(x!, r);
    return [mul(r, sub(g, mul(y, mul(sum(mul(g, y), [last], true), inv))))];
  },
  batchNorm: (g, [x, w, b], _out, { eps }) => {
    const dx = allocate(x!.dtype, x!.size) as FloatArray;
    const dw = allocate(w!.dtype, w!.size) as FloatArray, db = allocate(b!.dtype, b!.size) as FloatArray;
    getBackend().batchNormBackward(x!.data as FloatArray, w!.data as FloatArray, eps, batchNormDims(x!), g.data as FloatArray, dx, dw, db);
    return [new Tensor(dx, x!.shape), new Tensor(dw, w!.shape), new Tensor(db, b!.shape)];
  },

  // ---- softmax family (fused backward kernels)
  softmax: softmaxRule('softmax'),
  logSoftmax: softmaxRule('logSoftmax'),
  softmaxCrossEntropy: (g, [logits, targets]) => {
    const [n, c] = logits!.shape as [number, number];
    const d = allocate(logits!.dtype, n * c) as FloatArray;
    getBackend().softmaxCrossEntropyBackward(n, c, logits!.data as FloatArray, targets!.data as Int32Array, g.data as FloatArray, d);
    return [new Tensor(d, logits!.shape), null];
  },

  // ---- convolution and pooling (backend backward kernels)
  conv2d: (g, [x, w], _out, o) => {
    const p = convParams(x!, w!, o);
    const dx = allocate(x!.dtype, x!.size) as FloatArray;
    const dw = allocate(w!.dtype, w!.size) as FloatArray;
    if (x!.requiresGrad) getBackend().conv2dBackwardInput(p, g.data as FloatArray, w!.data as FloatArray, dx);
    if (w!.requiresGrad) getBackend().conv2dBackwardFilter(p, x!.data as FloatArray, g.data as FloatArray, dw);
    return [x!.requiresGrad ? new Tensor(dx, x!.shape) : null, w!.requiresGrad ? new Tensor(dw, w!.shape) : null];
  },
  maxPool2d: poolRule('maxPool2d'),
  avgPool2d: poolRule('avgPool2d'),
};
