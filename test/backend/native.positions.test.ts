// Parity of the native infinite-width image kernels (positionGram, positionConv, positionPool, positionReduce,
// positionSandwich, pairMap) with the cpu reference: random [P, P] blocks on 6×6 and odd 5×7 images, every padding
// ('same', 'valid', 'circular'), strides 1–3, every layout of the pair maps (full, self, vectors, diagonal) with row
// tails, 1 and 2 threads; float64 to 1e-12 normwise relative error. The exact properties the infinite module relies
// on are checked bit for bit: a self Gram block is symmetric, and at K12 = K11 = K22 the ReLU derivative map gives
// exactly the reference's K̇. Skipped, saying why, when the addon is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuBackend as cpu } from '../../src/backend/cpu/index.js';
import type { PairMapKind, PairMapParams, PositionConvParams, PositionPoolParams } from '../../src/backend/kernels.js';
import { createNativeBackend, type NativeBackend } from '../../src/backend/native/index.js';
import { TesseraError } from '../../src/core/errors.js';

const load = createNativeBackend({ threads: 2 });
const skip = load.ok ? false : `native backend unavailable: ${load.reason}`;
const native = (load.ok ? load.backend : null) as NativeBackend;

/** Deterministic values in [lo, hi) from an LCG. */
function values(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

function close(got: Float64Array, want: Float64Array, label: string, tol = 1e-12): void {
  assert.equal(got.length, want.length, label);
  let err = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Number.isFinite(got[i]!) === Number.isFinite(want[i]!), `${label}: entry ${i} is ${got[i]}, reference ${want[i]}`);
    if (!Number.isFinite(want[i]!)) continue;
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  assert.ok(err <= tol * scale, `${label}: relative error ${err / scale} > ${tol}`);
}

function eachThreads(fn: () => void): void {
  for (const t of [1, 2]) {
    native.setThreads(t);
    fn();
  }
  native.setThreads(2);
}

test('native positionGram = cpu (C = 1, 3; P = 1, 7, 36; pairs and self) and a self block is exactly symmetric', { skip }, () => {
  eachThreads(() => {
    for (const [C, P] of [[1, 36], [3, 36], [2, 7], [5, 1]] as const) {
      for (const self of [false, true]) {
        const n1 = 5, n2 = self ? 1 : 3;
        const x1 = values(n1 * C * P, P + C), x2 = self ? x1 : values(n2 * C * P, P + C + 1);
        const p = { n1, n2, channels: C, positions: P, self };
        const want = new Float64Array(n1 * n2 * P * P), got = new Float64Array(want.length);
        cpu.positionGram(p, x1, x2, want);
        native.positionGram(p, x1, x2, got);
        close(got, want, `C=${C} P=${P} self=${self}`);
        if (self) {
          for (let i = 0; i < n1; i++) for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) {
            assert.equal(got[(i * P + a) * P + b], got[(i * P + b) * P + a], `self block ${i} symmetric at (${a}, ${b})`);
          }
        }
      }
    }
  });
});

/** The conv geometry of infinite/conv.ts for an image h×w, a kh×kw filter, stride and padding. */
function convParams(blocks: number, h: number, w: number, kh: number, kw: number, stride: number, padding: 'same' | 'valid' | 'circular'): PositionConvParams {
  const [padH, padW] = padding === 'valid' ? [0, 0] : [(kh - 1) / 2, (kw - 1) / 2];
  const outH = Math.floor((h + 2 * padH - kh) / stride) + 1, outW = Math.floor((w + 2 * padW - kw) / stride) + 1;
  return { blocks, h, w, kh, kw, stride, padH, padW, outH, outW, circular: padding === 'circular', scale: 1.96, shift: 0.01 };
}

test('native positionConv = cpu: 6×6 and 5×7 images, 3×3 / 1×3 / 5×5 filters, strides 1–3, same / valid / circular, with and without add', { skip }, () => {
  eachThreads(() => {
    for (const [h, w] of [[6, 6], [5, 7]] as const) {
      for (const [kh, kw] of [[3, 3], [1, 3], [5, 5], [3, 1]] as const) {
        for (const stride of [1, 2, 3]) {
          for (const padding of ['same', 'valid', 'circular'] as const) {
            if (padding === 'valid' && (kh > h || kw > w)) continue;
            const p = convParams(7, h, w, kh, kw, stride, padding);
            const Q = p.outH * p.outW;
            const src = values(p.blocks * (h * w) ** 2, h * 100 + kh * 10 + stride);
            for (const add of [null, values(p.blocks * Q * Q, 7)]) {
              const want = new Float64Array(p.blocks * Q * Q), got = new Float64Array(want.length);
              cpu.positionConv(p, src, add, want);
              native.positionConv(p, src, add, got);
              close(got, want, `${h}×${w} ${kh}×${kw} stride ${stride} ${padding} add=${add !== null}`);
            }
          }
        }
      }
    }
  });
});

test('native positionPool = cpu: windows 2 and 3, strides 1–2, padding 0 and 1, scale', { skip }, () => {
  eachThreads(() => {
    for (const [h, w] of [[6, 6], [5, 7]] as const) {
      for (const [window, stride, pad] of [[2, 2, 0], [3, 1, 1], [3, 2, 0], [2, 1, 0]] as const) {
        const outH = Math.floor((h + 2 * pad - window) / stride) + 1, outW = Math.floor((w + 2 * pad - window) / stride) + 1;
        const p: PositionPoolParams = { blocks: 6, h, w, window, stride, pad, outH, outW, scale: window === 2 ? 16 : 1 };
        const Q = outH * outW;
        const src = values(p.blocks * (h * w) ** 2, window + stride + pad + h);
        const want = new Float64Array(p.blocks * Q * Q), got = new Float64Array(want.length);
        cpu.positionPool(p, src, want);
        native.positionPool(p, src, got);
        close(got, want, `${h}×${w} window ${window} stride ${stride} pad ${pad}`);
      }
    }
  });
});

test('native positionReduce = cpu: P = 1, 3, 6, 9, 36 (every vector tail), whole blocks and diagonals', { skip }, () => {
  eachThreads(() => {
    for (const P of [1, 3, 6, 9, 36]) {
      for (const diagonalOnly of [false, true]) {
        const src = values(11 * P * P, P);
        const want = new Float64Array(11), got = new Float64Array(11);
        cpu.positionReduce(11, P, diagonalOnly, src, want);
        native.positionReduce(11, P, diagonalOnly, src, got);
        close(got, want, `P=${P} diagonal=${diagonalOnly}`);
      }
    }
  });
});

test('native positionSandwich = cpu: P = 1, 5, 9, 36, 37 (every tile tail), pairs and self, with and without M2', { skip }, () => {
  eachThreads(() => {
    for (const P of [1, 5, 9, 36, 37]) {
      for (const self of [false, true]) {
        for (const withM2 of [false, true]) {
          const n1 = 3, n2 = self ? 1 : 4, PP = P * P;
          const A = values(n1 * PP, P), B = self ? A : values(n2 * PP, P + 1);
          const M = values(n1 * n2 * PP, P + 2), M2 = withM2 ? values(n1 * n2 * PP, P + 3) : null;
          const p = { n1, n2, positions: P, self, w: 1.3, c: 0.02, alpha: 2 };
          const want = new Float64Array(n1 * n2 * PP), got = new Float64Array(want.length);
          cpu.positionSandwich(p, A, B, M, M2, want);
          native.positionSandwich(p, A, B, M, M2, got);
          close(got, want, `P=${P} self=${self} M2=${withM2}`);
        }
      }
    }
  });
});

/**
 * Kernel-like inputs of a pair-map layout: variances in [0.2, 3] and K12 = ρ·√(K11·K22) with ρ ∈ [−1, 1], a few
 * exactly ±1; where var1 and var2 are the same entries, some K12 = K11 = K22 exactly (equal inputs).
 */
function pairInputs(p: PairMapParams, seed: number): { nngp: Float64Array; ntk: Float64Array; var1: Float64Array; var2: Float64Array } {
  const P = p.positions, per = p.diagonal ? P : P * P;
  const var1 = values(p.n1 * P, seed, 0.2, 3), var2 = p.self ? var1 : values(p.n2 * P, seed + 1, 0.2, 3);
  const rho = values(p.n1 * p.n2 * per, seed + 2);
  const nngp = new Float64Array(rho.length);
  for (let b = 0; b < p.n1 * p.n2; b++) {
    const i = Math.floor(b / p.n2), j = p.self ? i : b % p.n2;
    for (let e = 0; e < per; e++) {
      const at = b * per + e, a = var1[i * P + (p.diagonal ? e : Math.floor(e / P))]!, c = var2[j * P + (p.diagonal ? e : e % P)]!;
      const r = at % 17 === 0 ? 1 : at % 19 === 0 ? -1 : rho[at]!;
      nngp[at] = a === c && at % 3 === 0 ? a : r * Math.sqrt(a * c);
    }
  }
  return { nngp, ntk: values(nngp.length, seed + 3, 0, 4), var1, var2 };
}

const MAPS: PairMapKind[] = [{ kind: 'abRelu', a: 0, b: 1 }, { kind: 'abRelu', a: 0.1, b: 1 }, { kind: 'abRelu', a: -1, b: 1 }, { kind: 'erf', a: 1, b: 1, c: 0 }, { kind: 'erf', a: 0.5, b: 2, c: 0.3 }];
const LAYOUTS: PairMapParams[] = [
  { n1: 3, n2: 4, positions: 36, self: false, diagonal: false }, { n1: 3, n2: 2, positions: 7, self: false, diagonal: false },
  { n1: 5, n2: 1, positions: 7, self: true, diagonal: false }, { n1: 4, n2: 33, positions: 1, self: false, diagonal: false },
  { n1: 6, n2: 1, positions: 1, self: true, diagonal: false }, { n1: 3, n2: 5, positions: 9, self: false, diagonal: true },
  { n1: 4, n2: 1, positions: 6, self: true, diagonal: true },
];

test('native pairMap = cpu: abRelu (relu, leaky, abs) and erf on full, self, vector and diagonal layouts, ρ = ±1 and equal inputs', { skip }, () => {
  eachThreads(() => {
    for (const map of MAPS) {
      for (const [l, p] of LAYOUTS.entries()) {
        const x = pairInputs(p, 10 * l + 1);
        const withNtk = !p.self;
        const want = [new Float64Array(x.nngp.length), new Float64Array(x.nngp.length)], got = [new Float64Array(x.nngp.length), new Float64Array(x.nngp.length)];
        cpu.pairMap(map, p, x.nngp, withNtk ? x.ntk : null, x.var1, x.var2, want[0]!, withNtk ? want[1]! : null);
        native.pairMap(map, p, x.nngp, withNtk ? x.ntk : null, x.var1, x.var2, got[0]!, withNtk ? got[1]! : null);
        const label = `${JSON.stringify(map)} layout ${l}`;
        close(got[0]!, want[0]!, `${label} nngp`);
        if (withNtk) close(got[1]!, want[1]!, `${label} ntk`);
      }
    }
  });
});

test('native pairMap: at K12 = K11 = K22 the ReLU map matches the reference bit for bit (K̇ = 1/2, K_new = K/2)', { skip }, () => {
  const v = values(40, 5, 0.1, 10);
  const p: PairMapParams = { n1: 40, n2: 1, positions: 1, self: true, diagonal: false };
  for (const map of MAPS.slice(0, 3)) {
    const want = new Float64Array(40), got = new Float64Array(40);
    const ntkWant = new Float64Array(40), ntkGot = new Float64Array(40);
    cpu.pairMap(map, p, v, v, v, v, want, ntkWant);
    native.pairMap(map, p, v, v, v, v, got, ntkGot);
    assert.deepEqual(got, want);
    assert.deepEqual(ntkGot, ntkWant);
  }
});

test('native position kernels refuse short arrays, wrong dtypes and a self set with n2 ≠ 1', { skip }, () => {
  const p = convParams(2, 6, 6, 3, 3, 1, 'same');
  assert.throws(() => native.positionConv(p, new Float64Array(10), null, new Float64Array(2 * 36 * 36)), TesseraError);
  assert.throws(() => native.positionReduce(2, 6, false, new Float32Array(72) as unknown as Float64Array, new Float64Array(2)), TesseraError);
  assert.throws(() => native.positionGram({ n1: 2, n2: 2, channels: 1, positions: 4, self: true }, new Float64Array(8), new Float64Array(8), new Float64Array(64)), TesseraError);
  assert.throws(() => native.pairMap(MAPS[0]!, LAYOUTS[0]!, new Float64Array(1), null, new Float64Array(1), new Float64Array(1), new Float64Array(1), null), TesseraError);
});
