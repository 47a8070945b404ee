// The Mamba2 mixer against a PyTorch port of the note's equations (scripts/fixtures/zamba2_mixer_golden.py:
// float64, minimal-SSD chunked algorithm, grouped B/C, gated grouped RMSNorm), over two calls that share the
// conv window and SSM state. Both paths of the engine's mixer (chunked and recurrent) and the typed-array
// reference are compared, in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mamba2Mixer, mamba2ConvDim, mamba2ProjWidth, zeroMamba2State, type Mamba2Dims, type Mamba2Weights } from '../../src/nn/sequence/index.js';
import { Tensor, transpose } from '../../src/tensor/index.js';
import * as ref from '../support/sequenceReference/index.js';

const g = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/zamba2-mixer-golden.json', import.meta.url)), 'utf8'));
const f64 = (a: number[]) => Float64Array.from(a);
const dims: Mamba2Dims = {
  hidden: g.dims.hidden, innerWidth: g.dims.inner, heads: g.dims.heads, headDim: g.dims.head_dim, stateSize: g.dims.state,
  groups: g.dims.groups, convKernel: g.dims.kernel, chunkSize: g.dims.chunk, dtMin: null, normEps: 1e-5,
};
const refWeights: ref.Mamba2Weights = {
  inProj: f64(g.weights.in_proj), convWeight: f64(g.weights.conv_weight), convBias: f64(g.weights.conv_bias), dtBias: f64(g.weights.dt_bias),
  aLog: f64(g.weights.A_log), d: f64(g.weights.D), normWeight: f64(g.weights.norm_weight), outProj: f64(g.weights.out_proj),
};
const convDim = mamba2ConvDim(dims), H = dims.heads;
const w: Mamba2Weights = {
  inProj: new Tensor(refWeights.inProj, [mamba2ProjWidth(dims), dims.hidden]), convWeight: new Tensor(refWeights.convWeight, [convDim, 1, dims.convKernel]),
  convBias: new Tensor(refWeights.convBias, [convDim]), dtBias: new Tensor(refWeights.dtBias, [H]), aLog: new Tensor(refWeights.aLog, [H]),
  d: new Tensor(refWeights.d, [H]), normWeight: new Tensor(refWeights.normWeight, [dims.innerWidth]), outProj: new Tensor(refWeights.outProj, [dims.hidden, dims.innerWidth]),
};
const rows = (a: number[]) => new Tensor(f64(a), [a.length / dims.hidden, dims.hidden]);

function close(got: ArrayLike<number>, want: number[], tol: number, what: string) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

for (const path of ['chunked', 'recurrent'] as const) {
  test(`Mamba2 mixer (${path}) equals the PyTorch port over two calls sharing the state (float64, 1e-10)`, () => {
    const first = mamba2Mixer(dims, w, rows(g.u1), zeroMamba2State(dims, 'f64'), path);
    close(first.y.data, g.y1, 1e-10, 'y1');
    const second = mamba2Mixer(dims, w, rows(g.u2), first.state, path);
    close(second.y.data, g.y2, 1e-10, 'y2');
    close(transpose(second.state.conv).data, g.conv_state, 1e-12, 'conv window (HF\'s conv_state is [C, K])');
    close(second.state.ssm.data, g.ssm_state, 1e-10, 'ssm state');
  });

  test(`the typed-array reference mixer (${path}) equals the same PyTorch port (float64, 1e-10)`, () => {
    const state = ref.zeroMamba2State(dims, 'f64');
    close(ref.mamba2Forward(dims, refWeights, f64(g.u1), state, path), g.y1, 1e-10, 'y1');
    close(ref.mamba2Forward(dims, refWeights, f64(g.u2), state, path), g.y2, 1e-10, 'y2');
  });
}
