// The Mamba2 mixer against a PyTorch port of the note's equations (scripts/fixtures/zamba2_mixer_golden.py:
// float64, minimal-SSD chunked algorithm, grouped B/C, gated grouped RMSNorm), over two calls that share the
// conv window and SSM state. Both of tessera's paths (chunked and recurrent) are compared, in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mamba2Forward, zeroMamba2State, type Mamba2Dims, type Mamba2Weights } from '../../src/nn/sequence/index.js';

const g = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/zamba2-mixer-golden.json', import.meta.url)), 'utf8'));
const f64 = (a: number[]) => Float64Array.from(a);
const dims: Mamba2Dims = {
  hidden: g.dims.hidden, innerWidth: g.dims.inner, heads: g.dims.heads, headDim: g.dims.head_dim, stateSize: g.dims.state,
  groups: g.dims.groups, convKernel: g.dims.kernel, chunkSize: g.dims.chunk, dtMin: null, normEps: 1e-5,
};
const w: Mamba2Weights = {
  inProj: f64(g.weights.in_proj), convWeight: f64(g.weights.conv_weight), convBias: f64(g.weights.conv_bias), dtBias: f64(g.weights.dt_bias),
  aLog: f64(g.weights.A_log), d: f64(g.weights.D), normWeight: f64(g.weights.norm_weight), outProj: f64(g.weights.out_proj),
};

function close(got: ArrayLike<number>, want: number[], tol: number, what: string) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

for (const path of ['chunked', 'recurrent'] as const) {
  test(`Mamba2 mixer (${path}) equals the PyTorch port over two calls sharing the state (float64, 1e-10)`, () => {
    const state = zeroMamba2State(dims, 'f64');
    close(mamba2Forward(dims, w, f64(g.u1), state, path), g.y1, 1e-10, 'y1');
    close(mamba2Forward(dims, w, f64(g.u2), state, path), g.y2, 1e-10, 'y2');
    close(state.conv, g.conv_state, 1e-12, 'conv window');
    close(state.ssm, g.ssm_state, 1e-10, 'ssm state');
  });
}
