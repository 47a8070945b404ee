// The fused image kernel (infinite/fused.ts) against the layer-by-layer kernel (kernelFn's fused: false) on the
// image specs of `ntk bench --layers` that fuse, with x2 omitted (several blocks: diagonal and off-diagonal, odd
// sizes) and with another x2; on the cpu backend (the reference pipeline) and on native when built. Layers with no
// pipeline step (attention) and diagonalSpatial kernels take the layer-by-layer path (no plan).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { random } from '../../src/core/index.js';
import { setBackend } from '../../src/backend/registry.js';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import { createNativeBackend } from '../../src/backend/native/index.js';
import { fusedPlan, kernelFn, parseArchitecture, type Inputs } from '../../src/infinite/index.js';

const C = 'conv:2:3:1.4:0.1', D = 'dense:1.4:0.1';
const FUSING = [
  `${C} relu ${C} relu global_avg_pool ${D}`,
  `${C}:1:circular relu ${C}:1:circular relu global_avg_pool ${D}`,
  `${C}:2 relu ${C} relu global_avg_pool ${D}`,
  `${C}:1:valid leaky_relu:0.1 ${C} erf global_avg_pool ${D} relu ${D}`,
  `${C} relu avg_pool:2 ${C} relu global_avg_pool ${D}`,
  `${C} abs sum_pool:2 ${C} relu global_avg_pool ${D}`,
  `${C} relu ${C} relu flatten ${D}`,
];

const images = (n: number, seed: number): Inputs => ({ data: random.normalValues(random.key(seed), n * 2 * 36, 'f64'), shape: [n, 2, 6, 6] });

function close(got: Float64Array, want: Float64Array, label: string, tol = 1e-12): void {
  let err = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  assert.ok(err <= tol * scale, `${label}: relative error ${err / scale} > ${tol}`);
}

function compare(backendName: string): void {
  const x1 = images(11, 1), x2 = images(5, 2);
  for (const spec of FUSING) {
    const layer = parseArchitecture(spec);
    assert.notEqual(fusedPlan(layer, { spatial: [6, 6], channels: 2, isGaussian: false }), null, `${spec} fuses`);
    for (const x of [null, x2]) {
      const fused = kernelFn(layer, x1, x, { batchSize: 4 }), layers = kernelFn(layer, x1, x, { batchSize: 4, fused: false });
      const label = `${backendName}: ${spec}, x2 ${x === null ? 'omitted' : 'given'}`;
      close(fused.nngp, layers.nngp, `${label} nngp`);
      close(fused.ntk, layers.ntk, `${label} ntk`);
      close(fused.nngpDiag1, layers.nngpDiag1, `${label} diag1`);
      close(fused.nngpDiag2, layers.nngpDiag2, `${label} diag2`);
    }
  }
}

test('fused image kernels = layer by layer on the cpu backend (the reference pipeline)', () => {
  const previous = setBackend(cpuBackend);
  try {
    compare('cpu');
  } finally {
    setBackend(previous);
  }
});

const load = createNativeBackend({ threads: 2 });
test('fused image kernels = layer by layer on the native backend', { skip: load.ok ? false : `native backend unavailable: ${load.reason}` }, () => {
  if (!load.ok) return;
  const previous = setBackend(load.backend);
  try {
    compare('native');
  } finally {
    setBackend(previous);
  }
});

test('no fused plan for layers without a pipeline step (attention), vector inputs, or spatial outputs', () => {
  const shape = { spatial: [6, 6], channels: 1, isGaussian: false };
  assert.equal(fusedPlan(parseArchitecture(`${C} relu attention:1:1:0.1 relu global_avg_pool ${D}`), shape), null);
  assert.equal(fusedPlan(parseArchitecture(`${C} relu ${C}`), shape), null); // no reduction
  assert.equal(fusedPlan(parseArchitecture(`${D} relu ${D}`), { spatial: [], channels: 4, isGaussian: false }), null);
  assert.equal(fusedPlan(parseArchitecture(`${C} gelu ${C} relu global_avg_pool ${D}`), shape), null); // quadrature map
  const plan = fusedPlan(parseArchitecture(`${C} relu ${C} relu global_avg_pool ${D} relu ${D}`), shape)!;
  assert.deepEqual(plan.steps.map((s) => s.op), ['conv', 'map', 'conv', 'map', 'reduce']);
  assert.equal(plan.rest.length, 3);
});
