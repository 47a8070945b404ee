// The SSD layer: the check vector of research/zamba2.md §G6 (float64, both paths), chunked == recurrent on
// random inputs (float32 storage, several chunk sizes, with a non-zero initial state), gated RMSNorm vector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ssdChunked, ssdRecurrent, gatedGroupRmsNormRows, softplus, type SsdDims } from '../../src/nn/sequence/index.js';
import { normalValues, key, split } from '../../src/core/random.js';

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
  const sRec = new Float64Array(8), sChunk = new Float64Array(8);
  const yRec = ssdRecurrent(dims, inp, sRec);
  const yChunk = ssdChunked(dims, inp, sChunk, 2);
  // The note's numbers have 6 decimals: agreement to 1e-6 up to their rounding (≤ 5e-7).
  assertClose(yRec, expectedY, 1e-6, 'y recurrent');
  assertClose(yChunk, expectedY, 1e-6, 'y chunked');
  assertClose(sRec, expectedState, 1e-6, 'state recurrent');
  assertClose(sChunk, expectedState, 1e-6, 'state chunked');
  assertClose(yChunk, yRec, 1e-14, 'chunked vs recurrent');
});

test('gated RMSNorm check vector of the note (gate before the norm)', () => {
  const inp = noteInputs();
  const y4 = ssdRecurrent(dims, inp, new Float64Array(8)).subarray(16, 20);
  const out = gatedGroupRmsNormRows(y4, new Float64Array([0.5, -1, 1.5, 0]), new Float64Array([1, 1, 1, 1]), 4, 1, 1e-5);
  assertClose(out, [1.106087, -1.053351, 1.290417, 0], 1e-6, 'gated norm');
});

test('chunked SSD equals the recurrence on random float32 inputs with an initial state (chunks 1, 3, 7, 64)', () => {
  const d: SsdDims = { length: 23, heads: 6, headDim: 5, groups: 2, stateSize: 4 };
  const [k1, k2, k3, k4, k5] = split(key(7), 5);
  const f32 = (k: typeof k1, n: number, scale = 1) => Float32Array.from(normalValues(k!, n, 'f32'), (v) => v * scale);
  const x = f32(k1, d.length * d.heads * d.headDim);
  const dt = Float32Array.from(f32(k2, d.length * d.heads), (v) => softplus(v));
  const B = f32(k3, d.length * d.groups * d.stateSize), C = f32(k4, d.length * d.groups * d.stateSize);
  const A = new Float32Array([-0.5, -1, -2, -0.1, -3, -1.5]), D = new Float32Array([1, 0.5, 0, -1, 2, 0.1]);
  const init = f32(k5, d.heads * d.headDim * d.stateSize);
  const inp = { x, dt, A, B, C, D };
  const sRec = Float32Array.from(init);
  const yRec = ssdRecurrent(d, inp, sRec);
  for (const q of [1, 3, 7, 64]) {
    const s = Float32Array.from(init);
    const y = ssdChunked(d, inp, s, q);
    let maxY = 0, maxS = 0;
    for (let i = 0; i < y.length; i++) maxY = Math.max(maxY, Math.abs(y[i]! - yRec[i]!) / (1 + Math.abs(yRec[i]!)));
    for (let i = 0; i < s.length; i++) maxS = Math.max(maxS, Math.abs(s[i]! - sRec[i]!) / (1 + Math.abs(sRec[i]!)));
    assert.ok(maxY <= 1e-5, `chunk ${q}: max relative |Δy| ${maxY}`);
    assert.ok(maxS <= 1e-5, `chunk ${q}: max relative |Δstate| ${maxS}`);
  }
});
