// The engine's SSD layer (src/nn/sequence/ssd.ts): the check vector of research/zamba2.md §G6 (float64, both
// paths), chunked == recurrent on random inputs (float32, several chunk sizes, a non-zero initial state),
// both paths equal to the typed-array reference, the gated RMSNorm check vector, and gradients (float64).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ssdChunked, ssdRecurrent, type SsdInputs } from '../../src/nn/sequence/index.js';
import { gatedRmsNorm } from '../../src/nn/norm.js';
import { Tensor, add, gradCheck, sum, mul, type Tensor as T } from '../../src/tensor/index.js';
import * as ref from '../support/sequenceReference/index.js';
import { normalValues, key, split } from '../../src/core/random.js';

type SsdDims = ref.SsdDims;
const softplus = ref.softplus;

/** The reference's flat inputs as engine Tensors of the same dtype. */
function tensors(d: SsdDims, inp: ref.SsdInputs): SsdInputs {
  const { length: L, heads: H, headDim: P, groups: G, stateSize: N } = d;
  return {
    x: new Tensor(inp.x, [L, H, P]), dt: new Tensor(inp.dt, [L, H]), A: new Tensor(inp.A, [H]),
    B: new Tensor(inp.B, [L, G, N]), C: new Tensor(inp.C, [L, G, N]), D: new Tensor(inp.D, [H]),
  };
}
const stateOf = (d: SsdDims, s: Float32Array | Float64Array) => new Tensor(s, [d.heads, d.headDim, d.stateSize]);

const dims: SsdDims = { length: 5, heads: 2, headDim: 2, groups: 1, stateSize: 2 };

function noteInputs() {
  const { length: L, heads: H, headDim: P, stateSize: N } = dims;
  const x = new Float64Array(L * H * P), dt = new Float64Array(L * H), B = new Float64Array(L * N), C = new Float64Array(L * N);
  const dtBias = [0.5, -0.5], aLog = [Math.log(1), Math.log(2)];
  for (let t = 0; t < L; t++) {
    for (let h = 0; h < H; h++) {
      for (let p = 0; p < P; p++) x[(t * H + h) * P + p] = 0.1 * (t + 1) - 0.2 * h + 0.05 * p;
      dt[t * H + h] = softplus(0.1 * t - 0.3 + 0.2 * h + dtBias[h]!);
    }
    for (let n = 0; n < N; n++) {
      B[t * N + n] = 0.3 * (n + 1) - 0.1 * t;
      C[t * N + n] = 0.2 - 0.15 * n + 0.05 * t;
    }
  }
  return { x, dt, B, C, A: Float64Array.from(aLog, (v) => -Math.exp(v)), D: new Float64Array([1, 0.5]) };
}

const expectedY = [
  [0.107183, 0.160775, -0.053937, -0.026969], [0.221672, 0.278237, -0.002288, 0.026226], [0.336362, 0.394012, 0.053524, 0.082526],
  [0.440829, 0.497413, 0.108148, 0.136487], [0.523045, 0.576429, 0.154861, 0.181402],
].flat();
const expectedState = [-0.045828, 0.165506, -0.049673, 0.185195, -0.017614, 0.047627, -0.020089, 0.057752];

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i]! - want[i]!) <= tol, `${what}[${i}]: got ${got[i]}, expected ${want[i]} (tol ${tol})`);
  }
}

test('SSD check vector of the note: dt, y and final state, recurrent and chunked (Q=2), to 1e-6', () => {
  const inp = noteInputs();
  assertClose([inp.dt[0]!, inp.dt[1]!], [0.798139, 0.437488], 1e-6, 'dt[0]');
  const t = tensors(dims, inp);
  const rec = ssdRecurrent(t, stateOf(dims, new Float64Array(8)));
  const chunk = ssdChunked(t, stateOf(dims, new Float64Array(8)), 2);
  // The note's numbers have 6 decimals: agreement to 1e-6 up to their rounding (≤ 5e-7).
  assertClose(rec.y.data, expectedY, 1e-6, 'y recurrent');
  assertClose(chunk.y.data, expectedY, 1e-6, 'y chunked');
  assertClose(rec.state.data, expectedState, 1e-6, 'state recurrent');
  assertClose(chunk.state.data, expectedState, 1e-6, 'state chunked');
  assertClose(chunk.y.data, rec.y.data, 1e-14, 'chunked vs recurrent');
  // The typed-array reference gives the same numbers.
  assertClose(ref.ssdRecurrent(dims, inp, new Float64Array(8)), rec.y.data, 1e-14, 'reference recurrent');
});

test('gated RMSNorm check vector of the note (gate before the norm)', () => {
  const inp = noteInputs();
  const y4 = ssdRecurrent(tensors(dims, inp), stateOf(dims, new Float64Array(8))).y.data.subarray(16, 20) as Float64Array;
  const out = gatedRmsNorm(new Tensor(Float64Array.from(y4), [1, 4]), new Tensor(new Float64Array([0.5, -1, 1.5, 0]), [1, 4]), new Tensor(new Float64Array([1, 1, 1, 1]), [4]), 1, 1e-5);
  assertClose(out.data, [1.106087, -1.053351, 1.290417, 0], 1e-6, 'gated norm');
  const grouped = gatedRmsNorm(new Tensor(Float64Array.from(y4), [1, 4]), new Tensor(new Float64Array([0.5, -1, 1.5, 0]), [1, 4]), new Tensor(new Float64Array([1, 2, 3, 4]), [4]), 2, 1e-5);
  assertClose(grouped.data, ref.gatedGroupRmsNormRows(y4, new Float64Array([0.5, -1, 1.5, 0]), new Float64Array([1, 2, 3, 4]), 4, 2, 1e-5), 1e-14, 'two groups vs reference');
});

function randomCase(seed: number, d: SsdDims, f64 = false) {
  const [k1, k2, k3, k4, k5] = split(key(seed), 5);
  const arr = (k: typeof k1, n: number) => (f64 ? Float64Array.from(normalValues(k!, n, 'f64')) : Float32Array.from(normalValues(k!, n, 'f32')));
  const x = arr(k1, d.length * d.heads * d.headDim);
  const dt = arr(k2, d.length * d.heads).map((v) => softplus(v));
  const B = arr(k3, d.length * d.groups * d.stateSize), C = arr(k4, d.length * d.groups * d.stateSize);
  const A = (f64 ? Float64Array : Float32Array).from([-0.5, -1, -2, -0.1, -3, -1.5].slice(0, d.heads));
  const D = (f64 ? Float64Array : Float32Array).from([1, 0.5, 0, -1, 2, 0.1].slice(0, d.heads));
  const init = arr(k5, d.heads * d.headDim * d.stateSize);
  return { inp: { x, dt, A, B, C, D }, init };
}

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
};

test('chunked SSD equals the recurrence and the reference on random float32 inputs with an initial state (chunks 1, 3, 7, 64)', () => {
  const d: SsdDims = { length: 23, heads: 6, headDim: 5, groups: 2, stateSize: 4 };
  const { inp, init } = randomCase(7, d);
  const t = tensors(d, inp);
  const rec = ssdRecurrent(t, stateOf(d, Float32Array.from(init)));
  const sRef = Float32Array.from(init);
  const yRef = ref.ssdRecurrent(d, inp, sRef);
  assert.ok(maxRel(rec.y.data, yRef) <= 1e-5, `recurrent vs reference: ${maxRel(rec.y.data, yRef)}`);
  assert.ok(maxRel(rec.state.data, sRef) <= 1e-5, 'recurrent state vs reference');
  for (const q of [1, 3, 7, 64]) {
    const chunk = ssdChunked(t, stateOf(d, Float32Array.from(init)), q);
    assert.ok(maxRel(chunk.y.data, rec.y.data) <= 1e-5, `chunk ${q}: max relative |Δy| ${maxRel(chunk.y.data, rec.y.data)}`);
    assert.ok(maxRel(chunk.state.data, rec.state.data) <= 1e-5, `chunk ${q}: max relative |Δstate|`);
  }
});

test('SSD gradients (float64 finite differences): both paths, every input and the initial state', () => {
  const d: SsdDims = { length: 5, heads: 4, headDim: 2, groups: 2, stateSize: 3 };
  const { inp, init } = randomCase(9, d, true);
  const t = tensors(d, inp);
  const w = new Tensor(Float64Array.from(normalValues(key(3), d.length * d.heads * d.headDim, 'f64')), [d.length, d.heads, d.headDim]);
  const ws = new Tensor(Float64Array.from(normalValues(key(4), d.heads * d.headDim * d.stateSize, 'f64')), [d.heads, d.headDim, d.stateSize]);
  for (const path of ['recurrent', 'chunked'] as const) {
    const f = (x: T, dt: T, B: T, C: T, s: T): T => {
      const r = path === 'chunked' ? ssdChunked({ ...t, x, dt, B, C }, s, 2) : ssdRecurrent({ ...t, x, dt, B, C }, s);
      return add(sum(mul(r.y, w)), sum(mul(r.state, ws)));
    };
    const res = gradCheck(f, [t.x, t.dt, t.B, t.C, stateOf(d, Float64Array.from(init))]);
    assert.ok(res.maxError <= 1e-6, `${path}: gradient error ${res.maxError} at input ${res.worst.input}[${res.worst.index}]`);
  }
});

test('recurrent SSD: the fused decode kernel (no tape) equals the composite (recording), f32 and f64, state untouched', () => {
  const d: SsdDims = { length: 3, heads: 4, headDim: 5, groups: 2, stateSize: 11 };
  for (const dtype of ['f32', 'f64'] as const) {
    const { inp, init } = randomCase(31, d, dtype === 'f64');
    const state = stateOf(d, init.slice());
    const fused = ssdRecurrent(tensors(d, inp), state);
    const t = tensors(d, inp);
    const composite = ssdRecurrent({ ...t, x: new Tensor(t.x.data, t.x.shape, { requiresGrad: true }) }, state);
    assert.ok(composite.y.requiresGrad && !fused.y.requiresGrad, 'the recording call took the composite path');
    const tol = dtype === 'f32' ? 1e-5 : 1e-13;
    assertClose(fused.y.data, composite.y.data, tol, `${dtype} y`);
    assertClose(fused.state.data, composite.state.data, tol, `${dtype} state`);
    assertClose(state.data, init, 0, `${dtype} initial state kept`);
  }
});
