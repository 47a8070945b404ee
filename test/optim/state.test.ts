// Optimizer state: readable live buffers, per-element reset (sparse training), full reset, per-parameter
// step counts, and checkpoint snapshots that resume bit-identically.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Tensor } from '../../src/tensor/index.js';
import type { FloatDType } from '../../src/core/dtype.js';
import { adam, adamw, schedules, sgd, type NamedTensors, type Optimizer } from '../../src/optim/index.js';

const SHAPES: Record<string, number[]> = { 'fc1.weight': [3, 5], 'fc1.bias': [5], scale: [] };

/** Deterministic, non-trivial values (no Math.random): a fixed sinusoid per name and step. */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 0.37 * seed + 0.5) * (1 + 0.1 * seed));
}

function makeParams(dtype: FloatDType): NamedTensors {
  const out: NamedTensors = {};
  Object.entries(SHAPES).forEach(([k, s], j) => {
    const n = s.reduce((a, b) => a * b, 1);
    out[k] = new Tensor(dtype === 'f64' ? Float64Array.from(values(n, j)) : Float32Array.from(values(n, j)), s);
  });
  return out;
}

/** Gradients at step t: depend on the current parameters, so a diverging state shows up in the weights. */
function makeGrads(params: NamedTensors, t: number): NamedTensors {
  const out: NamedTensors = {};
  Object.entries(params).forEach(([k, p], j) => {
    const noise = values(p.size, 10 * t + j);
    const g = p.data.map((x, i) => 0.7 * x - 0.2 + noise[i]!);
    out[k] = new Tensor(g, p.shape);
  });
  return out;
}

const copy = (ps: NamedTensors): NamedTensors => Object.fromEntries(Object.entries(ps).map(([k, p]) => [k, new Tensor(p.data.slice(), p.shape)]));
const snapshot = (ps: NamedTensors) => Object.fromEntries(Object.entries(ps).map(([k, p]) => [k, Array.from(p.data)]));

function run(opt: Optimizer, params: NamedTensors, from: number, to: number): void {
  for (let t = from; t < to; t++) opt.step(params, makeGrads(params, t));
}

const FACTORIES: [string, () => Optimizer][] = [
  ['sgd nesterov + L2', () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['sgd dampening + decoupled, step schedule', () => sgd({ lr: schedules.step(0.1, 3, 0.5), momentum: 0.8, dampening: 0.2, weightDecay: 0.01, decoupledWeightDecay: true })],
  ['adam amsgrad', () => adam({ lr: 0.01, amsgrad: true, weightDecay: 0.01 })],
  ['adamw warm-up cosine', () => adamw({ lr: schedules.linearWarmup(3, schedules.cosine(0.02, 10, 1e-4), 0.1) })],
];

for (const [name, make] of FACTORIES) {
  for (const dtype of ['f64', 'f32'] as const) {
    test(`stateDict/loadStateDict resumes bit-identically: ${name} (${dtype})`, () => {
      const straight = makeParams(dtype);
      const a = make();
      run(a, straight, 0, 10);

      const resumed = makeParams(dtype);
      const b = make();
      run(b, resumed, 0, 4);
      const saved = b.stateDict();
      // A checkpoint stores meta as JSON and the tensors as bytes: simulate both.
      const restoredDict = {
        tensors: Object.fromEntries(Object.entries(saved.tensors).map(([k, t]) => [k, new Tensor(t.data.slice(), t.shape)])),
        meta: JSON.parse(JSON.stringify(saved.meta)),
      };
      run(b, resumed, 4, 6); // b moves on; the snapshot must not move with it
      const c = make();
      const restartParams = makeParams(dtype);
      run(make(), restartParams, 0, 4); // the weights as they were at the checkpoint
      c.loadStateDict(restoredDict);
      assert.equal(c.stepCount, 4);
      run(c, restartParams, 4, 10);
      assert.deepEqual(snapshot(restartParams), snapshot(straight));
      assert.deepEqual(c.stateDict().meta, a.stateDict().meta);
    });
  }
}

test('stateDict copies: mutating the snapshot or the loaded tensors does not touch the optimizer', () => {
  const params = makeParams('f64');
  const opt = adam({ lr: 0.01 });
  run(opt, params, 0, 3);
  const d = opt.stateDict();
  assert.deepEqual(Object.keys(d.tensors).sort(), Object.keys(SHAPES).flatMap((k) => [`${k}/exp_avg`, `${k}/exp_avg_sq`]).sort());
  const before = Array.from(opt.state()['fc1.bias']!.exp_avg!.data);
  d.tensors['fc1.bias/exp_avg']!.data.fill(7);
  assert.deepEqual(Array.from(opt.state()['fc1.bias']!.exp_avg!.data), before);
  const other = adam({ lr: 0.01 });
  other.loadStateDict(d);
  d.tensors['fc1.bias/exp_avg']!.data.fill(9);
  assert.ok(other.state()['fc1.bias']!.exp_avg!.data.every((x) => x === 7));
  assert.deepEqual(d.meta, { optimizer: 'adam', stepCount: 3, hyper: { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false }, paramSteps: { 'fc1.weight': 3, 'fc1.bias': 3, scale: 3 } });
});

test('state() exposes live buffers: SGD momentum starts as the first gradient (torch), then μ·b + (1 − τ)·g', () => {
  const params = makeParams('f64');
  const opt = sgd({ lr: 0.1, momentum: 0.9, dampening: 0.25 });
  assert.deepEqual(opt.state(), {}, 'no state before the first gradient');
  const g0 = makeGrads(params, 0);
  opt.step(params, g0);
  const buf = opt.state()['fc1.weight']!.momentum!;
  assert.equal(buf.dtype, 'f64');
  assert.deepEqual(buf.shape, [3, 5]);
  assert.deepEqual(Array.from(buf.data), Array.from(g0['fc1.weight']!.data));
  const g1 = makeGrads(params, 1);
  const expected = Array.from(buf.data, (b, i) => 0.9 * b + 0.75 * g1['fc1.weight']!.data[i]!);
  opt.step(params, g1);
  assert.equal(opt.state()['fc1.weight']!.momentum, buf, 'the same live tensor, updated in place');
  assert.deepEqual(Array.from(buf.data), expected);
  // Writes to a live buffer are seen by the next step.
  buf.data.fill(0);
  const g2 = makeGrads(params, 2);
  const w = Array.from(params['fc1.weight']!.data);
  opt.step(params, g2);
  assert.deepEqual(Array.from(params['fc1.weight']!.data), w.map((x, i) => x - 0.1 * (0.75 * g2['fc1.weight']!.data[i]!)));
});

for (const [name, make, buffers] of [
  ['sgd momentum', () => sgd({ lr: 0.1, momentum: 0.9 }), ['momentum']],
  ['adam amsgrad', () => adam({ lr: 0.01, amsgrad: true }), ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']],
  ['adamw', () => adamw({ lr: 0.01 }), ['exp_avg', 'exp_avg_sq']],
] as [string, () => Optimizer, string[]][]) {
  test(`resetState with a mask zeroes exactly the masked elements of every buffer: ${name}`, () => {
    const params = makeParams('f32');
    const opt = make();
    run(opt, params, 0, 3);
    const before = Object.fromEntries(Object.entries(opt.state()['fc1.weight']!).map(([b, t]) => [b, Array.from(t.data)]));
    assert.deepEqual(Object.keys(before).sort(), [...buffers].sort());
    const keep = Uint8Array.from({ length: 15 }, (_, i) => (i % 3 === 1 || i === 14 ? 0 : 1));
    opt.resetState('fc1.weight', keep);
    for (const [b, t] of Object.entries(opt.state()['fc1.weight']!)) {
      t.data.forEach((x, i) => {
        if (keep[i] === 0) assert.equal(x, 0, `${b}[${i}] masked`);
        else assert.equal(x, before[b]![i], `${b}[${i}] kept`);
        if (keep[i] === 0) assert.notEqual(before[b]![i], 0, 'the test masks non-zero state');
      });
    }
    const others = opt.state()['fc1.bias']!;
    assert.ok(Object.values(others).every((t) => t.data.some((x) => x !== 0)), 'other parameters untouched');
    assert.equal((opt.stateDict().meta.paramSteps as Record<string, number>)['fc1.weight'], 3, 'a masked reset keeps the step count');
  });
}

test('resetState with a mask: SGD momentum at masked positions restarts from (1 − τ)·g, elsewhere continues', () => {
  const params = makeParams('f64');
  const opt = sgd({ lr: 0.1, momentum: 0.9, dampening: 0.5 });
  run(opt, params, 0, 2);
  const keep = Uint8Array.from([1, 0, 1, 0, 0]);
  const b0 = Array.from(opt.state()['fc1.bias']!.momentum!.data);
  opt.resetState('fc1.bias', keep);
  const g = makeGrads(params, 2);
  opt.step(params, g);
  const gb = g['fc1.bias']!.data;
  assert.deepEqual(Array.from(opt.state()['fc1.bias']!.momentum!.data), b0.map((b, i) => (keep[i] ? 0.9 * b : 0) + 0.5 * gb[i]!));
});

for (const [name, make] of FACTORIES) {
  test(`resetState without a mask makes the parameter's state fresh: ${name}`, () => {
    // After a full reset, the next update of that parameter equals a fresh optimizer's first update
    // at the same learning rate (so the step schedule is kept: compare at the same global step).
    const params = makeParams('f64');
    const opt = make();
    run(opt, params, 0, 5);
    opt.resetState('fc1.weight');
    assert.ok(Object.values(opt.state()['fc1.weight']!).every((t) => t.data.every((x) => x === 0)));
    const twin = make();
    const twinParams = copy(params);
    // Bring the twin to global step 5 without touching fc1.weight's state (no gradient for it).
    for (let t = 0; t < 5; t++) twin.step(twinParams, { 'fc1.bias': makeGrads(twinParams, t)['fc1.bias']! });
    twinParams['fc1.weight'] = new Tensor(params['fc1.weight']!.data.slice(), [3, 5]);
    const g = makeGrads(params, 5);
    opt.step(params, { 'fc1.weight': g['fc1.weight']! });
    twin.step(twinParams, { 'fc1.weight': g['fc1.weight']! });
    assert.deepEqual(Array.from(params['fc1.weight']!.data), Array.from(twinParams['fc1.weight']!.data));
  });
}

test('a parameter without a gradient is skipped: no update, no state, its own step count (torch)', () => {
  const params = makeParams('f64');
  const opt = adam({ lr: 0.01 });
  const scale0 = Array.from(params.scale!.data);
  opt.step(params, { 'fc1.weight': makeGrads(params, 0)['fc1.weight']!, scale: undefined as unknown as Tensor });
  opt.step(params, makeGrads(params, 1));
  assert.equal(opt.stepCount, 2);
  assert.deepEqual((opt.stateDict().meta.paramSteps as Record<string, number>), { 'fc1.weight': 2, 'fc1.bias': 1, scale: 1 });
  // scale's first update (at global step 1) has bias-corrected m̂/√v̂ = g/|g|: it moves by lr, up to ε.
  assert.ok(Math.abs(Math.abs(params.scale!.data[0]! - scale0[0]!) - 0.01) < 1e-9);
});

test('learningRate() follows the schedule at stepCount; float32 parameters keep float32 state', () => {
  const opt = sgd({ lr: schedules.multiStep(0.1, [1, 3], 0.1), momentum: 0.5 });
  const params = makeParams('f32');
  const lrs: number[] = [];
  for (let t = 0; t < 5; t++) {
    lrs.push(opt.learningRate());
    opt.step(params, makeGrads(params, t));
  }
  assert.deepEqual(lrs.map((x) => Number(x.toPrecision(12))), [0.1, 0.01, 0.01, 0.001, 0.001]);
  assert.equal(opt.state().scale!.momentum!.dtype, 'f32');
  assert.ok(params['fc1.weight']!.data instanceof Float32Array);
});
