// The Optimizer record every optimizer shares: argument checking, per-parameter state, the step
// counter, per-element reset and checkpoint snapshots. An optimizer itself is only an UpdateRule —
// the arithmetic for one parameter (see sgd.ts, adam.ts).
//
// State is per parameter name and created lazily, PyTorch-style, the first time that parameter gets
// a gradient: zero-filled buffers of the parameter's shape and dtype plus the parameter's own step
// count (how many updates it has had; Adam's bias correction and SGD's momentum initialisation use
// it, so a parameter that first gets a gradient at step 5 starts fresh, exactly as in torch).
import { allocate, isFloat, type FloatArray } from '../core/dtype.js';
import { dtypeError, rangeError, shapeError, valueError } from '../core/errors.js';
import { Tensor, isTensor } from '../tensor/index.js';
import { evalSchedule, type Schedule } from './options.js';

/** Flat, dot-named parameters, e.g. { 'fc1.weight': Tensor, ... } (what Module.namedParameters() returns). */
export type NamedTensors = Record<string, Tensor>;

export interface OptimizerStateDict {
  tensors: Record<string, Tensor>;
  meta: Record<string, unknown>;
}

export interface Optimizer {
  readonly name: string;
  /** Number of step() calls so far. */
  readonly stepCount: number;
  /** Current learning rate (the schedule at stepCount). */
  learningRate(): number;
  /**
   * One update, in place on params[name].data for every name present in grads (a parameter with no
   * entry, or a null/undefined one, is skipped, as torch skips p.grad = None). Float32 parameters are
   * updated in float32 arithmetic (every intermediate rounded to float32), float64 in float64; state
   * buffers share the parameter's dtype. Everything is checked before anything is written.
   */
  step(params: NamedTensors, grads: NamedTensors): void;
  /** Live per-parameter state buffers, e.g. { 'fc1.weight': { momentum: Tensor } }; writes to them are seen by step(). */
  state(): Record<string, Record<string, Tensor>>;
  /**
   * With `keep` (a u8 mask, one entry per element): zero every state buffer of `param` where
   * keep[i] === 0, leaving the parameter's step count alone (sparse training's regrown weights).
   * Without: the parameter's state becomes fresh — buffers zeroed and its step count 0, so its next
   * update is a first update (SGD momentum starts from the gradient, Adam's bias correction restarts).
   * A parameter without state yet (no gradient so far) has nothing to reset.
   */
  resetState(param: string, keep?: Uint8Array): void;
  /** Snapshot: copies of the buffers named '<param>/<buffer>' and JSON-able meta (stepCount, hyper-parameters, per-parameter steps). */
  stateDict(): OptimizerStateDict;
  /** Restore a snapshot exactly (the continuation is bit-identical); checks names, shapes and hyper-parameters first. */
  loadStateDict(d: OptimizerStateDict): void;
}

/** Rounds an intermediate result to the parameter's precision: Math.fround for f32, identity for f64. */
export type Round = (x: number) => number;

export interface UpdateContext {
  /** Learning rate for this step. */
  lr: number;
  /** This parameter's update count including this one (1 on its first update). */
  step: number;
  round: Round;
}

/** One optimizer's arithmetic: update parameter `p` from gradient `g` in place, with `state` buffers (same length). */
export interface UpdateRule {
  name: string;
  /** Names of the per-parameter state buffers. */
  buffers: readonly string[];
  /** JSON-able hyper-parameters, saved in stateDict and required to match on load. */
  hyper: Record<string, unknown>;
  lr: Schedule;
  update(p: FloatArray, g: FloatArray, state: Record<string, FloatArray>, ctx: UpdateContext): void;
}

interface ParamState {
  step: number;
  buffers: Record<string, Tensor>;
}

const identity: Round = (x) => x;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

export function makeOptimizer(rule: UpdateRule): Optimizer {
  const states = new Map<string, ParamState>();
  let stepCount = 0;

  function learningRate(): number {
    return evalSchedule(rule.name, rule.lr, stepCount);
  }

  function step(params: NamedTensors, grads: NamedTensors): void {
    const op = `${rule.name}.step`;
    if (!isRecord(params)) throw valueError(op, 'params', 'an object of named tensors', params);
    if (!isRecord(grads)) throw valueError(op, 'grads', 'an object of named tensors', grads);
    const work: [string, Tensor, Tensor][] = [];
    for (const [key, g] of Object.entries(grads)) {
      if (!Object.hasOwn(params, key)) {
        const known = Object.keys(params);
        throw valueError(op, `grads['${key}']`, `the name of a parameter (${known.length ? known.join(', ') : 'params is empty'})`, 'no parameter of that name');
      }
      if (g === null || g === undefined) continue;
      const p = params[key];
      if (!isTensor(p)) throw valueError(op, `params['${key}']`, 'a Tensor', p);
      if (!isTensor(g)) throw valueError(op, `grads['${key}']`, 'a Tensor', g);
      if (!isFloat(p.dtype)) throw dtypeError(op, `params['${key}']`, 'f32 or f64', p.dtype);
      if (g.dtype !== p.dtype) throw dtypeError(op, `grads['${key}']`, `${p.dtype} (the parameter's)`, g.dtype);
      if (!sameShape(g.shape, p.shape)) throw shapeError(op, `grads['${key}']`, `shape [${p.shape.join(', ')}] (the parameter's)`, g.shape);
      const first = Object.values(states.get(key)?.buffers ?? {})[0];
      if (first && (first.dtype !== p.dtype || !sameShape(first.shape, p.shape))) {
        throw shapeError(op, `params['${key}']`, `${first.dtype} [${first.shape.join(', ')}] like its optimizer state`, `${p.dtype} [${p.shape.join(', ')}]`);
      }
      work.push([key, p, g]);
    }
    const lr = learningRate();
    for (const [key, p, g] of work) {
      let st = states.get(key);
      if (!st) {
        st = { step: 0, buffers: Object.fromEntries(rule.buffers.map((b) => [b, new Tensor(allocate(p.dtype, p.size), p.shape)])) };
        states.set(key, st);
      }
      st.step += 1;
      const buffers = Object.fromEntries(Object.entries(st.buffers).map(([b, t]) => [b, t.data as FloatArray]));
      rule.update(p.data as FloatArray, g.data as FloatArray, buffers, { lr, step: st.step, round: p.dtype === 'f32' ? Math.fround : identity });
    }
    stepCount += 1;
  }

  function state(): Record<string, Record<string, Tensor>> {
    const out: Record<string, Record<string, Tensor>> = {};
    for (const [key, st] of states) out[key] = { ...st.buffers };
    return out;
  }

  function resetState(param: string, keep?: Uint8Array): void {
    const op = `${rule.name}.resetState`;
    if (typeof param !== 'string') throw valueError(op, 'param', 'a parameter name', param);
    if (keep !== undefined && !(keep instanceof Uint8Array)) throw dtypeError(op, 'keep', 'u8 (a Uint8Array mask)', keep);
    const st = states.get(param);
    if (!st) return;
    const buffers = Object.values(st.buffers);
    if (keep === undefined) {
      for (const b of buffers) b.data.fill(0);
      st.step = 0;
      return;
    }
    const size = buffers[0]?.size ?? keep.length;
    if (keep.length !== size) throw shapeError(op, 'keep', `${size} entries (the size of '${param}')`, `${keep.length}`);
    for (const b of buffers) {
      const d = b.data;
      for (let i = 0; i < d.length; i++) if (keep[i] === 0) d[i] = 0;
    }
  }

  function stateDict(): OptimizerStateDict {
    const tensors: Record<string, Tensor> = {};
    const paramSteps: Record<string, number> = {};
    for (const [key, st] of states) {
      paramSteps[key] = st.step;
      for (const [b, t] of Object.entries(st.buffers)) tensors[`${key}/${b}`] = new Tensor(t.data.slice(), t.shape);
    }
    return { tensors, meta: { optimizer: rule.name, stepCount, hyper: structuredClone(rule.hyper), paramSteps } };
  }

  function loadStateDict(d: OptimizerStateDict): void {
    const op = `${rule.name}.loadStateDict`;
    if (!isRecord(d) || !isRecord(d.tensors) || !isRecord(d.meta)) throw valueError(op, 'd', 'an object { tensors, meta } from stateDict()', d);
    const { meta, tensors } = d;
    if (meta.optimizer !== rule.name) throw valueError(op, 'meta.optimizer', `'${rule.name}'`, meta.optimizer);
    if (!isCount(meta.stepCount)) throw rangeError(op, 'meta.stepCount', 'an integer ≥ 0', meta.stepCount);
    if (!isRecord(meta.hyper)) throw valueError(op, 'meta.hyper', 'an object of hyper-parameters', meta.hyper);
    for (const [k, own] of Object.entries(rule.hyper)) {
      const saved = JSON.stringify(meta.hyper[k]);
      if (saved !== JSON.stringify(own)) throw valueError(op, `meta.hyper.${k}`, `${JSON.stringify(own)} (this optimizer's setting)`, saved ?? 'nothing');
    }
    if (!isRecord(meta.paramSteps)) throw valueError(op, 'meta.paramSteps', 'an object of per-parameter step counts', meta.paramSteps);
    const next = new Map<string, ParamState>();
    for (const [key, n] of Object.entries(meta.paramSteps)) {
      if (!isCount(n)) throw rangeError(op, `meta.paramSteps['${key}']`, 'an integer ≥ 0', n);
      next.set(key, { step: n, buffers: {} });
    }
    for (const [name, t] of Object.entries(tensors)) {
      const cut = name.lastIndexOf('/');
      const [key, b] = [name.slice(0, cut), name.slice(cut + 1)];
      if (cut <= 0 || !rule.buffers.includes(b)) {
        throw valueError(op, `tensors['${name}']`, `a name '<param>/<buffer>' with buffer one of: ${rule.buffers.join(', ') || '(none: this optimizer keeps no buffers)'}`, name);
      }
      const st = next.get(key);
      if (!st) throw valueError(op, `tensors['${name}']`, `a parameter listed in meta.paramSteps`, `'${key}' is not`);
      if (!isTensor(t)) throw valueError(op, `tensors['${name}']`, 'a Tensor', t);
      if (!isFloat(t.dtype)) throw dtypeError(op, `tensors['${name}']`, 'f32 or f64', t.dtype);
      st.buffers[b] = new Tensor(t.data.slice(), t.shape);
    }
    for (const [key, st] of next) {
      const got = Object.values(st.buffers);
      for (const b of rule.buffers) if (!st.buffers[b]) throw valueError(op, `tensors['${key}/${b}']`, 'a state buffer (every parameter has all of them)', 'missing');
      const ref = got[0];
      for (const [b, t] of Object.entries(st.buffers)) {
        if (ref && (t.dtype !== ref.dtype || !sameShape(t.shape, ref.shape))) {
          throw shapeError(op, `tensors['${key}/${b}']`, `${ref.dtype} [${ref.shape.join(', ')}] like the parameter's other buffers`, `${t.dtype} [${t.shape.join(', ')}]`);
        }
      }
    }
    states.clear();
    for (const [key, st] of next) states.set(key, st);
    stepCount = meta.stepCount;
  }

  return {
    name: rule.name,
    get stepCount() {
      return stepCount;
    },
    learningRate,
    step,
    state,
    resetState,
    stateDict,
    loadStateDict,
  };
}
