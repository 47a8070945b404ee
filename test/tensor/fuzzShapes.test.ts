// Fuzzed shapes, dtypes, ranks and parameters thrown at every public tensor op on cpu, wasm and native.
// Each draw runs forward and, when it succeeds with a float output, backward (the VJP kernels) on every
// backend. A draw must either fail on every backend with the same TesseraError (kind, op and message) at
// the same stage, or succeed on every backend with the same shape, dtype, values and gradients (cpu is
// the reference). Any other exception — or a crash of the process — fails the suite.
// TESSERA_FUZZ_RUNS / TESSERA_FUZZ_SEED widen or vary the search (defaults keep it to a few seconds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as T from '../../src/tensor/index.js';
import { Tensor } from '../../src/tensor/index.js';
import type { DType, TypedArray } from '../../src/core/dtype.js';
import { TesseraError } from '../../src/core/errors.js';
import * as r from '../../src/core/random.js';
import type { Backend } from '../../src/backend/kernels.js';
import { withBackend } from '../../src/backend/registry.js';
import { engineBackends } from '../support/backends.js';

const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 200);
const SEED = Number(process.env.TESSERA_FUZZ_SEED ?? 20260301);
const backends = await engineBackends();

// ---------------------------------------------------------------- inputs

const FLOATS = ['f32', 'f64'] as const;
const ALL_DTYPES = ['f32', 'f64', 'i32', 'u8', 'u16'] as const;

/** Mostly 1–3, sometimes empty (0) or larger. */
const dim = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3 }), weight: 6 }, { arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 4, max: 6 }), weight: 1 });
const shape = (minRank = 0, maxRank = 4) => fc.array(dim, { minLength: minRank, maxLength: maxRank });
/** Mostly a float dtype, sometimes an integer one. */
const dtype = fc.oneof({ arbitrary: fc.constantFrom(...FLOATS), weight: 5 }, { arbitrary: fc.constantFrom('i32', 'u8', 'u16'), weight: 1 }) as fc.Arbitrary<DType>;
/** A bad value for an integer parameter, or a valid small one. */
const intParam = (min: number, max: number) => fc.oneof({ arbitrary: fc.integer({ min, max }), weight: 8 }, { arbitrary: fc.constantFrom(min - 1, 0.5, NaN, -Infinity), weight: 1 });
/** Mostly null (meaning: the matching value), sometimes a draw of `arb`. */
const rarely = <V>(arb: fc.Arbitrary<V>) => fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: arb, weight: 1 });
/** An axis: valid, negative, out of range or not an integer. */
const axis = fc.oneof({ arbitrary: fc.integer({ min: -4, max: 4 }), weight: 8 }, { arbitrary: fc.constantFrom(1.5, NaN), weight: 1 });

interface Spec { shape: number[]; dtype: DType; seed: number; special: boolean }
const spec = (s: fc.Arbitrary<number[]>, d: fc.Arbitrary<DType> = dtype, specials = false): fc.Arbitrary<Spec> =>
  fc.record({ shape: s, dtype: d, seed: fc.integer({ min: 0, max: 1e6 }), special: specials ? fc.boolean() : fc.constant(false) });

const SPECIALS = [0, -1, NaN, Infinity, -Infinity, 30];

/** Floats uniform in [-2, 2] (every seventh a special value when asked); integers in [-1, 5) for i32, [0, 5) for u8/u16. */
function make(s: Spec): Tensor {
  const n = s.shape.reduce((p, d) => p * d, 1);
  const k = r.key(s.seed);
  if (s.dtype === 'f32' || s.dtype === 'f64') {
    const u = r.uniformValues(k, n, 'f64');
    const data = s.dtype === 'f32' ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = s.special && i % 7 === 3 ? SPECIALS[(s.seed + i) % SPECIALS.length]! : 4 * u[i]! - 2;
    return new Tensor(data, s.shape);
  }
  return T.tensor(r.randintValues(k, n, s.dtype === 'i32' ? -1 : 0, 5), s.shape, s.dtype);
}

/** Shape b: a's shape with some dims set to 1 or dropped (broadcastable), or unrelated. */
const partner = (a: number[]) => fc.oneof(
  { arbitrary: fc.tuple(fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length }), fc.integer({ min: 0, max: a.length })).map(([ones, drop]) => a.map((d, i) => (ones[i] ? 1 : d)).slice(drop)), weight: 4 },
  { arbitrary: shape(), weight: 1 },
);

// ---------------------------------------------------------------- cases

interface Case { op: string; inputs: Tensor[]; f: (...xs: Tensor[]) => Tensor; anomaly?: boolean; what: string }
const show = (x: unknown): string => JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
const describe = (op: string, specs: Spec[], params: unknown) =>
  `${op}(${specs.map((s) => `${s.dtype}[${s.shape.join(',')}]${s.special ? '*' : ''}`).join(', ')}; ${show(params)})`;

const UNARY = ['neg', 'exp', 'log', 'sqrt', 'tanh', 'erf', 'sigmoid', 'relu', 'gelu', 'silu', 'softplus', 'abs', 'sign', 'sin', 'cos'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'] as const;

const unaryCase = fc.tuple(fc.constantFrom(...UNARY), spec(shape(), dtype, true), fc.boolean()).map(([op, s, anomaly]): Case => ({
  op, inputs: [make(s)], f: (x) => (T[op] as (x: Tensor) => Tensor)(x), anomaly, what: describe(op, [s], { anomaly }),
}));

const binaryCase = fc.tuple(fc.constantFrom(...BINARY), spec(shape(), dtype, true), fc.boolean()).chain(([op, a, anomaly]) =>
  spec(partner(a.shape), fc.oneof({ arbitrary: fc.constant(a.dtype), weight: 5 }, { arbitrary: dtype, weight: 1 }), true).map((b): Case => ({
    op, inputs: [make(a), make(b)], f: (x, y) => (T[op] as (a: Tensor, b: Tensor) => Tensor)(x!, y!), anomaly, what: describe(op, [a, b], { anomaly }),
  })));

const whereCase = fc.tuple(spec(shape(0, 3)), fc.boolean()).chain(([a, condIsMask]) =>
  fc.tuple(spec(partner(a.shape)), spec(partner(a.shape), condIsMask ? fc.constant('u8' as DType) : dtype)).map(([b, c]): Case => ({
    op: 'where', inputs: [make(c), make(a), make(b)], f: (cond, x, y) => T.where(condIsMask ? T.greater(cond!, 1) : cond!, x!, y!),
    what: describe('where', [c, a, b], {}),
  })));

const castCase = fc.tuple(spec(shape()), fc.constantFrom<string>(...ALL_DTYPES, 'f16')).map(([s, to]): Case => ({
  op: 'cast', inputs: [make(s)], f: (x) => T.cast(x!, to as DType), what: describe('cast', [s], { to }),
}));

const axesParam = fc.oneof(fc.constant(undefined), axis, fc.array(axis, { maxLength: 3 }));
const reduceCase = fc.tuple(fc.constantFrom('sum', 'max', 'mean', 'logsumexp'), spec(shape(), dtype, true), axesParam, fc.boolean()).map(([op, s, axes, keep]): Case => ({
  op, inputs: [make(s)], f: (x) => (T[op] as (x: Tensor, a?: number | number[], k?: boolean) => Tensor)(x!, axes, keep), what: describe(op, [s], { axes, keep }),
}));

const softmaxCase = fc.tuple(fc.constantFrom('softmax', 'logSoftmax'), spec(shape(), dtype, true), axis).map(([op, s, ax]): Case => ({
  op, inputs: [make(s)], f: (x) => T[op](x!, ax), what: describe(op, [s], { axis: ax }),
}));

const matmulCase = fc.record({
  batchA: shape(0, 2), batchB: shape(0, 2), m: dim, k: dim, n: dim, kb: fc.oneof({ arbitrary: fc.constant(-1), weight: 4 }, { arbitrary: dim, weight: 1 }),
  transA: fc.boolean(), transB: fc.boolean(), rankA: fc.constantFrom(2, 2, 2, 1, 0), dtA: dtype, dtB: fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: dtype, weight: 1 }),
  seed: fc.integer({ min: 0, max: 1e6 }),
}).map((c): Case => {
  const kb = c.kb < 0 ? c.k : c.kb;
  const a: Spec = { shape: [...c.batchA, ...(c.transA ? [c.k, c.m] : [c.m, c.k])].slice(2 - c.rankA), dtype: c.dtA, seed: c.seed, special: false };
  const b: Spec = { shape: [...c.batchB, ...(c.transB ? [c.n, kb] : [kb, c.n])], dtype: c.dtB ?? c.dtA, seed: c.seed + 1, special: false };
  return { op: 'matmul', inputs: [make(a), make(b)], f: (x, y) => T.matmul(x!, y!, { transA: c.transA, transB: c.transB }), what: describe('matmul', [a, b], { transA: c.transA, transB: c.transB }) };
});

const pairParam = (min: number, max: number) => fc.oneof(intParam(min, max), fc.tuple(intParam(min, max), intParam(min, max)));
const convCase = fc.record({
  n: dim, groups: fc.oneof({ arbitrary: fc.constantFrom(1, 1, 2), weight: 6 }, { arbitrary: intParam(0, 3), weight: 1 }), cInG: fc.integer({ min: 1, max: 2 }), cOutG: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }), kh: fc.integer({ min: 0, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
  stride: fc.option(pairParam(1, 3)), padding: fc.option(fc.oneof(intParam(0, 2), fc.tuple(intParam(0, 2), intParam(0, 2)), fc.tuple(intParam(0, 2), intParam(0, 2), intParam(0, 2), intParam(0, 2)))),
  dilation: fc.option(pairParam(1, 2)), xRank: fc.constantFrom(4, 4, 4, 4, 3, 5), dt: dtype, dtW: rarely(dtype),
  seed: fc.integer({ min: 0, max: 1e6 }),
}).map((c): Case => {
  const g = Number.isInteger(c.groups) && c.groups > 0 ? c.groups : 1;
  const xs: Spec = { shape: [c.n, c.cInG * g, c.h, c.w, 2].slice(0, c.xRank), dtype: c.dt, seed: c.seed, special: false };
  const ws: Spec = { shape: [c.cOutG * g, c.cInG, c.kh, c.kw], dtype: c.dtW ?? c.dt, seed: c.seed + 1, special: false };
  const options = { groups: c.groups, ...(c.stride === null ? {} : { stride: c.stride }), ...(c.padding === null ? {} : { padding: c.padding }), ...(c.dilation === null ? {} : { dilation: c.dilation }) } as T.Conv2dOptions;
  return { op: 'conv2d', inputs: [make(xs), make(ws)], f: (x, w) => T.conv2d(x!, w!, options), what: describe('conv2d', [xs, ws], options) };
});

const conv1dCase = fc.record({
  n: dim, c: fc.integer({ min: 1, max: 3 }), len: fc.integer({ min: 1, max: 8 }), k: fc.integer({ min: 1, max: 4 }), depthwise: fc.boolean(),
  stride: fc.option(intParam(1, 2)), padding: fc.option(fc.oneof(intParam(0, 3), fc.tuple(intParam(0, 3), intParam(0, 3)))), dilation: fc.option(intParam(1, 2)),
  seed: fc.integer({ min: 0, max: 1e6 }),
}).map((c): Case => {
  const xs: Spec = { shape: [c.n, c.c, c.len], dtype: 'f32', seed: c.seed, special: false };
  const ws: Spec = { shape: [c.c, c.depthwise ? 1 : c.c, c.k], dtype: 'f32', seed: c.seed + 1, special: false };
  const options = { groups: c.depthwise ? c.c : 1, ...(c.stride === null ? {} : { stride: c.stride }), ...(c.padding === null ? {} : { padding: c.padding }), ...(c.dilation === null ? {} : { dilation: c.dilation }) } as T.Conv1dOptions;
  return { op: 'conv1d', inputs: [make(xs), make(ws)], f: (x, w) => T.conv1d(x!, w!, options), what: describe('conv1d', [xs, ws], options) };
});

const poolCase = fc.record({
  op: fc.constantFrom('maxPool2d', 'avgPool2d'), x: spec(fc.tuple(dim, dim, fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 })).chain((s) => fc.constantFrom(s, s, s, s.slice(1))), dtype, true),
  kernelSize: pairParam(1, 4), stride: fc.option(pairParam(1, 3)), padding: fc.option(pairParam(0, 2)),
}).map((c): Case => {
  const options = { kernelSize: c.kernelSize, ...(c.stride === null ? {} : { stride: c.stride }), ...(c.padding === null ? {} : { padding: c.padding }) } as T.Pool2dOptions;
  return { op: c.op, inputs: [make(c.x)], f: (x) => T[c.op as 'maxPool2d'](x!, options), what: describe(c.op, [c.x], options) };
});

const batchNormCase = fc.record({ x: spec(shape(1, 4), dtype, true), wc: rarely(dim), bc: rarely(dim), dtW: rarely(dtype), eps: fc.constantFrom(1e-5, 1e-5, 0, -1, NaN) })
  .map((c): Case => {
    const ch = c.x.shape[1] ?? 1;
    const ws: Spec = { shape: [c.wc ?? ch], dtype: c.dtW ?? c.x.dtype, seed: c.x.seed + 1, special: false };
    const bs: Spec = { shape: [c.bc ?? ch], dtype: c.x.dtype, seed: c.x.seed + 2, special: false };
    return { op: 'batchNorm', inputs: [make(c.x), make(ws), make(bs)], f: (x, w, b) => T.batchNorm(x!, w!, b!, c.eps), what: describe('batchNorm', [c.x, ws, bs], { eps: c.eps }) };
  });

const crossEntropyCase = fc.record({
  n: dim, c: dim, logitsRank: fc.constantFrom(2, 2, 2, 1, 3), dt: dtype, targetN: rarely(dim), targetDtype: fc.constantFrom<DType>('i32', 'i32', 'u8', 'f32'),
  high: fc.constantFrom(0, 0, 0, 1, -2), weighted: fc.boolean(), weightC: rarely(dim), labelSmoothing: fc.constantFrom(0, 0, 0.1, 1, 1.5, -0.1, NaN),
  reduction: fc.constantFrom('mean', 'sum', 'none', 'avg'), ignoreIndex: fc.constantFrom(undefined, undefined, -100, 0), fused: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }),
}).map((c): Case => {
  const ls: Spec = { shape: [c.n, c.c, 2].slice(0, c.logitsRank), dtype: c.dt, seed: c.seed, special: false };
  const n = c.targetN ?? c.n;
  // class indices in [0, C) widened by `high` (out of range above or below)
  const raw = r.randintValues(r.key(c.seed + 3), n, Math.min(0, c.high), Math.max(1, c.c + Math.max(0, c.high)));
  const targets = c.targetDtype === 'f32' ? T.tensor(Float32Array.from(raw), [n]) : T.tensor(raw.map((v) => (c.targetDtype === 'u8' ? Math.max(v, 0) : v)), [n], c.targetDtype);
  const ws: Spec = { shape: [c.weightC ?? c.c], dtype: c.dt, seed: c.seed + 4, special: false };
  if (c.fused) {
    return { op: 'softmaxCrossEntropy', inputs: [make(ls)], f: (logits) => T.softmaxCrossEntropy(logits!, targets), what: `${describe('softmaxCrossEntropy', [ls], {})} targets ${c.targetDtype} [${targets.toArray()}]` };
  }
  const options = { labelSmoothing: c.labelSmoothing, reduction: c.reduction as T.Reduction, ...(c.ignoreIndex === undefined ? {} : { ignoreIndex: c.ignoreIndex }) };
  return {
    op: 'crossEntropy', inputs: [make(ls), make(ws)], f: (logits, w) => T.crossEntropy(logits!, targets, { ...options, ...(c.weighted ? { weight: w! } : {}) }),
    what: `${describe('crossEntropy', [ls, ws], { ...options, weighted: c.weighted })} targets ${c.targetDtype} [${targets.toArray()}]`,
  };
});

const fanInCase = fc.record({
  batch: dim, inF: dim, outF: dim, fanIn: dim, dt: dtype, dtV: rarely(dtype), idxDtype: fc.constantFrom<DType>('i32', 'u16', 'u16', 'f32'),
  overshoot: fc.constantFrom(0, 0, 0, 1, -1), xRank: fc.constantFrom(2, 2, 2, 1, 3), idxShapeOff: fc.constantFrom(0, 0, 0, 1), seed: fc.integer({ min: 0, max: 1e6 }),
}).map((c): Case => {
  const xs: Spec = { shape: [c.batch, c.inF, 2].slice(0, c.xRank), dtype: c.dt, seed: c.seed, special: false };
  const vs: Spec = { shape: [c.outF, c.fanIn], dtype: c.dtV ?? c.dt, seed: c.seed + 1, special: false };
  const idxShape = [c.outF, c.fanIn + c.idxShapeOff];
  const raw = r.randintValues(r.key(c.seed + 2), idxShape[0]! * idxShape[1]!, c.overshoot < 0 ? -1 : 0, Math.max(1, c.inF + c.overshoot));
  const idx = T.tensor(raw, idxShape, 'i32');
  const indices = c.idxDtype === 'f32' ? T.cast(idx, 'f32') : c.idxDtype === 'u16' && c.overshoot >= 0 ? T.cast(idx, 'u16') : idx;
  return { op: 'fanInMatmul', inputs: [make(xs), make(vs)], f: (x, v) => T.fanInMatmul(x!, v!, indices), what: `${describe('fanInMatmul', [xs, vs], {})} indices ${indices.dtype} [${indices.shape}] = [${indices.toArray()}]` };
});

const movementCase = fc.oneof(
  fc.tuple(spec(shape()), fc.array(fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constant(1.5)), { maxLength: 4 })).map(([s, to]): Case => ({ op: 'reshape', inputs: [make(s)], f: (x) => T.reshape(x!, to), what: describe('reshape', [s], to) })),
  fc.tuple(spec(shape()), fc.option(fc.array(axis, { maxLength: 5 }))).map(([s, perm]): Case => ({ op: 'transpose', inputs: [make(s)], f: (x) => T.transpose(x!, perm ?? undefined), what: describe('transpose', [s], perm) })),
  fc.tuple(spec(shape()), shape()).map(([s, to]): Case => ({ op: 'broadcastTo', inputs: [make(s)], f: (x) => T.broadcastTo(x!, to), what: describe('broadcastTo', [s], to) })),
  fc.tuple(spec(shape(1)), fc.array(fc.integer({ min: -4, max: 5 }), { maxLength: 4 }), fc.array(fc.option(fc.integer({ min: -4, max: 6 })), { maxLength: 4 }), fc.array(intParam(1, 3), { maxLength: 4 }))
    .map(([s, starts, ends, steps]): Case => ({ op: 'slice', inputs: [make(s)], f: (x) => T.slice(x!, starts, ends.map((e) => e ?? undefined), steps), what: describe('slice', [s], { starts, ends, steps }) })),
  fc.tuple(spec(shape()), fc.array(fc.tuple(intParam(0, 2), intParam(0, 2)), { maxLength: 5 }), fc.constantFrom(0, -1.5)).map(([s, pads, value]): Case => ({ op: 'pad', inputs: [make(s)], f: (x) => T.pad(x!, pads, value), what: describe('pad', [s], { pads, value }) })),
  fc.tuple(spec(shape(1)), fc.integer({ min: 1, max: 3 }), axis, fc.boolean(), fc.boolean()).chain(([s, count, ax, stack, mismatch]) =>
    fc.array(spec(mismatch ? shape(1) : fc.constant(s.shape), mismatch ? dtype : fc.constant(s.dtype)), { minLength: count - 1, maxLength: count - 1 }).map((rest): Case => ({
      op: stack ? 'stack' : 'concat', inputs: [s, ...rest].map(make), f: (...xs) => (stack ? T.stack(xs, ax) : T.concat(xs, ax)), what: describe(stack ? 'stack' : 'concat', [s, ...rest], { axis: ax }),
    }))),
  fc.tuple(spec(shape()), fc.option(fc.oneof(axis, fc.array(axis, { maxLength: 2 })))).map(([s, axes]): Case => ({ op: 'squeeze', inputs: [make(s)], f: (x) => T.squeeze(x!, axes ?? undefined), what: describe('squeeze', [s], axes) })),
  fc.tuple(spec(shape()), axis).map(([s, ax]): Case => ({ op: 'expandDims', inputs: [make(s)], f: (x) => T.expandDims(x!, ax), what: describe('expandDims', [s], ax) })),
);

const indexCase = fc.oneof(
  fc.tuple(spec(shape(1)), spec(shape(0, 2), fc.constantFrom<DType>('i32', 'i32', 'u8', 'f32')), axis).map(([s, is, ax]): Case => ({ op: 'take', inputs: [make(s), make(is)], f: (x, i) => T.take(x!, i!, ax), what: describe('take', [s, is], ax) })),
  fc.tuple(spec(shape(1, 3)), axis, fc.boolean(), fc.boolean()).chain(([s, ax, scatter, sameRank]) =>
    spec(sameRank ? fc.constant(s.shape.map((d) => Math.max(d, 1))) : shape(1, 3), fc.constantFrom<DType>('i32', 'i32', 'f32')).chain((is) => spec(fc.constant(is.shape)).map((us): Case => {
      const inputs = [make(s), make(is), make(us)];
      return scatter
        ? { op: 'scatterAdd', inputs, f: (x, i, u) => T.scatterAdd(x!, i!, u!, ax), what: describe('scatterAdd', [s, is, us], ax) }
        : { op: 'takeAlongAxis', inputs, f: (x, i) => T.takeAlongAxis(x!, i!, ax), what: describe('takeAlongAxis', [s, is], ax) };
    }))),
  fc.tuple(spec(shape()), axis, fc.boolean()).map(([s, ax, rev]): Case => ({ op: 'cumsum', inputs: [make(s)], f: (x) => T.cumsum(x!, ax, rev), what: describe('cumsum', [s], { axis: ax, reverse: rev }) })),
  fc.tuple(spec(shape(0, 3))).chain(([a]) => spec(partner(a.shape)).map((b): Case => ({ op: 'mse', inputs: [make(a), make(b)], f: (x, y) => T.mse(x!, y!), what: describe('mse', [a, b], {}) }))),
);

// ---------------------------------------------------------------- outcomes

interface Failure { ok: false; stage: string; kind: string; op: string; message: string }
type Outcome = Failure | { ok: true; shape: readonly number[]; dtype: DType; values: TypedArray; grads: Failure | TypedArray[] };

function failure(stage: string, e: unknown, c: Case, backend: string): Failure {
  if (!(e instanceof TesseraError)) assert.fail(`${c.what} on ${backend}: ${stage} threw a non-TesseraError: ${e instanceof Error ? e.stack : String(e)}`);
  return { ok: false, stage, kind: e.kind, op: e.op, message: e.message };
}

function run(c: Case, backend: Backend): Outcome {
  return withBackend(backend, () => {
    let out: Tensor, pullback: (g: Tensor) => Tensor[];
    try {
      [out, pullback] = c.anomaly ? T.detectAnomaly(() => T.vjp(c.f, ...c.inputs)) : T.vjp(c.f, ...c.inputs);
    } catch (e) {
      return failure('forward', e, c, backend.name);
    }
    let grads: Failure | TypedArray[] = [];
    if (out.dtype === 'f32' || out.dtype === 'f64') {
      const cot = new Tensor(out.dtype === 'f32' ? new Float32Array(out.size) : new Float64Array(out.size), out.shape);
      for (let i = 0; i < cot.size; i++) cot.data[i] = ((i * 7) % 5) / 2 - 1;
      try {
        grads = (c.anomaly ? T.detectAnomaly(() => pullback(cot)) : pullback(cot)).map((g) => g.data);
      } catch (e) {
        grads = failure('backward', e, c, backend.name);
      }
    }
    return { ok: true, shape: out.shape, dtype: out.dtype, values: out.data, grads };
  });
}

/** max |got − want| / max(1, max |want|) over finite entries; non-finite entries must match exactly. */
function mismatch(got: TypedArray, want: TypedArray): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  let scale = 1, err = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (!(g === w || (Number.isNaN(g) && Number.isNaN(w)))) return `[${i}] ${g} vs ${w}`;
      continue;
    }
    scale = Math.max(scale, Math.abs(w));
    err = Math.max(err, Math.abs(g - w));
  }
  const tol = got instanceof Float32Array ? 2e-5 : got instanceof Float64Array ? 1e-12 : 0;
  return err / scale <= tol ? null : `relative error ${err / scale} > ${tol}`;
}

function sameOutcome(c: Case, name: string, got: Outcome, want: Outcome): void {
  const where = `${c.what}: ${name} vs cpu`;
  if (!want.ok || !got.ok) {
    const brief = (o: Outcome) => (o.ok ? `success [${o.shape}] ${o.dtype}` : `${o.stage} ${o.kind} error «${o.message}»`);
    assert.deepEqual(got.ok ? brief(got) : { stage: got.stage, kind: got.kind, op: got.op, message: got.message },
      want.ok ? brief(want) : { stage: want.stage, kind: want.kind, op: want.op, message: want.message }, where);
    return;
  }
  assert.deepEqual([got.shape, got.dtype], [want.shape, want.dtype], `${where}: shape and dtype`);
  const bad = mismatch(got.values, want.values);
  assert.equal(bad, null, `${where}: values ${bad}`);
  if (!Array.isArray(want.grads) || !Array.isArray(got.grads)) {
    assert.deepEqual(got.grads, want.grads, `${where}: backward outcome`);
    return;
  }
  want.grads.forEach((g, i) => {
    const badGrad = mismatch((got.grads as TypedArray[])[i]!, g);
    assert.equal(badGrad, null, `${where}: gradient of input ${i} ${badGrad}`);
  });
}

const families: [string, fc.Arbitrary<Case>, number][] = [
  ['unary elementwise (with anomaly detection on half the draws)', unaryCase, 2],
  ['binary elementwise and comparisons with non-broadcastable shapes and mixed dtypes', binaryCase, 2],
  ['where and cast', fc.oneof(whereCase, castCase), 1],
  ['reductions with bad axes', reduceCase, 1],
  ['softmax and logSoftmax with bad axes', softmaxCase, 1],
  ['matmul with wrong ranks, inner dimensions, batch dims and dtypes', matmulCase, 1],
  ['conv2d with bad shapes and parameters', convCase, 2],
  ['conv1d with bad parameters', conv1dCase, 1],
  ['max/avg pooling with bad shapes and parameters', poolCase, 1],
  ['batchNorm with mismatched weight, bias and eps', batchNormCase, 1],
  ['crossEntropy and softmaxCrossEntropy with bad targets and options', crossEntropyCase, 2],
  ['fanInMatmul with bad indices, shapes and dtypes', fanInCase, 1],
  ['movement ops with bad shapes, perms, slices, pads and axes', movementCase, 2],
  ['indexing ops and mse with bad indices and axes', indexCase, 1],
];

for (const [name, arb, weight] of families) {
  test(`fuzz: ${name} — the same TesseraError or the same result on ${backends.map((b) => b.name).join(', ')}`, (t) => {
    const tally = { ok: 0, failed: 0 };
    fc.assert(fc.property(arb, (c) => {
      const want = run(c, backends[0]!);
      tally[want.ok ? 'ok' : 'failed']++;
      for (const b of backends.slice(1)) sameOutcome(c, b.name, run(c, b), want);
    }), { numRuns: RUNS * weight, seed: SEED, includeErrorInReport: true });
    t.diagnostic(`${tally.ok} draws succeeded, ${tally.failed} raised a TesseraError`);
    // Both branches are exercised: a fuzzer that only ever errors (or never does) tests little.
    assert.ok(tally.ok > 0 && tally.failed > 0, `${name}: ${tally.ok} successes, ${tally.failed} errors`);
  });
}
