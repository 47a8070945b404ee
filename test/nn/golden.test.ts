// nn layers against PyTorch (float64): batch norm in train/eval mode with running statistics,
// with and without tracking, without affine; layer norm; RMS norm. Outputs, input gradients,
// affine-parameter gradients and running buffers after each pass.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import * as T from '../../src/tensor/index.js';
import { BatchNorm, LayerNorm, RMSNorm, type Module } from '../../src/nn/index.js';
import { assertClose } from '../support/random.js';

interface Arr { shape: number[]; data: number[] }
interface Step { mode: 'train' | 'eval'; x: Arr; cotangent: Arr; output: Arr; grad_x: Arr; grads: Record<string, Arr>; buffers: Record<string, Arr> }
interface Case { name: string; options: Record<string, any>; params: Record<string, Arr>; steps: Step[] }

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/nn-golden.json', import.meta.url), 'utf8')) as { cases: Case[] };
const t64 = (a: Arr) => T.tensor(Float64Array.from(a.data), a.shape);

function build(o: Record<string, any>): Module {
  switch (o.kind) {
    case 'batchNorm2d': case 'batchNorm1d':
      return new BatchNorm(o.features, o.kind === 'batchNorm2d' ? 2 : 1, { dtype: 'f64', ...(o.momentum !== undefined && { momentum: o.momentum }), ...(o.eps !== undefined && { eps: o.eps }), ...(o.affine !== undefined && { affine: o.affine }), ...(o.trackRunningStats !== undefined && { trackRunningStats: o.trackRunningStats }) });
    case 'layerNorm': return new LayerNorm(o.shape, { dtype: 'f64', ...(o.eps !== undefined && { eps: o.eps }) });
    case 'rmsNorm': return new RMSNorm(o.shape, { dtype: 'f64', eps: o.eps });
    default: throw new Error(`unknown layer kind ${o.kind}`);
  }
}

for (const c of fixture.cases) {
  test(`nn golden: ${c.name}`, () => {
    const layer = build(c.options);
    const params = layer.namedParameters();
    for (const [k, v] of Object.entries(c.params)) params[k]!.data.set(v.data);
    c.steps.forEach((s, i) => {
      layer.train(s.mode === 'train');
      const x = t64(s.x).asParameter();
      const out = layer.forward(x);
      assertClose(out.data, s.output.data, 1e-10, 1e-12, `${c.name} step ${i} output`);
      for (const p of Object.values(params)) p.grad = null;
      T.backward(T.sum(T.mul(out, t64(s.cotangent))));
      assertClose(x.grad!.data, s.grad_x.data, 1e-9, 1e-11, `${c.name} step ${i} grad x`);
      for (const [k, g] of Object.entries(s.grads)) assertClose(params[k]!.grad!.data, g.data, 1e-9, 1e-11, `${c.name} step ${i} grad ${k}`);
      const buffers = layer.namedBuffers();
      for (const [k, b] of Object.entries(s.buffers)) assertClose(buffers[k]!.data, b.data, 1e-12, 1e-14, `${c.name} step ${i} ${k}`);
    });
  });
}
