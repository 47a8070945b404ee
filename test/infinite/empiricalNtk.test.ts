// empiricalNtk's output modes: on a bias-free dense readout the full [O, O] blocks are exactly
// δ_oo′·(σ_w²/d)·x_i·x_j; on a hidden-layer net 'trace' is the mean of 'diagonal', which is the diagonal of
// 'full', and 'full' is symmetric under swapping (x_i, o) with (x_j, o′) on one input set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { random } from '../../src/tensor/index.js';
import { dense, empiricalNtk, relu, serial, StaxNetwork } from '../../src/infinite/index.js';

const x = random.normal(key(1), [3, 4], { dtype: 'f64' });
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

test('empiricalNtk outputs: a dense readout has the full blocks δ_oo′·(σ_w²/d)·x_i·x_j exactly', () => {
  const O = 3, wStd = 1.5, layer = dense(O, { wStd, bStd: null });
  const params = new StaxNetwork(layer, key(2), [4]).paramTree();
  const full = empiricalNtk(layer, params, x, x, { outputs: 'full' });
  assert.equal(full.ntk.length, 3 * 3 * O * O);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    let xx = 0;
    for (let c = 0; c < 4; c++) xx += x.data[i * 4 + c]! * x.data[j * 4 + c]!;
    for (let o = 0; o < O; o++) for (let p = 0; p < O; p++) close(full.ntk[((i * 3 + j) * O + o) * O + p]!, o === p ? (wStd * wStd / 4) * xx : 0, `block ${i}${j} (${o}, ${p})`);
  }
});

test("empiricalNtk outputs on a hidden-layer net: 'trace' = mean of 'diagonal' = diagonal of 'full'; 'full' symmetric", () => {
  const O = 2, layer = serial(dense(16, { wStd: 1.4, bStd: 0.1 }), relu(), dense(O, { wStd: 1.2, bStd: 0.1 }));
  const params = new StaxNetwork(layer, key(3), [4]).paramTree();
  const trace = empiricalNtk(layer, params, x), diag = empiricalNtk(layer, params, x, x, { outputs: 'diagonal' }), full = empiricalNtk(layer, params, x, x, { outputs: 'full' });
  for (let ij = 0; ij < 9; ij++) {
    close(trace.ntk[ij]!, (diag.ntk[ij * O]! + diag.ntk[ij * O + 1]!) / 2, `trace ${ij}`);
    for (let o = 0; o < O; o++) close(full.ntk[(ij * O + o) * O + o]!, diag.ntk[ij * O + o]!, `diagonal ${ij} ${o}`);
  }
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let o = 0; o < O; o++) for (let p = 0; p < O; p++) {
    close(full.ntk[((i * 3 + j) * O + o) * O + p]!, full.ntk[((j * 3 + i) * O + p) * O + o]!, `symmetry ${i}${j}${o}${p}`);
  }
  assert.throws(() => empiricalNtk(layer, params, x, x, { outputs: 'sum' as never }), /outputs/);
});
