// The fused SSD decode step of every backend against the cpu reference (f32): MHA-like and grouped heads, a
// state size that leaves a tail after the 8 and 4 lanes, in place (stateOut = state) equal to out of place;
// wrong lengths are refused before any kernel runs; the tensor op refuses inputs that require grad.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import { normalValues, key } from '../../src/core/random.js';
import { Tensor, noGrad, ssdStep } from '../../src/tensor/index.js';
import { TesseraError } from '../../src/core/errors.js';
import { engineBackends } from '../support/backends.js';

const f32 = (seed: number, n: number, scale = 1) => Float32Array.from(normalValues(key(seed), n, 'f32'), (v) => scale * v);

function inputs(H: number, P: number, N: number, G: number) {
  return {
    state: f32(1, H * P * N), x: f32(2, H * P), dt: f32(3, H).map((v) => Math.log1p(Math.exp(v))), A: f32(4, H).map((v) => -Math.exp(v)),
    B: f32(5, G * N), C: f32(6, G * N), D: f32(7, H),
  };
}

test('ssdStep: every backend equals the cpu reference (f32: state 2e-6, y — an f32 sum of N products — 1e-5 relative), in place and out of place', async () => {
  for (const backend of await engineBackends()) {
    for (const [H, P, N, G] of [[1, 1, 1, 1], [4, 3, 19, 2], [8, 16, 64, 1], [64, 8, 128, 1]] as const) {
      const p = { heads: H, headDim: P, stateSize: N, groups: G };
      const i = inputs(H, P, N, G);
      const wantS = new Float32Array(i.state.length), wantY = new Float32Array(H * P);
      cpuBackend.ssdStep(p, i.state, i.x, i.dt, i.A, i.B, i.C, i.D, wantS, wantY);
      const gotS = new Float32Array(i.state.length), gotY = new Float32Array(H * P);
      backend.ssdStep(p, i.state, i.x, i.dt, i.A, i.B, i.C, i.D, gotS, gotY);
      const inPlace = Float32Array.from(i.state), inPlaceY = new Float32Array(H * P);
      backend.ssdStep(p, inPlace, i.x, i.dt, i.A, i.B, i.C, i.D, inPlace, inPlaceY);
      const worst = (got: Float32Array, want: Float32Array) => got.reduce((m, g, k) => Math.max(m, Math.abs(g - want[k]!) / (1 + Math.abs(want[k]!))), 0);
      for (const [what, got, want, tol] of [['state', gotS, wantS, 2e-6], ['y', gotY, wantY, 1e-5], ['in-place state', inPlace, wantS, 2e-6], ['in-place y', inPlaceY, wantY, 1e-5]] as const) {
        assert.ok(worst(got, want) <= tol, `${backend.name} ${JSON.stringify(p)} ${what}: ${worst(got, want)}`);
      }
    }
    const p = { heads: 2, headDim: 2, stateSize: 4, groups: 1 };
    const n = (k: number) => new Float32Array(k);
    assert.throws(() => backend.ssdStep(p, n(15), n(4), n(2), n(2), n(4), n(4), n(2), n(16), n(4)), (e: unknown) => e instanceof TesseraError && /state/.test(e.message));
    assert.throws(() => backend.ssdStep({ ...p, groups: 3 }, n(16), n(4), n(2), n(2), n(12), n(12), n(2), n(16), n(4)), /groups/);
  }
});

test('ssdStep (tensor op): leaves the state alone unless in place, and refuses inputs that require grad', () => {
  const [H, P, N, G] = [2, 3, 5, 1];
  const i = inputs(H, P, N, G);
  const t = { x: new Tensor(i.x, [H, P]), dt: new Tensor(i.dt, [H]), A: new Tensor(i.A, [H]), B: new Tensor(i.B, [G, N]), C: new Tensor(i.C, [G, N]), D: new Tensor(i.D, [H]) };
  const before = Float32Array.from(i.state);
  const state = new Tensor(i.state, [H, P, N]);
  const out = ssdStep(state, t);
  assert.deepEqual(Array.from(state.data), Array.from(before), 'state changed by an out-of-place step');
  const again = ssdStep(state, t, { inPlace: true });
  assert.equal(again.state, state);
  assert.deepEqual(Array.from(state.data), Array.from(out.state.data));
  assert.deepEqual(Array.from(again.y.data), Array.from(out.y.data));
  const withGrad = { ...t, x: new Tensor(i.x, [H, P], { requiresGrad: true }) };
  assert.throws(() => ssdStep(state, withGrad), /no VJP/);
  assert.doesNotThrow(() => noGrad(() => ssdStep(state, withGrad)));
  assert.throws(() => ssdStep(new Tensor(i.state, [H, N, P]), t), /state|x/);
});
