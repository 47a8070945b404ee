// Bad options, mismatched names/shapes/dtypes and bad snapshots get errors that name the function,
// the argument and expected vs got; a failed step writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Tensor, zeros } from '../../src/tensor/index.js';
import { TesseraError } from '../../src/core/errors.js';
import { adam, adamw, clipGradNorm, schedules, sgd, type NamedTensors } from '../../src/optim/index.js';

function throwsWith(fn: () => unknown, kind: string, ...parts: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TesseraError, `expected a TesseraError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    for (const p of parts) assert.match(e.message, p);
    return true;
  });
}

const f64 = (data: number[], shape = [data.length]) => new Tensor(Float64Array.from(data), shape);

test('optimizer options are validated', () => {
  throwsWith(() => sgd({ lr: -0.1 }), 'option', /^sgd: option 'lr' expected a finite number ≥ 0, got -0.1/);
  throwsWith(() => sgd({} as any), 'option', /^sgd: option 'lr' expected .*required/);
  throwsWith(() => sgd({ lr: NaN }), 'option', /option 'lr'/, /got NaN/);
  throwsWith(() => sgd({ lr: 0.1, momentum: -0.5 }), 'option', /option 'momentum' expected a finite number ≥ 0, got -0.5/);
  throwsWith(() => sgd({ lr: 0.1, nesterov: true }), 'option', /option 'nesterov' expected momentum > 0 and dampening 0 \(got momentum 0, dampening 0\)/);
  throwsWith(() => sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), 'option', /nesterov/, /dampening 0\.1/);
  throwsWith(() => sgd({ lr: 0.1, weightDecay: -1 }), 'option', /option 'weightDecay'/);
  throwsWith(() => sgd({ lr: 0.1, weight_decay: 0.1 } as any), 'option', /^sgd: unknown option 'weight_decay'; expected one of: lr, momentum/);
  throwsWith(() => sgd({ lr: 0.1, nesterov: 'yes' } as any), 'option', /option 'nesterov' expected true or false, got yes/);
  throwsWith(() => adam({ lr: 0.1, betas: [1, 0.999] }), 'option', /^adam: option 'betas\[0\]' expected a finite number ≥ 0 < 1, got 1/);
  throwsWith(() => adam({ lr: 0.1, betas: [0.9, -0.1] }), 'option', /option 'betas\[1\]'/);
  throwsWith(() => adam({ lr: 0.1, betas: [0.9] as any }), 'option', /option 'betas' expected a pair/);
  throwsWith(() => adamw({ lr: 0.1, eps: 0 }), 'option', /^adamw: option 'eps' expected a finite number > 0, got 0/);
  throwsWith(() => adamw({ lr: 0.1, amsgrad: 1 } as any), 'option', /option 'amsgrad'/);
  throwsWith(() => adam(null as any), 'option', /^adam: options expected an object/);
});

test('schedules validate their arguments and the step; a schedule giving a bad lr fails the step', () => {
  throwsWith(() => schedules.step(0.1, 0, 0.5), 'option', /^schedules\.step: option 'stepSize' expected an integer ≥ 1, got 0/);
  throwsWith(() => schedules.cosine(0.1, 2.5), 'option', /option 'totalSteps' expected an integer/);
  throwsWith(() => schedules.multiStep(0.1, [3, -1], 0.1), 'option', /option 'milestones\[1\]'/);
  throwsWith(() => schedules.linearWarmup(3, 0.1 as any), 'option', /option 'after' expected a schedule/);
  throwsWith(() => schedules.linearWarmup(3, schedules.constant(1), 1.5), 'option', /option 'startFactor' expected .*≤ 1/);
  throwsWith(() => schedules.constant(0.1)(-1), 'range', /^schedules\.constant: step expected an integer ≥ 0, got -1/);
  throwsWith(() => schedules.step(0.1, 2, 0.5)(1.5), 'range', /step expected an integer/);
  const opt = sgd({ lr: (k) => (k < 1 ? 0.1 : NaN) });
  const p = { w: f64([1, 2]) };
  opt.step(p, { w: f64([1, 1]) });
  throwsWith(() => opt.step(p, { w: f64([1, 1]) }), 'range', /^sgd: learning rate at step 1 expected a finite number ≥ 0 from the schedule, got NaN/);
  assert.deepEqual(Array.from(p.w.data), [0.9, 1.9], 'nothing written by the failed step');
  assert.equal(opt.stepCount, 1);
});

test('step: names, shapes and dtypes of grads must match params; nothing is written on error', () => {
  const params: NamedTensors = { 'fc.weight': f64([1, 2, 3, 4], [2, 2]), 'fc.bias': f64([5, 6]) };
  const opt = adam({ lr: 0.1 });
  const good = f64([1, 1, 1, 1], [2, 2]);
  throwsWith(() => opt.step(params, { 'fc.weight': good, 'fc.bais': f64([1, 1]) }), 'value',
    /^adam\.step: grads\['fc\.bais'\] expected the name of a parameter \(fc\.weight, fc\.bias\), got no parameter of that name/);
  throwsWith(() => opt.step(params, { 'fc.weight': good, 'fc.bias': f64([1, 1, 1]) }), 'shape',
    /^adam\.step: grads\['fc\.bias'\] expected shape \[2\] \(the parameter's\), got \[3\]/);
  throwsWith(() => opt.step(params, { 'fc.weight': good, 'fc.bias': zeros([2], 'f32') }), 'dtype',
    /grads\['fc\.bias'\] expected dtype f64 \(the parameter's\), got f32/);
  throwsWith(() => opt.step({ n: zeros([2], 'i32') }, { n: zeros([2], 'i32') }), 'dtype', /params\['n'\] expected dtype f32 or f64, got i32/);
  throwsWith(() => opt.step(params, { 'fc.bias': [1, 2] as any }), 'value', /grads\['fc\.bias'\] expected a Tensor/);
  assert.deepEqual(Array.from(params['fc.weight']!.data), [1, 2, 3, 4], 'the valid grad before the bad one was not applied');
  assert.equal(opt.stepCount, 0);
  assert.deepEqual(opt.state(), {});
  // A parameter whose shape changed since its state was made.
  opt.step(params, { 'fc.bias': f64([1, 1]) });
  throwsWith(() => opt.step({ 'fc.bias': f64([1, 2, 3]) }, { 'fc.bias': f64([1, 1, 1]) }), 'shape',
    /params\['fc\.bias'\] expected f64 \[2\] like its optimizer state, got f64 \[3\]/);
});

test('resetState: the mask must be a u8 array of the parameter size', () => {
  const params = { w: f64([1, 2, 3]) };
  const opt = sgd({ lr: 0.1, momentum: 0.9 });
  opt.resetState('w', new Uint8Array(3)); // no state yet: nothing to reset
  opt.step(params, { w: f64([1, 1, 1]) });
  throwsWith(() => opt.resetState('w', new Uint8Array(2)), 'shape', /^sgd\.resetState: keep expected 3 entries \(the size of 'w'\), got 2/);
  throwsWith(() => opt.resetState('w', [1, 0, 1] as any), 'dtype', /keep expected dtype u8/);
  assert.deepEqual(Array.from(opt.state().w!.momentum!.data), [1, 1, 1]);
});

test('loadStateDict checks the optimizer, hyper-parameters, names and shapes, and loads nothing on error', () => {
  const params = { 'a.w': f64([1, 2, 3, 4], [2, 2]), b: f64([1]) };
  const src = adam({ lr: 0.1, amsgrad: true });
  src.step(params, { 'a.w': f64([1, -1, 2, 0.5], [2, 2]), b: f64([3]) });
  const good = src.stateDict();
  const dst = adam({ lr: 0.1, amsgrad: true });
  const edit = (f: (d: typeof good) => void) => {
    const d = { tensors: { ...good.tensors }, meta: structuredClone(good.meta) };
    f(d);
    return d;
  };
  throwsWith(() => sgd({ lr: 0.1 }).loadStateDict(good), 'value', /^sgd\.loadStateDict: meta\.optimizer expected 'sgd', got adam/);
  throwsWith(() => adam({ lr: 0.1 }).loadStateDict(good), 'value', /meta\.hyper\.amsgrad expected false \(this optimizer's setting\), got true/);
  throwsWith(() => adam({ lr: 0.2, amsgrad: true }).loadStateDict(good), 'value', /meta\.hyper\.lr expected 0\.2/);
  throwsWith(() => dst.loadStateDict(edit((d) => { d.meta.stepCount = -1; })), 'range', /meta\.stepCount expected an integer ≥ 0, got -1/);
  throwsWith(() => dst.loadStateDict(edit((d) => { d.tensors['b/momentum'] = f64([0]); })), 'value',
    /tensors\['b\/momentum'\] expected a name '<param>\/<buffer>' with buffer one of: exp_avg, exp_avg_sq, max_exp_avg_sq/);
  throwsWith(() => dst.loadStateDict(edit((d) => { d.tensors['c/exp_avg'] = f64([0]); })), 'value', /tensors\['c\/exp_avg'\] expected a parameter listed in meta\.paramSteps/);
  throwsWith(() => dst.loadStateDict(edit((d) => { delete d.tensors['a.w/exp_avg_sq']; })), 'value', /tensors\['a\.w\/exp_avg_sq'\] expected a state buffer .*got missing/);
  throwsWith(() => dst.loadStateDict(edit((d) => { d.tensors['a.w/exp_avg'] = f64([0, 0, 0, 0]); })), 'shape', /tensors\['a\.w\/exp_avg_sq'\] expected f64 \[4\] like the parameter's other buffers, got f64 \[2, 2\]/);
  throwsWith(() => dst.loadStateDict(edit((d) => { (d.meta.paramSteps as any).b = 1.5; })), 'range', /meta\.paramSteps\['b'\] expected an integer ≥ 0/);
  throwsWith(() => dst.loadStateDict({ tensors: {} } as any), 'value', /^adam\.loadStateDict: d expected an object \{ tensors, meta \}/);
  assert.equal(dst.stepCount, 0);
  assert.deepEqual(dst.state(), {});
  dst.loadStateDict(good);
  assert.equal(dst.stepCount, 1);
  // A loaded state whose shape does not fit the parameter is caught at the next step.
  throwsWith(() => dst.step({ b: f64([1, 2]) }, { b: f64([1, 1]) }), 'shape', /params\['b'\] expected f64 \[1\] like its optimizer state/);
});

test('clipGradNorm: non-finite norms are an error unless errorIfNonfinite is false; bad options', () => {
  const grads = { w: f64([3, 4]), b: f64([Infinity]) };
  throwsWith(() => clipGradNorm(grads, 1), 'range', /^clipGradNorm: grads expected a finite global L2 norm .*got Infinity \(non-finite entries in grads\['b'\]\)/);
  assert.deepEqual(Array.from(grads.w.data), [3, 4], 'nothing scaled on error');
  const nan = { w: f64([3, NaN]) };
  assert.ok(Number.isNaN(clipGradNorm(nan, 1, { errorIfNonfinite: false })));
  assert.ok(Number.isNaN(nan.w.data[0]!), 'scaled by the NaN coefficient, as torch');
  throwsWith(() => clipGradNorm({ w: f64([1]) }, -1), 'option', /option 'maxNorm' expected a finite number ≥ 0, got -1/);
  throwsWith(() => clipGradNorm({ w: f64([1]) }, 1, { errorIfNonFinite: false } as any), 'option', /unknown option 'errorIfNonFinite'/);
  throwsWith(() => clipGradNorm({ w: zeros([2], 'i32') }, 1), 'dtype', /grads\['w'\] expected dtype f32 or f64, got i32/);
});

test('clipGradNorm closed form: norm returned, grads scaled by maxNorm/(norm + 1e-6) only when above', () => {
  const g = { a: f64([3, 0]), b: f64([0, 4]) };
  assert.equal(clipGradNorm(g, 1), 5);
  const coef = 1 / (5 + 1e-6);
  assert.deepEqual([...g.a.data, ...g.b.data], [3 * coef, 0, 0, 4 * coef]);
  const h = { a: f64([0.3, 0.4]) };
  assert.equal(clipGradNorm(h, 1), 0.5);
  assert.deepEqual(Array.from(h.a.data), [0.3, 0.4]);
  assert.equal(clipGradNorm({}, 1), 0);
});
