// Parity of every native kernel with the cpu reference (the specification): GEMM in all transposes with
// broadcast batch offsets, conv2d and both backward passes, pooling, batch norm, elementwise maps with
// broadcasting, reductions, the softmax family, the optimizer updates (bit for bit) and the f64 linear algebra; on sizes 1, 31, 32, 33, 257
// (every tail of the vector loops), f32 to 1e-5 and f64 to 1e-12 normwise relative error, 1 and 2 threads.
// (The fan-in kernels have their own file.) Skipped, saying why, when the addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuBackend as cpu } from '../../src/backend/cpu/index.js';
import type { AdamStep, ArithmeticOp, CompareOp, Conv2dParams, Pool2dParams, SgdStep, UnaryOp } from '../../src/backend/kernels.js';
import { createNativeBackend, type NativeBackend } from '../../src/backend/native/index.js';
import { TesseraError } from '../../src/core/errors.js';

const load = createNativeBackend({ threads: 2 });
const skip = load.ok ? false : `native backend unavailable: ${load.reason}`;
const native = (load.ok ? load.backend : null) as NativeBackend;
const SIZES = [1, 31, 32, 33, 257];
const THREADS = [1, 2];

type Float = Float32Array | Float64Array;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const DTYPES: [string, Ctor, number][] = [['f32', Float32Array, 1e-5], ['f64', Float64Array, 1e-12]];

/** Deterministic values in [lo, hi) from an LCG. */
function values(C: Ctor, n: number, seed: number, lo = -1, hi = 1): Float {
  const out = new C(n);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let err = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(g) || Number.isNaN(w)) { if (Number.isNaN(g) !== Number.isNaN(w)) return Infinity; continue; }
    if (!Number.isFinite(w) || !Number.isFinite(g)) { if (g !== w) return Infinity; continue; }
    err = Math.max(err, Math.abs(g - w));
    scale = Math.max(scale, Math.abs(w));
  }
  return scale === 0 ? err : err / scale;
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, label: string): void {
  const e = relErr(got, want);
  assert.ok(e <= tol, `${label}: relative error ${e} > ${tol}`);
}

function eachThreads(fn: () => void): void {
  for (const t of THREADS) {
    native.setThreads(t);
    fn();
  }
  native.setThreads(2);
}

test('native gemm = cpu: all transposes, sizes 1/31/32/33/257, broadcast batch offsets, f32 and f64', { skip }, () => {
  eachThreads(() => {
    for (const [dt, C, tol] of DTYPES) {
      for (const m of SIZES) for (const n of [1, 33, 257]) for (const k of [1, 32, 257]) {
        if (m * n * k > 257 * 257 * 64 && m !== n) continue;
        for (const transA of [false, true]) for (const transB of [false, true]) {
          // batch 3 over a: repeats b (offset 0 each time), so b broadcasts
          const batch = 3;
          const a = values(C, batch * m * k, m + n + k), b = values(C, k * n, m * n + k + 1);
          const p = { m, n, k, transA, transB, batch, aOffsets: Int32Array.from([0, m * k, 2 * m * k]), bOffsets: new Int32Array(batch) };
          const want = new C(batch * m * n), got = new C(batch * m * n).fill(NaN);
          cpu.gemm(p, a, b, want);
          native.gemm(p, a, b, got);
          close(got, want, tol, `gemm ${dt} m${m} n${n} k${k} tA${transA} tB${transB} t${native.threads}`);
        }
      }
    }
  });
});

test('native gemm with k = 0 writes zeros; m or n = 0 is a no-op', { skip }, () => {
  const c = new Float32Array(6).fill(7);
  native.gemm({ m: 2, n: 3, k: 0, transA: false, transB: false, batch: 1, aOffsets: new Int32Array(1), bOffsets: new Int32Array(1) }, new Float32Array(0), new Float32Array(0), c);
  assert.deepEqual([...c], [0, 0, 0, 0, 0, 0]);
});

function convCases(): Conv2dParams[] {
  const out: Conv2dParams[] = [];
  const add = (n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number, s: [number, number], pad: [number, number, number, number], d: [number, number], groups: number) => {
    const outH = Math.floor((h + pad[0] + pad[1] - d[0] * (kh - 1) - 1) / s[0]) + 1;
    const outW = Math.floor((w + pad[2] + pad[3] - d[1] * (kw - 1) - 1) / s[1]) + 1;
    out.push({ n, cIn, h, w, cOut, kh, kw, strideH: s[0], strideW: s[1], padTop: pad[0], padBottom: pad[1], padLeft: pad[2], padRight: pad[3], dilationH: d[0], dilationW: d[1], groups, outH, outW });
  };
  add(1, 1, 1, 1, 1, 1, 1, [1, 1], [0, 0, 0, 0], [1, 1], 1);
  add(2, 3, 31, 33, 5, 3, 3, [1, 1], [1, 1, 1, 1], [1, 1], 1);
  add(3, 4, 32, 31, 6, 3, 2, [2, 1], [0, 1, 2, 0], [1, 2], 2);
  add(1, 6, 33, 32, 3, 5, 3, [3, 2], [2, 2, 1, 1], [2, 1], 3);
  add(2, 2, 9, 257, 4, 1, 3, [1, 2], [0, 0, 1, 1], [1, 1], 1);
  add(128, 1, 28, 28, 16, 3, 3, [1, 1], [1, 1, 1, 1], [1, 1], 1); // the README CNN's first layer
  return out;
}

test('native conv2d forward, backward-input and backward-filter = cpu (stride, padding, dilation, groups)', { skip }, () => {
  eachThreads(() => {
    for (const [dt, C, tol] of DTYPES) {
      for (const p of convCases()) {
        const xs = p.n * p.cIn * p.h * p.w, ws = p.cOut * (p.cIn / p.groups) * p.kh * p.kw, ys = p.n * p.cOut * p.outH * p.outW;
        const x = values(C, xs, 1), w = values(C, ws, 2), dy = values(C, ys, 3);
        const label = `${dt} ${JSON.stringify([p.n, p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.strideH, p.groups])} t${native.threads}`;
        let want = new C(ys), got = new C(ys).fill(NaN);
        cpu.conv2d(p, x, w, want); native.conv2d(p, x, w, got);
        close(got, want, tol, `conv2d ${label}`);
        want = new C(xs); got = new C(xs).fill(NaN);
        cpu.conv2dBackwardInput(p, dy, w, want); native.conv2dBackwardInput(p, dy, w, got);
        close(got, want, tol, `conv2dBackwardInput ${label}`);
        want = new C(ws); got = new C(ws).fill(NaN);
        cpu.conv2dBackwardFilter(p, x, dy, want); native.conv2dBackwardFilter(p, x, dy, got);
        close(got, want, tol * (dt === 'f32' ? 4 : 1), `conv2dBackwardFilter ${label}`);
      }
    }
  });
});

test('native max/avg pooling and their backward passes = cpu, including padding, ties and NaN', { skip }, () => {
  const cases: Pool2dParams[] = [];
  for (const [h, w, k, s, pad] of [[1, 1, 1, 1, 0], [31, 33, 2, 2, 0], [28, 14, 2, 2, 0], [15, 30, 2, 2, 0], [2, 2, 2, 2, 0], [32, 31, 3, 2, 1], [33, 32, 3, 1, 1], [9, 257, 2, 3, 1]] as const) {
    cases.push({ n: 2, c: 3, h, w, kh: k, kw: k, strideH: s, strideW: s, padH: pad, padW: pad, outH: Math.floor((h + 2 * pad - k) / s) + 1, outW: Math.floor((w + 2 * pad - k) / s) + 1 });
  }
  eachThreads(() => {
    for (const [dt, C, tol] of DTYPES) {
      for (const p of cases) {
        const xs = p.n * p.c * p.h * p.w, ys = p.n * p.c * p.outH * p.outW;
        const x = values(C, xs, 4);
        for (let i = 0; i < xs; i += 7) x[i] = x[(i + 1) % xs]!; // ties
        if (xs > 10) x[5] = NaN;
        const dy = values(C, ys, 5);
        const label = `${dt} ${p.h}x${p.w} k${p.kh} s${p.strideH} p${p.padH} t${native.threads}`;
        for (const kind of ['max', 'avg'] as const) {
          let want = new C(ys), got = new C(ys);
          if (kind === 'max') { cpu.maxPool2d(p, x, want); native.maxPool2d(p, x, got); } else { cpu.avgPool2d(p, x, want); native.avgPool2d(p, x, got); }
          close(got, want, tol, `${kind}Pool2d ${label}`);
          want = new C(xs); got = new C(xs).fill(NaN);
          if (kind === 'max') { cpu.maxPool2dBackward(p, x, dy, want); native.maxPool2dBackward(p, x, dy, got); } else { cpu.avgPool2dBackward(p, dy, want); native.avgPool2dBackward(p, dy, got); }
          close(got, want, tol, `${kind}Pool2dBackward ${label}`);
        }
      }
    }
  });
});

test('native batch norm forward and backward = cpu, with and without affine parameters', { skip }, () => {
  eachThreads(() => {
    for (const [dt, C, tol] of DTYPES) {
      for (const d of [{ n: 1, c: 1, s: 1 }, { n: 31, c: 3, s: 1 }, { n: 4, c: 32, s: 33 }, { n: 128, c: 16, s: 196 }, { n: 2, c: 5, s: 257 }]) {
        const size = d.n * d.c * d.s;
        const x = values(C, size, 6, -2, 3), g = values(C, size, 7), w = values(C, d.c, 8, 0.5, 2), b = values(C, d.c, 9);
        for (const affine of [true, false]) {
          const label = `${dt} ${JSON.stringify(d)} affine=${affine} t${native.threads}`;
          const want = new C(size), got = new C(size);
          cpu.batchNormForward(x, affine ? w : null, affine ? b : null, 1e-5, d, want);
          native.batchNormForward(x, affine ? w : null, affine ? b : null, 1e-5, d, got);
          close(got, want, tol, `batchNormForward ${label}`);
          const [dxW, dwW, dbW, dxG, dwG, dbG] = [new C(size), new C(d.c), new C(d.c), new C(size), new C(d.c), new C(d.c)];
          cpu.batchNormBackward(x, affine ? w : null, 1e-5, d, g, dxW, affine ? dwW : null, affine ? dbW : null);
          native.batchNormBackward(x, affine ? w : null, 1e-5, d, g, dxG, affine ? dwG : null, affine ? dbG : null);
          close(dxG, dxW, tol * 10, `batchNormBackward dx ${label}`); // dx cancels (g − mean terms): a few ulps of the largest entry
          if (affine) { close(dwG, dwW, tol, `dweight ${label}`); close(dbG, dbW, tol, `dbias ${label}`); }
        }
      }
    }
  });
});

const UNARY: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'tanh', 'erf', 'sigmoid', 'relu', 'gelu', 'silu', 'softplus', 'abs', 'sign', 'sin', 'cos'];

test('native unary maps = cpu for every op (NaN, ±∞ and 0 included)', { skip }, () => {
  eachThreads(() => {
    for (const [dt, C, tol] of DTYPES) {
      for (const n of [...SIZES, 70_000]) {
        const positive = ['log', 'sqrt'];
        for (const op of UNARY) {
          const x = values(C, n, n, positive.includes(op) ? 0.01 : -6, 6);
          if (n > 4) { x[0] = NaN; x[1] = 0; x[2] = positive.includes(op) ? Infinity : -Infinity; x[3] = Infinity; }
          const want = new C(n), got = new C(n);
          cpu.unary(op, x, want);
          native.unary(op, x, got);
          close(got, want, tol, `unary ${op} ${dt} n${n} t${native.threads}`);
        }
      }
    }
  });
});

const BINARY: (ArithmeticOp | CompareOp)[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'];
const BROADCASTS: [number[], number[]][] = [
  [[257], [257]], [[31, 33], [33]], [[33, 1], [1, 32]], [[2, 1, 31], [3, 1]], [[1], [4, 257]], [[], [31]], [[128, 300], [300]], [[600, 300], [600, 300]],
];

test('native binary maps = cpu for every op and broadcast pattern (u8 comparisons)', { skip }, () => {
  eachThreads(() => {
    for (const [dt, C, tol] of DTYPES) {
      for (const [as, bs] of BROADCASTS) {
        const os = Array.from({ length: Math.max(as.length, bs.length) }, (_, i) => Math.max(as[as.length - Math.max(as.length, bs.length) + i] ?? 1, bs[bs.length - Math.max(as.length, bs.length) + i] ?? 1));
        const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
        for (const op of BINARY) {
          const a = values(C, size(as), 10, op === 'pow' ? 0.1 : -2, 2), b = values(C, size(bs), 11, op === 'pow' ? -2 : -2, 2);
          if (a.length > 3) { a[1] = NaN; b[0] = a[2]!; } // NaN propagation and equal entries
          const compare = ['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual'].includes(op);
          const want = compare ? new Uint8Array(size(os)) : new C(size(os)), got = compare ? new Uint8Array(size(os)) : new C(size(os));
          cpu.binary(op, a, as, b, bs, want, os);
          native.binary(op, a, as, b, bs, got, os);
          if (compare) assert.deepEqual(got, want, `binary ${op} ${dt} ${JSON.stringify([as, bs])}`);
          else close(got, want, tol, `binary ${op} ${dt} ${JSON.stringify([as, bs])} t${native.threads}`);
        }
      }
      const g = values(C, 257, 12), x = values(C, 257, 13);
      const want = new C(257), got = new C(257);
      cpu.reluBackward(g, x, want); native.reluBackward(g, x, got);
      close(got, want, 0, `reluBackward ${dt}`);
    }
  });
});

test('native reductions = cpu for every axis subset (sum and max, NaN propagates)', { skip }, () => {
  eachThreads(() => {
    for (const [dt, C, tol] of DTYPES) {
      for (const shape of [[257], [31, 33], [2, 32, 3], [3, 1, 33, 2], [128, 300]]) {
        const rank = shape.length, size = shape.reduce((p, d) => p * d, 1);
        for (let mask = 0; mask < 1 << rank; mask++) {
          const axes = shape.map((_, i) => i).filter((i) => mask & (1 << i));
          const outSize = shape.filter((_, i) => !axes.includes(i)).reduce((p, d) => p * d, 1);
          const x = values(C, size, rank + mask, -3, 3);
          if (size > 50 && mask % 3 === 0) x[17] = NaN;
          for (const kind of ['sum', 'max'] as const) {
            const want = new C(outSize), got = new C(outSize);
            if (kind === 'sum') { cpu.reduceSum(x, shape, axes, want); native.reduceSum(x, shape, axes, got); } else { cpu.reduceMax(x, shape, axes, want); native.reduceMax(x, shape, axes, got); }
            close(got, want, tol, `reduce ${kind} ${dt} [${shape}] axes [${axes}] t${native.threads}`);
          }
        }
      }
    }
  });
});

test('native softmax / log-softmax (any axis) and their VJPs, and fused cross-entropy = cpu', { skip }, () => {
  eachThreads(() => {
    for (const [dt, C, tol] of DTYPES) {
      for (const d of [{ outer: 1, n: 1, inner: 1 }, { outer: 31, n: 10, inner: 1 }, { outer: 2, n: 33, inner: 32 }, { outer: 1, n: 257, inner: 3 }, { outer: 128, n: 10, inner: 1 }]) {
        const size = d.outer * d.n * d.inner;
        const x = values(C, size, 14, -20, 20), g = values(C, size, 15);
        for (const log of [false, true]) {
          const label = `${log ? 'log' : ''}softmax ${dt} ${JSON.stringify(d)} t${native.threads}`;
          const want = new C(size), got = new C(size);
          cpu.softmax(d, log, x, want); native.softmax(d, log, x, got);
          close(got, want, tol, label);
          const dxW = new C(size), dxG = new C(size);
          cpu.softmaxBackward(d, log, want, g, dxW); native.softmaxBackward(d, log, want, g, dxG);
          close(dxG, dxW, tol, `${label} backward`);
        }
      }
      for (const [rows, classes] of [[1, 1], [31, 10], [128, 10], [33, 257]]) {
        const x = values(C, rows * classes, 16, -10, 10), g = values(C, rows, 17);
        const labels = Int32Array.from({ length: rows }, (_, r) => (r * 7) % classes);
        const want = new C(rows), got = new C(rows);
        cpu.softmaxCrossEntropy(rows, classes, x, labels, want); native.softmaxCrossEntropy(rows, classes, x, labels, got);
        close(got, want, tol, `softmaxCrossEntropy ${dt} ${rows}x${classes}`);
        const dW = new C(rows * classes), dG = new C(rows * classes);
        cpu.softmaxCrossEntropyBackward(rows, classes, x, labels, g, dW); native.softmaxCrossEntropyBackward(rows, classes, x, labels, g, dG);
        close(dG, dW, tol, `softmaxCrossEntropyBackward ${dt} ${rows}x${classes}`);
      }
    }
  });
});

/** A well-conditioned SPD matrix M Mᵀ/n + I. */
function spd(n: number, seed: number): Float64Array {
  const m = values(Float64Array, n * n, seed) as Float64Array;
  const a = new Float64Array(n * n);
  cpu.gemm({ m: n, n, k: n, transA: false, transB: true, batch: 1, aOffsets: new Int32Array(1), bOffsets: new Int32Array(1) }, m, m, a);
  for (let i = 0; i < n * n; i++) a[i]! /= n;
  for (let i = 0; i < n; i++) a[i * n + i]! += 1;
  return a;
}

test('native cholesky, triangular solves and eighSym = cpu reference (f64, 1e-12)', { skip }, () => {
  eachThreads(() => {
    for (const n of SIZES) {
      const a = spd(n, n);
      const lWant = cpu.cholesky(a, n), lGot = native.cholesky(a, n);
      close(lGot, lWant, 1e-12, `cholesky n${n}`);
      for (const m of [1, 33]) {
        const b = values(Float64Array, n * m, n + m) as Float64Array;
        for (const transpose of [false, true]) {
          close(native.solveTriangular(lWant, b, n, m, transpose), cpu.solveTriangular(lWant, b, n, m, transpose), 1e-12, `solveTriangular n${n} m${m} T${transpose}`);
        }
      }
      const want = cpu.eighSym(a, n), got = native.eighSym(a, n);
      close(got.values, want.values, 1e-12, `eighSym values n${n}`);
      // Eigenvectors agree up to sign where the eigenvalue is well separated; check A v = λ v for all.
      for (let k = 0; k < n; k++) {
        let dot = 0, res = 0;
        for (let i = 0; i < n; i++) dot += got.vectors[k * n + i]! * want.vectors[k * n + i]!;
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let j = 0; j < n; j++) av += a[i * n + j]! * got.vectors[k * n + j]!;
          res = Math.max(res, Math.abs(av - got.values[k]! * got.vectors[k * n + i]!));
        }
        assert.ok(res < 1e-12 * Math.max(1, Math.abs(got.values[n - 1]!)), `eighSym residual ${res} at k=${k}, n${n}`);
        const gapOk = (k === 0 || got.values[k]! - got.values[k - 1]! > 1e-6) && (k === n - 1 || got.values[k + 1]! - got.values[k]! > 1e-6);
        if (gapOk) assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `eigenvector ${k} of n${n}: |⟨v_native, v_cpu⟩| = ${Math.abs(dot)}`);
      }
    }
  });
});

test('native cholesky of a matrix that is not positive definite names the op and suggests a regulariser', { skip }, () => {
  const a = Float64Array.from([1, 2, 2, 1]);
  assert.throws(() => native.cholesky(a, 2, 'predict'), (e: unknown) => e instanceof TesseraError && e.op === 'predict' && /positive-definite/.test(e.message) && /diagReg/.test(e.message));
});

test('native kernels reject mismatched dtypes and too-short arrays with TesseraErrors before touching memory', { skip }, () => {
  const p = { m: 4, n: 4, k: 4, transA: false, transB: false, batch: 1, aOffsets: new Int32Array(1), bOffsets: new Int32Array(1) };
  assert.throws(() => native.gemm(p, new Float32Array(16), new Float64Array(16), new Float32Array(16)), (e: unknown) => e instanceof TesseraError && e.kind === 'dtype');
  assert.throws(() => native.gemm(p, new Float32Array(15), new Float32Array(16), new Float32Array(16)), (e: unknown) => e instanceof TesseraError && e.kind === 'shape');
  assert.throws(() => native.gemm({ ...p, aOffsets: Int32Array.of(8) }, new Float32Array(16), new Float32Array(16), new Float32Array(16)), (e: unknown) => e instanceof TesseraError && e.kind === 'shape');
  const [conv] = convCases().slice(1);
  assert.throws(() => native.conv2d({ ...conv!, outH: conv!.outH + 1 }, new Float32Array(1e5), new Float32Array(1e5), new Float32Array(1e5)), (e: unknown) => e instanceof TesseraError && e.op === 'conv2d');
  assert.throws(() => native.conv2d(conv!, new Float32Array(10), new Float32Array(1e5), new Float32Array(1e5)), (e: unknown) => e instanceof TesseraError && /x expected at least/.test(e.message));
  assert.throws(() => native.softmaxCrossEntropy(2, 3, new Float32Array(6), Int32Array.of(0, 3), new Float32Array(2)), (e: unknown) => e instanceof TesseraError && /labels/.test(e.message));
  assert.throws(() => native.reduceSum(new Float32Array(6), [2, 3], [2], new Float32Array(2)), (e: unknown) => e instanceof TesseraError && e.kind === 'range');
  assert.throws(() => native.maxPool2d({ n: 1, c: 1, h: 4, w: 4, kh: 2, kw: 2, strideH: 0, strideW: 2, padH: 0, padW: 0, outH: 2, outW: 2 }, new Float32Array(16), new Float32Array(4)), (e: unknown) => e instanceof TesseraError);
});

/** Every flag combination of SGD (momentum on/off, first step, nesterov, L2 or decoupled decay) and Adam (amsgrad, decay kinds). */
function sgdCases(C: Ctor): SgdStep[] {
  const r = C === Float32Array ? Math.fround : (x: number) => x;
  const out: SgdStep[] = [];
  for (const momentum of [0, 0.9]) for (const first of [true, false]) for (const nesterov of [false, true]) for (const decay of ['none', 'l2', 'decoupled'] as const) {
    if (nesterov && momentum === 0) continue;
    out.push({
      negLr: r(-0.037), momentum: r(momentum), keep: r(nesterov ? 1 : 0.8), l2: decay === 'l2' ? r(0.01) : 0, decay: r(1 - 0.037 * (decay === 'none' ? 0 : 0.01)),
      decoupled: decay === 'decoupled', nesterov, first,
    });
  }
  return out;
}

function adamCases(C: Ctor): AdamStep[] {
  const r = C === Float32Array ? Math.fround : (x: number) => x;
  return (['none', 'l2', 'decoupled'] as const).map((decay, t) => ({
    negStepSize: r(-1e-3 / (1 - 0.9 ** (t + 1))), bc2Sqrt: r(Math.sqrt(1 - 0.999 ** (t + 1))), beta1: r(0.9), beta2: r(0.999),
    oneMinusBeta1: r(0.1), oneMinusBeta2: r(1 - 0.999), eps: r(1e-8), l2: decay === 'l2' ? r(0.01) : 0, decay: r(1 - 1e-3 * (decay === 'none' ? 0 : 0.01)),
    decoupled: decay === 'decoupled',
  }));
}

/** Equal element by element with Object.is (NaN equals NaN, +0 differs from −0). */
function sameValues(got: Float, want: Float, label: string): void {
  assert.equal(got.length, want.length, label);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${label}: [${i}] ${got[i]} ≠ ${want[i]}`);
}

test('native SGD and Adam updates equal the cpu reference bit for bit (every flag, f32 and f64, NaN and ±0 in amsgrad)', { skip }, () => {
  for (const [name, C] of DTYPES) for (const n of SIZES) eachThreads(() => {
    const p0 = values(C, n, 1), g = values(C, n, 2), b0 = values(C, n, 3);
    for (const [k, s] of sgdCases(C).entries()) {
      const [pc, pn, bc, bn] = [p0.slice(), p0.slice(), b0.slice(), b0.slice()];
      const buf = s.momentum > 0;
      cpu.sgdUpdate(s, pc, g, buf ? bc : null);
      native.sgdUpdate(s, pn, g, buf ? bn : null);
      sameValues(pn, pc, `${name} n=${n} sgd case ${k}: parameters`);
      sameValues(bn, bc, `${name} n=${n} sgd case ${k}: momentum`);
    }
    const m0 = values(C, n, 4), v0 = values(C, n, 5, 0, 1), vMax0 = values(C, n, 6, 0, 1);
    if (n > 3) { vMax0[0] = NaN; v0[1] = 0; vMax0[1] = -0; vMax0[2] = 0; }
    for (const [k, s] of adamCases(C).entries()) for (const amsgrad of [false, true]) {
      const copies = [p0, m0, v0, vMax0].map((a) => [a.slice(), a.slice()]);
      const [[pc, pn], [mc, mn], [vc, vn], [xc, xn]] = copies as [Float, Float][];
      cpu.adamUpdate(s, pc!, g, mc!, vc!, amsgrad ? xc! : null);
      native.adamUpdate(s, pn!, g, mn!, vn!, amsgrad ? xn! : null);
      for (const [label, got, want] of [['p', pn, pc], ['m', mn, mc], ['v', vn, vc], ['vMax', xn, xc]] as const) {
        sameValues(got!, want!, `${name} n=${n} adam case ${k} amsgrad=${amsgrad}: ${label}`);
      }
    }
  });
});

test('native optimizer updates reject mixed dtypes and short state buffers with TesseraErrors', { skip }, () => {
  const [s] = sgdCases(Float32Array);
  const [a] = adamCases(Float32Array);
  const f = (n: number) => new Float32Array(n);
  assert.throws(() => native.sgdUpdate(s!, f(4), new Float64Array(4), null), (e: unknown) => e instanceof TesseraError && e.kind === 'dtype');
  assert.throws(() => native.sgdUpdate(s!, f(4), f(3), null), (e: unknown) => e instanceof TesseraError && e.kind === 'shape' && /g expected/.test(e.message));
  assert.throws(() => native.adamUpdate(a!, f(4), f(4), f(4), f(2), null), (e: unknown) => e instanceof TesseraError && e.kind === 'shape' && /v expected/.test(e.message));
});

test('native allocateOutput gives private arrays of the dtype and length asked (zeroed below 64 KiB, uninitialised above)', { skip }, () => {
  const kinds = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u8: Uint8Array, u16: Uint16Array } as const;
  for (const [dtype, C] of Object.entries(kinds)) for (const n of [0, 1, 33, 1 << 20]) {
    const a = native.allocateOutput(dtype as keyof typeof kinds, n), b = native.allocateOutput(dtype as keyof typeof kinds, n);
    assert.ok(a instanceof C, `${dtype} ${n}: ${a.constructor.name}`);
    assert.equal(a.length, n);
    assert.equal(a.byteOffset, 0);
    if (n * C.BYTES_PER_ELEMENT < 64 * 1024) assert.ok(a.every((v) => v === 0), `${dtype} ${n}: small arrays are zeroed`);
    if (n > 0) {
      a.fill(1);
      assert.notEqual(a.buffer, b.buffer, 'each call owns its buffer');
      assert.equal(b[0] === 1 && b[n - 1] === 1, false, 'writes to one array do not reach another');
    }
  }
});
