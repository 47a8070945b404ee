// Golden tests: tessera's optimizers, clipGradNorm and schedules against PyTorch.
//
// Fixtures: test/fixtures/optim-golden.json, written by scripts/fixtures/optim_golden.py (format
// documented there). Each trajectory is replayed here: the same initial parameters, the gradient
// a·(p − c) + noise[t] evaluated at tessera's own current parameters (so errors would compound, not
// hide), the same skipped gradients, and every parameter compared with torch's after every step.
//
// Metric, per tensor: relErr = max_i |g_i − e_i| / max(|e_i|, FLOOR·max_j |e_j|).
//  - float64 replays: FLOOR 1e-3, relErr ≤ 1e-12 (torch ran in float64; only operation order differs).
//  - float32 replays (same float32-representable inputs, float32 arithmetic) against torch's float64
//    run: FLOOR 1 (norm-wise: relative to the tensor's largest entry), relErr ≤ 1e-5. Elementwise
//    judging would fail torch's own float32 run, which scores up to 1e-4 on entries that pass near
//    zero; norm-wise it scores ≤ 3.5e-6 (`optim_golden.py --check`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { withBackend } from '../../src/backend/registry.js';
import { Tensor } from '../../src/tensor/index.js';
import type { FloatDType } from '../../src/core/dtype.js';
import { adam, adamw, clipGradNorm, schedules, sgd, type NamedTensors, type Optimizer, type Schedule } from '../../src/optim/index.js';
import { engineBackends } from '../support/backends.js';

const FLOOR_F64 = 1e-3; // keep equal to FLOOR_F64 / FLOOR_F32 in scripts/fixtures/optim_golden.py
const FLOOR_F32 = 1;
const TOL_F64 = 1e-12;
const TOL_F32 = 1e-5;

interface FixtureArray { shape: number[]; data: number[] }
interface SchedSpec { kind: string; args: any[] }
interface Trajectory {
  name: string;
  optimizer: 'sgd' | 'adam' | 'adamw';
  options: Record<string, any>;
  schedule: SchedSpec | null;
  steps: number;
  params: Record<string, FixtureArray>;
  a: Record<string, FixtureArray>;
  c: Record<string, FixtureArray>;
  noise: Record<string, FixtureArray>[];
  skip: Record<string, number[]>;
  trajectory: Record<string, number[]>[];
  state: Record<string, Record<string, number[]>>;
}
interface ClipCase { name: string; maxNorm: number; grads: Record<string, FixtureArray>; norm: number; clipped: Record<string, number[]> }
interface SchedCase extends SchedSpec { name: string; values: number[] }

// Compiled to dist/test/optim/golden.test.js: three levels up is the repository root.
const FIXTURE = new URL('../../../test/fixtures/optim-golden.json', import.meta.url);
const fixture: { trajectories: Trajectory[]; clip: ClipCase[]; schedules: SchedCase[] } = JSON.parse(readFileSync(FIXTURE, 'utf8'));

function relErr(got: ArrayLike<number>, exp: ArrayLike<number>, floorFactor: number): number {
  assert.equal(got.length, exp.length, 'length');
  let scale = 0;
  for (let i = 0; i < exp.length; i++) scale = Math.max(scale, Math.abs(exp[i]!));
  const floor = Math.max(floorFactor * scale, 1e-300);
  let worst = 0;
  for (let i = 0; i < exp.length; i++) {
    const err = Math.abs(got[i]! - exp[i]!) / Math.max(Math.abs(exp[i]!), floor);
    worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  return worst;
}

function assertGolden(got: ArrayLike<number>, exp: ArrayLike<number>, dtype: FloatDType, what: string): void {
  const [floor, tol] = dtype === 'f64' ? [FLOOR_F64, TOL_F64] : [FLOOR_F32, TOL_F32];
  const err = relErr(got, exp, floor);
  assert.ok(err <= tol, `${what}: relErr ${err.toExponential(2)} > ${tol}`);
}

const typed = (dtype: FloatDType, data: number[]) => (dtype === 'f64' ? Float64Array.from(data) : Float32Array.from(data));
const load = (a: FixtureArray, dtype: FloatDType) => new Tensor(typed(dtype, a.data), a.shape);

function scheduleFor(spec: SchedSpec): Schedule {
  const a = spec.args;
  switch (spec.kind) {
    case 'step': return schedules.step(a[0], a[1], a[2]);
    case 'multiStep': return schedules.multiStep(a[0], a[1], a[2]);
    case 'cosine': return schedules.cosine(a[0], a[1], a[2]);
    case 'warmupStep': return schedules.linearWarmup(a[0], schedules.step(a[2], a[3], a[4]), a[1]);
    case 'warmupCosine': return schedules.linearWarmup(a[0], schedules.cosine(a[2], a[3], a[4]), a[1]);
    default: throw new Error(`unknown schedule kind ${spec.kind}`);
  }
}

function makeOptimizer(c: Trajectory): Optimizer {
  const options = { ...c.options, lr: c.schedule ? scheduleFor(c.schedule) : c.options.lr };
  return { sgd, adam, adamw }[c.optimizer](options as any);
}

/** Replays a trajectory in `dtype`; returns the optimizer and the parameter values after each step. */
function replay(c: Trajectory, dtype: FloatDType): { opt: Optimizer; steps: Record<string, number[]>[] } {
  const r = dtype === 'f32' ? Math.fround : (x: number) => x;
  const params: NamedTensors = {};
  for (const [k, v] of Object.entries(c.params)) params[k] = load(v, dtype);
  const opt = makeOptimizer(c);
  const steps: Record<string, number[]>[] = [];
  for (let t = 0; t < c.steps; t++) {
    const grads: NamedTensors = {};
    for (const [k, p] of Object.entries(params)) {
      if (c.skip[k]?.includes(t)) continue;
      const a = c.a[k]!.data, cc = c.c[k]!.data, noise = c.noise[t]![k]!.data;
      const g = typed(dtype, a.map((ai, i) => r(r(ai * r(p.data[i]! - cc[i]!)) + noise[i]!)));
      grads[k] = new Tensor(g, p.shape);
    }
    opt.step(params, grads);
    steps.push(Object.fromEntries(Object.entries(params).map(([k, p]) => [k, Array.from(p.data)])));
  }
  return { opt, steps };
}

// The update arithmetic is a backend kernel: replay on every engine backend.
const backends = await engineBackends();
for (const backend of backends) for (const c of fixture.trajectories) {
  for (const dtype of ['f64', 'f32'] as const) {
    test(`[${backend.name}] golden ${c.name} (${dtype})`, () => withBackend(backend, () => {
      const { opt, steps } = replay(c, dtype);
      assert.equal(opt.stepCount, c.steps);
      c.trajectory.forEach((expected, t) => {
        for (const [k, e] of Object.entries(expected)) assertGolden(steps[t]![k]!, e, dtype, `step ${t} ${k}`);
      });
      const state = opt.state();
      for (const [k, bufs] of Object.entries(c.state)) {
        for (const [b, e] of Object.entries(bufs)) {
          const got = state[k]?.[b];
          assert.ok(got, `state['${k}'].${b} missing`);
          assert.equal(got.dtype, dtype, 'state buffers share the parameter dtype');
          assertGolden(got.data, e, dtype, `final state ${k}/${b}`);
        }
      }
      for (const [k, bufs] of Object.entries(state)) {
        assert.deepEqual(Object.keys(bufs).sort(), Object.keys(c.state[k] ?? {}).sort(), `state buffers of ${k}`);
      }
    }));
  }
}

for (const c of fixture.clip) {
  for (const dtype of ['f64', 'f32'] as const) {
    test(`golden ${c.name} (${dtype})`, () => {
      const grads: NamedTensors = {};
      for (const [k, v] of Object.entries(c.grads)) grads[k] = load(v, dtype);
      const norm = clipGradNorm(grads, c.maxNorm);
      assertGolden([norm], [c.norm], dtype, 'norm');
      for (const [k, e] of Object.entries(c.clipped)) assertGolden(grads[k]!.data, e, dtype, `clipped ${k}`);
      if (c.norm <= c.maxNorm) {
        for (const [k, v] of Object.entries(c.grads)) assert.deepEqual(Array.from(grads[k]!.data), Array.from(typed(dtype, v.data)), 'unclipped grads are untouched');
      }
    });
  }
}

for (const c of fixture.schedules) {
  test(`golden schedule ${c.name}`, () => {
    const s = scheduleFor(c);
    assertGolden(c.values.map((_, k) => s(k)), c.values, 'f64', c.name);
  });
}
