// Float64 central finite-difference gradient checks for every primitive (and the composites),
// on random shapes drawn by fast-check: broadcasting, reduction axes, transposes, conv
// strides/padding/dilation/groups, pooling windows, slicing steps, index patterns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../../src/tensor/index.js';
import type { PrimitiveName } from '../../src/tensor/index.js';
import { Tensor } from '../../src/tensor/index.js';
import * as r from '../../src/core/random.js';
import { awayFromZero, randomTensor } from '../support/random.js';
import { encodeHalf } from '../../src/core/halfFloat.js';

/** f32 values → their bf16 / f16 words (little-endian bytes reinterpreted). */
const encodeHalfWords = (values: number[], format: 'F16' | 'BF16') => { const b = encodeHalf(values, format); return new Uint16Array(b.buffer, b.byteOffset, b.length / 2); };
import { engineBackends } from '../support/backends.js';
import { withBackend } from '../../src/backend/registry.js';

interface Case { f: (...xs: Tensor[]) => Tensor; inputs: Tensor[]; eps?: number; tol?: number }
/** A property: from a fast-check draw to a checkable case. */
interface GradProperty { arb: fc.Arbitrary<Case> }

const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = (minRank = 0, maxRank = 3) => fc.array(dim, { minLength: minRank, maxLength: maxRank });
const seedArb = fc.integer({ min: 0, max: 1_000_000 });

/** Two shapes that broadcast together: b drops leading dims and sets some dims to 1 (and so may a). */
const broadcastPair = fc.tuple(shapeArb(0, 3), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.boolean())
  .map(([shape, pattern, drop, swap]) => {
    const b = shape.map((d, i) => (pattern[i] === 0 ? 1 : d)).slice(Math.min(drop, shape.length));
    const a = shape.map((d, i) => (pattern[i] === 1 && i > 0 ? 1 : d));
    return swap ? [b, a] as const : [a, b] as const;
  });

const unary = (f: (x: Tensor) => Tensor, gen: (seed: number, s: number[]) => Tensor = (s, sh) => randomTensor(s, sh)): GradProperty => ({
  arb: fc.tuple(shapeArb(), seedArb).map(([s, seed]) => ({ f, inputs: [gen(seed, s)] })),
});
const positive = (seed: number, s: number[]) => randomTensor(seed, s, 0.3, 3);

const binary = (f: (a: Tensor, b: Tensor) => Tensor, genB: (seed: number, s: readonly number[]) => Tensor = (s, sh) => randomTensor(s, sh), genA = genB): GradProperty => ({
  arb: fc.tuple(broadcastPair, seedArb).map(([[sa, sb], seed]) => ({ f, inputs: [genA(seed, sa), genB(seed + 1, sb)] })),
});

const compare = (cmp: (a: Tensor, b: Tensor) => Tensor): GradProperty => ({
  // The comparison has no gradient; through the mask product, only `a` receives one.
  arb: fc.tuple(broadcastPair, seedArb).map(([[sa, sb], seed]) => ({
    f: (a, b) => T.mul(T.cast(cmp(a, b), 'f64'), a), inputs: [randomTensor(seed, sa), randomTensor(seed + 1, sb)],
  })),
});

const axesArb = (rank: number) => fc.subarray(Array.from({ length: rank }, (_, i) => i));

const cases: { [N in PrimitiveName]: GradProperty } = {
  neg: unary(T.neg), exp: unary(T.exp), log: unary(T.log, positive), sqrt: unary(T.sqrt, positive), tanh: unary(T.tanh),
  erf: unary(T.erf), sigmoid: unary(T.sigmoid), relu: unary(T.relu, awayFromZero), gelu: unary(T.gelu), silu: unary(T.silu),
  softplus: unary(T.softplus), abs: unary(T.abs, awayFromZero), sin: unary(T.sin), cos: unary(T.cos),
  sign: unary((x) => T.mul(T.sign(x), x), awayFromZero),
  add: binary(T.add), sub: binary(T.sub), mul: binary(T.mul),
  div: binary(T.div, (s, sh) => awayFromZero(s, sh, 0.5, 2)),
  pow: binary(T.pow, (s, sh) => randomTensor(s, sh, -1.5, 1.5), (s, sh) => randomTensor(s, sh, 0.5, 2)),
  maximum: binary(T.maximum), minimum: binary(T.minimum),
  equal: compare((a, b) => T.equal(T.greater(a, 0), T.greater(b, 0))), notEqual: compare(T.notEqual), less: compare(T.less),
  lessEqual: compare(T.lessEqual), greater: compare(T.greater), greaterEqual: compare(T.greaterEqual),
  where: {
    arb: fc.tuple(broadcastPair, seedArb).map(([[sa, sb], seed]) => {
      const cond = T.greater(randomTensor(seed + 2, sb), 0);
      return { f: (a, b) => T.where(cond, a, b), inputs: [randomTensor(seed, sa), randomTensor(seed + 1, sb)] };
    }),
  },
  cast: { arb: fc.tuple(shapeArb(), seedArb).map(([s, seed]) => ({ f: (x) => T.cast(T.cast(x, 'f32'), 'f64'), inputs: [randomTensor(seed, s)], eps: 1e-2, tol: 1e-4 })) },
  sum: {
    arb: fc.tuple(shapeArb(1), seedArb, fc.boolean()).chain(([s, seed, keep]) => axesArb(s.length).map((axes) => ({
      f: (x: Tensor) => T.sum(x, axes, keep), inputs: [randomTensor(seed, s)],
    }))),
  },
  max: {
    arb: fc.tuple(shapeArb(1), seedArb, fc.boolean()).chain(([s, seed, keep]) => axesArb(s.length).map((axes) => ({
      f: (x: Tensor) => T.max(x, axes, keep), inputs: [randomTensor(seed, s)],
    }))),
  },
  matmul: {
    arb: fc.tuple(dim, dim, dim, fc.boolean(), fc.boolean(), fc.constantFrom([[], []], [[2], [2]], [[2, 1], [3]], [[], [3]]), seedArb)
      .map(([m, k, n, transA, transB, [ba, bb], seed]) => ({
        f: (a, b) => T.matmul(a, b, { transA, transB }),
        inputs: [randomTensor(seed, [...ba!, ...(transA ? [k, m] : [m, k])]), randomTensor(seed + 1, [...bb!, ...(transB ? [n, k] : [k, n])])],
      })),
  },
  cachedAttention: {
    // 1–3 queries at the end of 1–5 cached positions, GQA (4 query heads on 2 KV heads) or MHA.
    arb: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), seedArb).map(([nq, extra, d, gqa, seed]) => {
      const [hq, hk] = gqa ? [4, 2] : [2, 2], nk = nq + extra;
      const o = { heads: hq, kvHeads: hk, headDim: d, scale: 0.8, start: extra };
      return { f: (q, k, v) => T.cachedAttention(q, k, v, o), inputs: [randomTensor(seed, [1, nq, hq * d]), randomTensor(seed + 1, [1, nk, hk * d]), randomTensor(seed + 2, [1, nk, hk * d])] };
    }),
  },
  halfWeightMatmul: {
    // x (f64) against bf16 and f16 weight words: the gradient reaches x only.
    arb: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), seedArb, fc.boolean()).map(([rows, inF, out, seed, bf]) => {
      const words = T.tensor(Uint16Array.from(encodeHalfWords(randomTensor(seed + 1, [out, inF]).toArray(), bf ? 'BF16' : 'F16')), [out, inF], 'u16');
      return { f: (x) => T.halfWeightMatmul(x, words, bf ? 'bf16' : 'f16'), inputs: [randomTensor(seed, [rows, inF])] };
    }),
  },
  fanInMatmul: {
    arb: fc.tuple(dim, fc.integer({ min: 2, max: 6 }), dim, seedArb, fc.constantFrom('i32' as const, 'u16' as const)).map(([batch, inF, out, seed, dt]) => {
      const k = Math.max(1, inF - 1);
      const idx = new Tensor(dt === 'i32' ? new Int32Array(out * k) : new Uint16Array(out * k), [out, k]);
      for (let o = 0; o < out; o++) r.permutationValues(r.key(seed + o), inF).slice(0, k).forEach((v, j) => (idx.data[o * k + j] = v));
      return { f: (x, v) => T.fanInMatmul(x, v, idx), inputs: [randomTensor(seed, [batch, inF]), randomTensor(seed + 1, [out, k])] };
    }),
  },
  reshape: { arb: fc.tuple(shapeArb(), seedArb).map(([s, seed]) => ({ f: (x) => T.reshape(x, [s.reduce((p, d) => p * d, 1)]), inputs: [randomTensor(seed, s)] })) },
  transpose: {
    arb: fc.tuple(shapeArb(1, 4), seedArb).chain(([s, seed]) => fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length })
      .map((perm) => ({ f: (x: Tensor) => T.transpose(x, perm), inputs: [randomTensor(seed, s)] }))),
  },
  broadcastTo: { arb: fc.tuple(broadcastPair, seedArb).map(([[sa, sb], seed]) => ({ f: (x) => T.broadcastTo(x, T.zeros(sa).shape.length >= sb.length ? broadcastShape(sa, sb) : broadcastShape(sa, sb)), inputs: [randomTensor(seed, sb)] })) },
  slice: {
    arb: fc.tuple(shapeArb(1), seedArb, fc.array(fc.tuple(fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4, max: 5 }), fc.integer({ min: 1, max: 3 })), { minLength: 4, maxLength: 4 }))
      .map(([s, seed, spec]) => ({
        f: (x) => T.slice(x, s.map((_, i) => spec[i]![0]), s.map((_, i) => spec[i]![1]), s.map((_, i) => spec[i]![2])), inputs: [randomTensor(seed, s)],
      })),
  },
  pad: {
    arb: fc.tuple(shapeArb(1), seedArb, fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: 3, maxLength: 3 }), fc.double({ min: -1, max: 1, noNaN: true }))
      .map(([s, seed, pads, value]) => ({ f: (x) => T.pad(x, s.map((_, i) => pads[i]!), value), inputs: [randomTensor(seed, s)] })),
  },
  concat: {
    arb: fc.tuple(shapeArb(1), seedArb, fc.array(dim, { minLength: 1, maxLength: 3 })).chain(([s, seed, sizes]) => fc.nat(s.length - 1).map((axis) => ({
      f: (...xs: Tensor[]) => T.concat(xs, axis),
      inputs: sizes.map((d, i) => randomTensor(seed + i, s.map((v, j) => (j === axis ? d : v)))),
    }))),
  },
  take: {
    arb: fc.tuple(shapeArb(1), seedArb, shapeArb(0, 2)).chain(([s, seed, idxShape]) => fc.nat(s.length - 1).map((axis) => {
      const idx = new Tensor(r.randintValues(r.key(seed + 3), idxShape.reduce((p, d) => p * d, 1), 0, s[axis]!), idxShape);
      return { f: (x: Tensor) => T.take(x, idx, axis), inputs: [randomTensor(seed, s)] };
    })),
  },
  takeAlongAxis: {
    arb: fc.tuple(shapeArb(1), seedArb, dim).chain(([s, seed, m]) => fc.nat(s.length - 1).map((axis) => {
      const idxShape = s.map((d, i) => (i === axis ? m : d));
      const idx = new Tensor(r.randintValues(r.key(seed + 3), idxShape.reduce((p, d) => p * d, 1), 0, s[axis]!), idxShape);
      return { f: (x: Tensor) => T.takeAlongAxis(x, idx, axis), inputs: [randomTensor(seed, s)] };
    })),
  },
  scatterAdd: {
    arb: fc.tuple(shapeArb(1), seedArb, dim).chain(([s, seed, m]) => fc.nat(s.length - 1).map((axis) => {
      const idxShape = s.map((d, i) => (i === axis ? m : d));
      const idx = new Tensor(r.randintValues(r.key(seed + 3), idxShape.reduce((p, d) => p * d, 1), 0, s[axis]!), idxShape);
      return { f: (x: Tensor, u: Tensor) => T.scatterAdd(x, idx, u, axis), inputs: [randomTensor(seed, s), randomTensor(seed + 1, idxShape)] };
    })),
  },
  cumsum: {
    arb: fc.tuple(shapeArb(1), seedArb, fc.boolean()).chain(([s, seed, reverse]) => fc.nat(s.length - 1).map((axis) => ({
      f: (x: Tensor) => T.cumsum(x, axis, reverse), inputs: [randomTensor(seed, s)],
    }))),
  },
  conv2d: {
    arb: fc.record({
      n: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 2 }), cg: fc.integer({ min: 1, max: 2 }), og: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 3, max: 6 }), w: fc.integer({ min: 3, max: 6 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
      stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })), dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      padding: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)), seed: seedArb,
    }).filter((c) => c.h + c.padding[0] + c.padding[1] > c.dilation[0] * (c.kh - 1) && c.w + c.padding[2] + c.padding[3] > c.dilation[1] * (c.kw - 1))
      .map((c) => ({
        f: (x, w) => T.conv2d(x, w, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups }),
        inputs: [randomTensor(c.seed, [c.n, c.groups * c.cg, c.h, c.w]), randomTensor(c.seed + 1, [c.groups * c.og, c.cg, c.kh, c.kw])],
      })),
  },
  batchNorm: {
    arb: fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 3 }), shapeArb(0, 2), seedArb, fc.constantFrom(1e-5, 0.1)).map(([n, c, spatial, seed, eps]) => ({
      f: (x: Tensor, w: Tensor, b: Tensor) => T.batchNorm(x, w, b, eps),
      inputs: [randomTensor(seed, [n, c, ...spatial]), randomTensor(seed + 1, [c], 0.5, 2), randomTensor(seed + 2, [c])],
    })),
  },
  rmsNormalize: {
    arb: fc.tuple(shapeArb(1), seedArb, fc.constantFrom(1e-6, 0.1)).map(([s, seed, eps]) => ({ f: (x: Tensor) => T.rmsNormalize(x, eps), inputs: [randomTensor(seed, s)] })),
  },
  maxPool2d: { arb: poolArb(T.maxPool2d) },
  avgPool2d: { arb: poolArb(T.avgPool2d) },
  softmax: {
    arb: fc.tuple(shapeArb(1), seedArb).chain(([s, seed]) => fc.nat(s.length - 1).map((axis) => ({ f: (x: Tensor) => T.softmax(x, axis), inputs: [randomTensor(seed, s)] }))),
  },
  logSoftmax: {
    arb: fc.tuple(shapeArb(1), seedArb).chain(([s, seed]) => fc.nat(s.length - 1).map((axis) => ({ f: (x: Tensor) => T.logSoftmax(x, axis), inputs: [randomTensor(seed, s)] }))),
  },
  softmaxCrossEntropy: {
    arb: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), seedArb).map(([n, c, seed]) => {
      const targets = new Tensor(r.randintValues(r.key(seed + 5), n, 0, c), [n]);
      return { f: (logits: Tensor) => T.softmaxCrossEntropy(logits, targets), inputs: [randomTensor(seed, [n, c])] };
    }),
  },
};

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1));
}

function poolArb(op: typeof T.maxPool2d): fc.Arbitrary<Case> {
  return fc.record({ k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 6 }), w: fc.integer({ min: 3, max: 6 }), seed: seedArb, padOn: fc.boolean() })
    .map((c) => {
      const padding = c.padOn ? Math.floor(c.k / 2) : 0;
      return { f: (x: Tensor) => op(x, { kernelSize: c.k, stride: c.s, padding }), inputs: [randomTensor(c.seed, [2, 2, c.h, c.w])] };
    });
}

function check(name: string, prop: GradProperty, runs: number): void {
  fc.assert(fc.property(prop.arb, (c) => {
    const res = T.gradCheck(c.f, c.inputs, { eps: c.eps ?? 1e-6 });
    const tol = c.tol ?? 1e-6;
    if (!(res.maxError <= tol)) {
      throw new Error(`${name}: gradient error ${res.maxError} > ${tol} at input ${res.worst.input}[${res.worst.index}]: analytic ${res.worst.analytic}, numeric ${res.worst.numeric}; shapes ${c.inputs.map((t) => `[${t.shape}]`).join(' ')}`);
    }
  }), { numRuns: runs, seed: 20261129 });
}

const backends = await engineBackends();

for (const backend of backends) {
  for (const [name, prop] of Object.entries(cases)) {
    test(`[${backend.name}] gradient of primitive ${name} matches float64 central differences`, () => withBackend(backend, () => check(name, prop as GradProperty, 12)));
  }
}

test('every primitive in the table has a gradient check', () => {
  assert.deepEqual(Object.keys(T.primitives).sort(), Object.keys(cases).sort());
});

const composites: Record<string, GradProperty> = {
  logsumexp: { arb: fc.tuple(shapeArb(1), seedArb).map(([s, seed]) => ({ f: (x) => T.logsumexp(x, s.length - 1), inputs: [randomTensor(seed, s)] })) },
  mean: { arb: fc.tuple(shapeArb(1), seedArb).map(([s, seed]) => ({ f: (x) => T.mean(x, 0, true), inputs: [randomTensor(seed, s)] })) },
  mse: binary((a, b) => T.mse(a, T.broadcastTo(b, broadcastShape(a.shape, b.shape)))),
  crossEntropy: {
    arb: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 5 }), seedArb, fc.constantFrom(0, 0.1), fc.boolean(), fc.constantFrom('mean' as const, 'sum' as const, 'none' as const))
      .map(([n, c, seed, ls, weighted, reduction]) => {
        const targets = new Tensor(r.randintValues(r.key(seed + 5), n, 0, c), [n]);
        return {
          f: (logits: Tensor, w: Tensor) => T.crossEntropy(logits, targets, { labelSmoothing: ls, reduction, ...(weighted ? { weight: w } : {}) }),
          inputs: [randomTensor(seed, [n, c]), randomTensor(seed + 1, [c], 0.5, 2)],
        };
      }),
  },
  conv1dDepthwiseCausal: {
    arb: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), seedArb).map(([c, k, len, seed]) => ({
      f: (x, w) => T.conv1d(x, w, { groups: c, padding: [k - 1, 0] }), inputs: [randomTensor(seed, [2, c, len]), randomTensor(seed + 1, [c, 1, k])],
    })),
  },
};

for (const backend of backends) {
  for (const [name, prop] of Object.entries(composites)) {
    test(`[${backend.name}] gradient of composite ${name} matches float64 central differences`, () => withBackend(backend, () => check(name, prop, 10)));
  }
}
