// neural-tangents' predict.gradient_descent(loss, k_train_train, y_train, learning_rate, momentum): the outputs of a
// linearised network trained by continuous-time gradient descent on ANY loss L(f) of the training outputs, in
// function space, integrated by classical Runge–Kutta (RK4) with a fixed number of steps; t counts steps.
//   momentum undefined (None there): d f_train/dt = −lr · Θ_dd · ∇L(f_train),  d f_test/dt = −lr · Θ_td · ∇L(f_train)
//   momentum m (heavy ball, not Nesterov): neural-tangents solves, in the time τ = √lr · t with velocities q = df/dτ,
//     df/dτ = q,   dq/dτ = −Θ · ∇L(f_train) + ((m − 1)/√lr) · q        (train and test rows alike; q(0) = 0 by default)
//   i.e. f'' + (1 − m)·f' = −lr·Θ·∇L(f) in steps t, the continuum of the linearised heavy-ball recursion
//   f_{k+1} = f_k + m·(f_k − f_{k−1}) − lr·Θ·∇L(f_k) as lr → 0 with (1 − m)/√lr fixed. So momentum 0 is NOT the
//   first-order flow: it adds the inertia f'' (negligible only when lr·Θ ≪ 1), exactly as in neural-tangents. Built-in losses, as
// neural-tangents normalises them: 'mse' = ½·mean((f − y)²) (∇ = (f − y)/(N·C): the closed form of
// gradientDescentMse), 'cross-entropy' = mean over the N rows of −Σ_c y_c·log softmax(f)_c (∇ =
// (softmax(f) − y)/N, y one-hot or soft labels); or a function returning ∇L at f.
import { shapeError, valueError } from '../core/errors.js';
import { matmul } from './linalg.js';
import { checkTargets, type TrainingTargets } from './predict.js';

export type FunctionSpaceLoss = 'mse' | 'cross-entropy' | ((fTrain: Float64Array, yTrain: Float64Array) => Float64Array);

export interface GradientDescentOptions extends Omit<TrainingTargets, 'diagReg' | 'diagRegAbsoluteScale'> {
  readonly loss: FunctionSpaceLoss;
  /** Θ between the training points [N, N]. */
  readonly ntkTrainTrain: Float64Array;
  /** Heavy-ball momentum (see the header); undefined: plain gradient flow. */
  readonly momentum?: number;
}

export interface GradientDescentRequest {
  readonly t: number;
  readonly fxTrain0?: Float64Array;
  readonly fxTest0?: Float64Array;
  /** Θ between test and training points [M, N]. */
  readonly ntkTestTrain?: Float64Array;
  /** RK4 steps over [0, t] (default 1000). */
  readonly steps?: number;
  /** With momentum: the initial velocities df/dτ [N, C] and [M, C] (default 0), neural-tangents' ODEState qx. */
  readonly qxTrain0?: Float64Array;
  readonly qxTest0?: Float64Array;
}

export interface GradientDescentResult {
  readonly train: Float64Array;
  readonly test: Float64Array | null;
  /** With momentum: the velocities df/dτ at t (to resume, pass them as qxTrain0 / qxTest0); else null. */
  readonly qxTrain: Float64Array | null;
  readonly qxTest: Float64Array | null;
}

function lossGradient(loss: FunctionSpaceLoss, N: number, C: number): (f: Float64Array, y: Float64Array) => Float64Array {
  if (typeof loss === 'function') return loss;
  if (loss === 'mse') return (f, y) => f.map((v, i) => (v - y[i]!) / (N * C));
  if (loss === 'cross-entropy') {
    return (f, y) => {
      const g = new Float64Array(N * C);
      for (let i = 0; i < N; i++) {
        let max = -Infinity, total = 0;
        for (let c = 0; c < C; c++) max = Math.max(max, f[i * C + c]!);
        for (let c = 0; c < C; c++) total += Math.exp(f[i * C + c]! - max);
        for (let c = 0; c < C; c++) g[i * C + c] = (Math.exp(f[i * C + c]! - max) / total - y[i * C + c]!) / N;
      }
      return g;
    };
  }
  throw valueError('gradientDescent', 'loss', "'mse', 'cross-entropy' or a gradient function", loss);
}

/** The predictor: { train [N, C], test [M, C] or null, velocities with momentum } at time t (in steps). */
export function gradientDescent(o: GradientDescentOptions): (req: GradientDescentRequest) => GradientDescentResult {
  const op = 'gradientDescent';
  const { N, C, lr } = checkTargets(op, o);
  const heavy = o.momentum !== undefined;
  if (heavy && !Number.isFinite(o.momentum)) throw valueError(op, 'momentum', 'a finite number (or undefined for plain gradient flow)', o.momentum);
  // neural-tangents' mapping: with momentum the ODE runs in τ = √lr·t with friction (m − 1)/√lr; without, in t with Θ·lr
  const timeScale = heavy ? Math.sqrt(lr) : 1, forceScale = heavy ? 1 : lr, friction = heavy ? (o.momentum! - 1) / Math.sqrt(lr) : 0;
  if (o.ntkTrainTrain.length !== N * N) throw shapeError(op, 'ntkTrainTrain', `[${N}, ${N}]`, `${o.ntkTrainTrain.length} entries`);
  const grad = lossGradient(o.loss, N, C);
  return (req) => {
    const steps = req.steps ?? 1000;
    if (!(req.t >= 0 && Number.isFinite(req.t))) throw valueError(op, 't', 'a finite time ≥ 0 (the ODE is integrated)', req.t);
    if (!Number.isInteger(steps) || steps < 1) throw valueError(op, 'steps', 'a positive integer', steps);
    const M = req.ntkTestTrain ? req.ntkTestTrain.length / N : 0;
    if (!Number.isInteger(M)) throw shapeError(op, 'ntkTestTrain', `[M, ${N}]`, `${req.ntkTestTrain!.length} entries`);
    const f0 = req.fxTrain0 ?? new Float64Array(N * C), ft0 = req.fxTest0 ?? new Float64Array(M * C);
    if (f0.length !== N * C) throw shapeError(op, 'fxTrain0', `[${N}, ${C}]`, `${f0.length} entries`);
    if (ft0.length !== M * C) throw shapeError(op, 'fxTest0', `[${M}, ${C}]`, `${ft0.length} entries`);
    if (!heavy && (req.qxTrain0 || req.qxTest0)) throw valueError(op, 'qxTrain0/qxTest0', 'no velocities without momentum (as neural-tangents)', 'velocities');
    const F = (N + M) * C; // the outputs [f_train; f_test], then (momentum) their velocities
    /** The state and its derivative in the ODE's time (t, or τ = √lr·t with momentum). */
    const derivative = (state: Float64Array): Float64Array => {
      const g = grad(state.subarray(0, N * C), o.yTrain);
      if (g.length !== N * C) throw shapeError(op, 'loss gradient', `[${N}, ${C}]`, `${g.length} entries`);
      const force = new Float64Array(F);
      force.set(matmul(o.ntkTrainTrain, g, N, N, C).map((v) => -forceScale * v));
      if (M > 0) force.set(matmul(req.ntkTestTrain!, g, M, N, C).map((v) => -forceScale * v), N * C);
      if (!heavy) return force;
      const out = new Float64Array(2 * F);
      for (let i = 0; i < F; i++) {
        out[i] = state[F + i]!;
        out[F + i] = force[i]! + friction * state[F + i]!;
      }
      return out;
    };
    let state = new Float64Array(heavy ? 2 * F : F);
    state.set(f0);
    state.set(ft0, N * C);
    if (heavy) {
      const q0 = req.qxTrain0 ?? new Float64Array(N * C), qt0 = req.qxTest0 ?? new Float64Array(M * C);
      if (q0.length !== N * C) throw shapeError(op, 'qxTrain0', `[${N}, ${C}]`, `${q0.length} entries`);
      if (qt0.length !== M * C) throw shapeError(op, 'qxTest0', `[${M}, ${C}]`, `${qt0.length} entries`);
      state.set(q0, F);
      state.set(qt0, F + N * C);
    }
    const h = (timeScale * req.t) / steps;
    const along = (base: Float64Array, k: Float64Array, s: number) => base.map((v, i) => v + s * k[i]!);
    for (let s = 0; s < steps && h > 0; s++) {
      const k1 = derivative(state), k2 = derivative(along(state, k1, h / 2)), k3 = derivative(along(state, k2, h / 2)), k4 = derivative(along(state, k3, h));
      state = state.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
    }
    return {
      train: state.slice(0, N * C), test: M > 0 ? state.slice(N * C, F) : null,
      qxTrain: heavy ? state.slice(F, F + N * C) : null, qxTest: heavy && M > 0 ? state.slice(F + N * C) : null,
    };
  };
}
