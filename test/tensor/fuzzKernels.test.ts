// The raw Backend kernels called directly, below the tensor layer's checks, with one defect at a time:
// an array one element too short, an array of the other float dtype, an integer parameter that is
// negative, fractional, NaN or beyond 32 bits, or off by one. The native backend (and wasm for the kernels
// it accelerates) must answer every defect that would make a kernel touch memory it was not given with a
// TesseraError, and answer every other call with a TesseraError or the cpu reference's result — never
// another exception, never a crash. Each undamaged call must succeed and equal the cpu reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FloatArray, TypedArray } from '../../src/core/dtype.js';
import { TesseraError } from '../../src/core/errors.js';
import * as r from '../../src/core/random.js';
import type { Backend } from '../../src/backend/kernels.js';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import { engineBackends } from '../support/backends.js';

const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 200);
const SEED = Number(process.env.TESSERA_FUZZ_SEED ?? 20260302);
const accelerated = (await engineBackends()).filter((b) => b.name !== 'cpu');

type Params = Record<string, unknown>;
/** A kernel call: parameters (integers and shapes that mutations may damage), arrays, and how to run it. */
interface Call {
  params: Params;
  arrays: Record<string, TypedArray>;
  /** Outputs compared with the cpu reference (default: the arrays the kernel writes, see `outputs`). */
  outputs: string[];
  run(b: Backend, p: Params, a: Record<string, TypedArray>): TypedArray | void;
}
interface Kernel {
  name: string;
  /** Backends beside native that own this kernel (wasm accelerates f32 GEMM, conv and fan-in). */
  wasm: boolean;
  make(seed: number, d: number[], f64: boolean): Call;
  /** Arrays whose length the kernel reads from the array itself (shortening them is not a defect). */
  sized?: string[];
  /** Arrays that may mix float dtypes (the backend then defers to the cpu reference). */
  mixable?: string[];
  /** Kernel-specific defects beside the generic ones. */
  extra?: (call: Call, backend: string) => Defect[];
}

function floats(seed: number, n: number, f64: boolean, lo = -2, hi = 2): FloatArray {
  const u = r.uniformValues(r.key(seed), n, 'f64');
  const out = f64 ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * u[i]!;
  return out;
}
const zeros = (n: number, f64: boolean): FloatArray => (f64 ? new Float64Array(n) : new Float32Array(n));
const F = (a: TypedArray) => a as FloatArray;
const I = (v: unknown) => v as number;

const kernels: Kernel[] = [
  {
    name: 'gemm', wasm: true,
    extra: (c) => [
      { what: 'a negative batch offset', mustFail: true, params: c.params, arrays: { ...c.arrays, aOffsets: Int32Array.from(c.arrays.aOffsets!, (o, t) => (t === 0 ? -1 : o)) } },
      { what: 'a batch offset past b', mustFail: true, params: c.params, arrays: { ...c.arrays, bOffsets: c.arrays.bOffsets!.map((o, t, all) => (t === all.length - 1 ? o + 1 : o)) } },
      { what: 'one batch offset too few', mustFail: true, params: c.params, arrays: { ...c.arrays, aOffsets: c.arrays.aOffsets!.subarray(1) } },
    ],
    make: (s, [m, n, k, batch], f64) => ({
      params: { m, n, k, batch },
      arrays: { a: floats(s, batch! * m! * k!, f64), b: floats(s + 1, batch! * k! * n!, f64), c: zeros(batch! * m! * n!, f64), aOffsets: Int32Array.from({ length: batch! }, (_, t) => t * m! * k!), bOffsets: Int32Array.from({ length: batch! }, (_, t) => t * k! * n!) },
      outputs: ['c'],
      run: (b, p, a) => b.gemm({ m: I(p.m), n: I(p.n), k: I(p.k), batch: I(p.batch), transA: s % 2 === 0, transB: s % 3 === 0, aOffsets: a.aOffsets as Int32Array, bOffsets: a.bOffsets as Int32Array }, F(a.a!), F(a.b!), F(a.c!)),
    }),
  },
  ...(['conv2d', 'conv2dBackwardInput', 'conv2dBackwardFilter'] as const).map((name): Kernel => ({
    name, wasm: true,
    make: (s, [n, c, h, k], f64) => {
      const p = { n, cIn: c! * 2, h: h! + 2, w: h! + 3, cOut: 2, kh: k, kw: 2, strideH: 1 + (s % 2), strideW: 1, padTop: 1, padBottom: 0, padLeft: 0, padRight: 1, dilationH: 1, dilationW: 1 + (s % 2), groups: 2, outH: 0, outW: 0 };
      p.outH = Math.floor((p.h + 1 - (k! - 1) - 1) / p.strideH) + 1;
      p.outW = Math.floor((p.w + 1 - p.dilationW - 1) / 1) + 1;
      const xs = n! * p.cIn * p.h * p.w, ws = p.cOut * c! * k! * 2, ys = n! * p.cOut * p.outH * p.outW;
      const arrays = name === 'conv2d' ? { x: floats(s, xs, f64), weight: floats(s + 1, ws, f64), y: zeros(ys, f64) }
        : name === 'conv2dBackwardInput' ? { dy: floats(s, ys, f64), weight: floats(s + 1, ws, f64), dx: zeros(xs, f64) }
          : { x: floats(s, xs, f64), dy: floats(s + 1, ys, f64), dweight: zeros(ws, f64) } as Record<string, TypedArray>;
      const [first, second, out] = Object.keys(arrays) as [string, string, string];
      return { params: p, arrays, outputs: [out], run: (b, q, a) => b[name](q as never, F(a[first]!), F(a[second]!), F(a[out]!)) };
    },
  })),
  ...(['fanInMatmul', 'fanInMatmulFeatureMajor'] as const).map((name): Kernel => ({
    name, wasm: true,
    extra: (c) => [
      { what: 'an index = inFeatures', mustFail: true, params: c.params, arrays: { ...c.arrays, indices: c.arrays.indices!.map((v, k) => (k === c.arrays.indices!.length - 1 ? I(c.params.inFeatures) : v)) } },
      { what: 'float indices', mustFail: true, params: c.params, arrays: { ...c.arrays, indices: Float32Array.from(c.arrays.indices!) } },
      ...(c.arrays.indices instanceof Int32Array ? [{ what: 'an index -1', mustFail: true, params: c.params, arrays: { ...c.arrays, indices: c.arrays.indices.map((v, k) => (k === 0 ? -1 : v)) } }] : []),
    ],
    make: (s, [batch, inF, outF, fanIn], f64) => ({
      params: { batch, inFeatures: inF, outFeatures: outF, fanIn },
      arrays: { x: floats(s, batch! * inF!, f64), values: floats(s + 1, outF! * fanIn!, f64), indices: s % 2 ? Uint16Array.from(r.randintValues(r.key(s + 2), outF! * fanIn!, 0, inF!)) : r.randintValues(r.key(s + 2), outF! * fanIn!, 0, inF!), y: zeros(batch! * outF!, f64) },
      outputs: ['y'],
      run: (b, p, a) => b[name]({ batch: I(p.batch), inFeatures: I(p.inFeatures), outFeatures: I(p.outFeatures), fanIn: I(p.fanIn) }, F(a.x!), F(a.values!), a.indices as Int32Array, F(a.y!)),
    }),
  })),
  ...(['maxPool2d', 'avgPool2d', 'maxPool2dBackward', 'avgPool2dBackward'] as const).map((name): Kernel => ({
    name, wasm: false,
    make: (s, [n, c, h, k], f64) => {
      const p = { n, c, h: h! + 1, w: h! + 2, kh: k, kw: 2, strideH: 1 + (s % 2), strideW: 2, padH: Math.floor(k! / 2), padW: 1, outH: 0, outW: 0 };
      p.outH = Math.floor((p.h + 2 * p.padH - k!) / p.strideH) + 1;
      p.outW = Math.floor((p.w + 2 - 2) / 2) + 1;
      const xs = n! * c! * p.h * p.w, ys = n! * c! * p.outH * p.outW;
      const arrays: Record<string, TypedArray> = name === 'maxPool2d' || name === 'avgPool2d' ? { x: floats(s, xs, f64), y: zeros(ys, f64) }
        : name === 'maxPool2dBackward' ? { x: floats(s, xs, f64), dy: floats(s + 1, ys, f64), dx: zeros(xs, f64) } : { dy: floats(s + 1, ys, f64), dx: zeros(xs, f64) };
      const keys = Object.keys(arrays);
      return { params: p, arrays, outputs: [keys.at(-1)!], run: (b, q, a) => (b[name] as (...args: unknown[]) => void)(q, ...keys.map((key) => a[key])) };
    },
  })),
  {
    name: 'batchNormForward', wasm: false,
    make: (s, [n, c, sp], f64) => ({
      params: { n: n! + 1, c, s: sp },
      arrays: { x: floats(s, (n! + 1) * c! * sp!, f64), weight: floats(s + 1, c!, f64), bias: floats(s + 2, c!, f64), y: zeros((n! + 1) * c! * sp!, f64) },
      outputs: ['y'],
      run: (b, p, a) => b.batchNormForward(F(a.x!), F(a.weight!), F(a.bias!), 1e-5, { n: I(p.n), c: I(p.c), s: I(p.s) }, F(a.y!)),
    }),
  },
  {
    name: 'batchNormBackward', wasm: false,
    make: (s, [n, c, sp], f64) => {
      const size = (n! + 1) * c! * sp!;
      return {
        params: { n: n! + 1, c, s: sp },
        arrays: { x: floats(s, size, f64), weight: floats(s + 1, c!, f64), g: floats(s + 2, size, f64), dx: zeros(size, f64), dweight: zeros(c!, f64), dbias: zeros(c!, f64) },
        outputs: ['dx', 'dweight', 'dbias'],
        run: (b, p, a) => b.batchNormBackward(F(a.x!), F(a.weight!), 1e-5, { n: I(p.n), c: I(p.c), s: I(p.s) }, F(a.g!), F(a.dx!), F(a.dweight!), F(a.dbias!)),
      };
    },
  },
  {
    name: 'unary', wasm: false,
    make: (s, [n, m], f64) => ({ params: {}, arrays: { x: floats(s, n! * m!, f64), out: zeros(n! * m!, f64) }, outputs: ['out'], run: (b, _p, a) => b.unary((['exp', 'tanh', 'gelu', 'relu'] as const)[s % 4]!, a.x!, a.out!) }),
  },
  {
    name: 'binary', wasm: false, mixable: ['a', 'b'],
    extra: (c) => [{ what: 'bShape not broadcasting to outShape', mustFail: true, params: { ...c.params, bShape: [(c.params.bShape as number[])[0]! + 1, 1] }, arrays: { ...c.arrays, b: new (c.arrays.b!.constructor as Float64ArrayConstructor)(c.arrays.b!.length + 1) } }],
    make: (s, [n, m, k], f64) => {
      const aShape = [n!, m!, k!], bShape = [m!, 1];
      return {
        params: { aShape, bShape, outShape: [n!, m!, k!] },
        arrays: { a: floats(s, n! * m! * k!, f64), b: floats(s + 1, m!, f64), out: zeros(n! * m! * k!, f64) },
        outputs: ['out'],
        run: (b, p, a) => b.binary((['add', 'mul', 'maximum', 'pow'] as const)[s % 4]!, a.a!, p.aShape as number[], a.b!, p.bShape as number[], a.out!, p.outShape as number[]),
      };
    },
  },
  {
    name: 'reluBackward', wasm: false,
    make: (s, [n, m], f64) => ({ params: {}, arrays: { g: floats(s, n! * m!, f64), x: floats(s + 1, n! * m!, f64), out: zeros(n! * m!, f64) }, outputs: ['out'], run: (b, _p, a) => b.reluBackward(a.g!, a.x!, a.out!) }),
    sized: ['out'],
  },
  ...(['reduceSum', 'reduceMax'] as const).map((name): Kernel => ({
    name, wasm: false, mixable: ['x', 'out'],
    extra: (c) => [
      { what: 'axis = rank', mustFail: true, params: { ...c.params, axes: [3] }, arrays: c.arrays },
      { what: 'axis -1', mustFail: true, params: { ...c.params, axes: [-1] }, arrays: c.arrays },
    ],
    make: (s, [n, m, k], f64) => ({
      params: { shape: [n!, m!, k!], axes: s % 2 ? [1] : [0, 2] },
      arrays: { x: floats(s, n! * m! * k!, f64), out: zeros(s % 2 ? n! * k! : m!, f64) },
      outputs: ['out'],
      run: (b, p, a) => b[name](a.x!, p.shape as number[], p.axes as number[], a.out!),
    }),
  })),
  {
    name: 'softmax', wasm: false,
    make: (s, [outer, n, inner], f64) => ({
      params: { outer, n, inner }, arrays: { x: floats(s, outer! * n! * inner!, f64), out: zeros(outer! * n! * inner!, f64) }, outputs: ['out'],
      run: (b, p, a) => b.softmax({ outer: I(p.outer), n: I(p.n), inner: I(p.inner) }, s % 2 === 0, F(a.x!), F(a.out!)),
    }),
  },
  {
    name: 'softmaxBackward', wasm: false,
    make: (s, [outer, n, inner], f64) => {
      const size = outer! * n! * inner!;
      return {
        params: { outer, n, inner }, arrays: { y: floats(s, size, f64, 0, 1), g: floats(s + 1, size, f64), dx: zeros(size, f64) }, outputs: ['dx'],
        run: (b, p, a) => b.softmaxBackward({ outer: I(p.outer), n: I(p.n), inner: I(p.inner) }, s % 2 === 0, F(a.y!), F(a.g!), F(a.dx!)),
      };
    },
  },
  ...(['softmaxCrossEntropy', 'softmaxCrossEntropyBackward'] as const).map((name): Kernel => ({
    name, wasm: false,
    make: (s, [rows, classes], f64) => {
      const arrays: Record<string, TypedArray> = { logits: floats(s, rows! * classes!, f64), labels: r.randintValues(r.key(s + 1), rows!, 0, classes!) };
      if (name === 'softmaxCrossEntropyBackward') arrays.g = floats(s + 2, rows!, f64);
      arrays.out = zeros(name === 'softmaxCrossEntropy' ? rows! : rows! * classes!, f64);
      return {
        params: { rows, classes }, arrays, outputs: ['out'],
        run: (b, p, a) => (name === 'softmaxCrossEntropy' ? b.softmaxCrossEntropy(I(p.rows), I(p.classes), F(a.logits!), a.labels as Int32Array, F(a.out!))
          : b.softmaxCrossEntropyBackward(I(p.rows), I(p.classes), F(a.logits!), a.labels as Int32Array, F(a.g!), F(a.out!))),
      };
    },
  })),
  {
    name: 'cholesky', wasm: false,
    make: (s, [n]) => {
      const nn = n! + 1, g = floats(s, nn * nn, true), a = new Float64Array(nn * nn);
      for (let i = 0; i < nn; i++) for (let j = 0; j < nn; j++) { let v = i === j ? nn : 0; for (let t = 0; t < nn; t++) v += g[i * nn + t]! * g[j * nn + t]!; a[i * nn + j] = v; }
      return { params: { n: nn }, arrays: { a }, outputs: ['result'], run: (b, p, x) => b.cholesky(x.a as Float64Array, I(p.n)) };
    },
  },
  {
    name: 'solveTriangular', wasm: false,
    make: (s, [n, m]) => {
      const l = floats(s, n! * n!, true);
      for (let i = 0; i < n!; i++) { l[i * n! + i] = 2 + Math.abs(l[i * n! + i]!); for (let j = i + 1; j < n!; j++) l[i * n! + j] = 0; }
      return { params: { n, m }, arrays: { l, b: floats(s + 1, n! * m!, true) }, outputs: ['result'], run: (b, p, x) => b.solveTriangular(x.l as Float64Array, x.b as Float64Array, I(p.n), I(p.m), s % 2 === 0) };
    },
  },
  {
    name: 'eighSym', wasm: false,
    make: (s, [n]) => {
      const g = floats(s, n! * n!, true), a = new Float64Array(n! * n!);
      for (let i = 0; i < n!; i++) for (let j = 0; j < n!; j++) a[i * n! + j] = g[i * n! + j]! + g[j * n! + i]!;
      return { params: { n }, arrays: { a }, outputs: ['result'], run: (b, p, x) => b.eighSym(x.a as Float64Array, I(p.n)).values };
    },
  },
];

// ---------------------------------------------------------------- defects

interface Defect { what: string; mustFail: boolean; params: Params; arrays: Record<string, TypedArray> }

const otherFloat = (a: TypedArray): TypedArray => (a instanceof Float32Array ? Float64Array.from(a) : Float32Array.from(a));
const BAD_INTS: [number, boolean][] = [[-1, true], [0.5, true], [NaN, true], [2 ** 31, true], [1, false]];

function defects(kernel: Kernel, call: Call, backend: string): Defect[] {
  const out: Defect[] = [];
  for (const [name, a] of Object.entries(call.arrays)) {
    if (a.length > 0) out.push({ what: `${name} one element short`, mustFail: !kernel.sized?.includes(name), params: call.params, arrays: { ...call.arrays, [name]: a.subarray(0, a.length - 1) } });
    if (a instanceof Float32Array || a instanceof Float64Array) {
      out.push({ what: `${name} of the other float dtype`, mustFail: !kernel.mixable?.includes(name), params: call.params, arrays: { ...call.arrays, [name]: otherFloat(a) } });
    }
  }
  for (const [key, v] of Object.entries(call.params)) {
    if (typeof v === 'number') {
      // wasm keeps every access inside its own memory, so there a 32-bit wrap need only give the reference's answer.
      for (const [bad, mustFail] of BAD_INTS) out.push({ what: `${key} = ${mustFail ? bad : `${v} + ${bad}`}`, mustFail: mustFail && !(backend === 'wasm' && bad === 2 ** 31), params: { ...call.params, [key]: mustFail ? bad : v + bad }, arrays: call.arrays });
    } else if (Array.isArray(v)) {
      v.forEach((_, i) => {
        for (const [bad, mustFail] of BAD_INTS.slice(0, 3)) out.push({ what: `${key}[${i}] = ${bad}`, mustFail, params: { ...call.params, [key]: v.map((x, j) => (j === i ? bad : x)) }, arrays: call.arrays });
      });
    }
  }
  return [...out, ...(kernel.extra?.(call, backend) ?? [])];
}

/** The kernel's outputs after a call on fresh copies of the arrays (inputs are never shared between calls). */
function outputsOf(b: Backend, call: Call, params: Params, arrays: Record<string, TypedArray>): TypedArray[] {
  const copies = Object.fromEntries(Object.entries(arrays).map(([k, a]) => [k, a.slice()]));
  const result = call.run(b, params, copies);
  return call.outputs.map((k) => (k === 'result' ? result as TypedArray : copies[k]!));
}

function relErr(got: TypedArray, want: TypedArray): number {
  if (got.length !== want.length) return Infinity;
  let err = 0, scale = 1;
  for (let i = 0; i < want.length; i++) {
    if (got[i] === want[i] || (Number.isNaN(want[i]) && Number.isNaN(got[i]))) continue;
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / scale;
}

const dims = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 });

for (const b of accelerated) {
  for (const kernel of kernels) {
    if (b.name === 'wasm' && !kernel.wasm) continue;
    test(`${b.name} ${kernel.name}: each defect is a TesseraError (or the reference's answer), never another exception`, () => {
      fc.assert(fc.property(dims, fc.integer({ min: 0, max: 1e6 }), fc.boolean(), (d, seed, f64) => {
        // wasm runs f32 only (it hands f64 to the cpu reference, which is plain JavaScript and checks nothing).
        const call = kernel.make(seed, d, b.name !== 'wasm' && f64);
        const label = `${kernel.name} dims [${d}] ${b.name !== 'wasm' && f64 ? 'f64' : 'f32'}`;
        const want = outputsOf(cpuBackend, call, call.params, call.arrays);
        const got = outputsOf(b, call, call.params, call.arrays);
        got.forEach((g, i) => assert.ok(relErr(g, want[i]!) <= 1e-4, `${label}: undamaged call differs from cpu in ${call.outputs[i]}`));
        for (const defect of defects(kernel, call, b.name)) {
          let error: unknown = null, outputs: TypedArray[] = [];
          try {
            outputs = outputsOf(b, call, defect.params, defect.arrays);
          } catch (e) {
            error = e;
          }
          if (error !== null) {
            assert.ok(error instanceof TesseraError, `${label}, ${defect.what}: threw ${String(error)}`);
            assert.match(error.message, /^\w+: /, `${label}, ${defect.what}: the message names the kernel`);
            continue;
          }
          assert.ok(!defect.mustFail, `${label}, ${defect.what}: accepted (a kernel must not read or write past the arrays it was given)`);
          // Accepted: the call was harmless after all (e.g. a dilation that a 1-tap kernel never uses), so the
          // answer is the reference's.
          const reference = outputsOf(cpuBackend, call, defect.params, defect.arrays);
          outputs.forEach((o, i) => assert.ok(relErr(o, reference[i]!) <= 1e-4, `${label}, ${defect.what}: accepted, and differs from cpu in ${call.outputs[i]}`));
        }
      }), { numRuns: Math.max(4, Math.round(RUNS / 4)), seed: SEED, includeErrorInReport: true });
    });
  }
}
