// neural-tangents' predict.gradient_descent (momentum 0): the outputs of a linearised network trained by
// continuous-time gradient descent on ANY loss L(f) of the training outputs, in function space:
//   d f_train/dt = −lr · Θ_dd · ∇L(f_train),    d f_test/dt = −lr · Θ_td · ∇L(f_train)
// integrated by classical Runge–Kutta (RK4) with a fixed number of steps. Built-in losses, as
// neural-tangents normalises them: 'mse' = ½·mean((f − y)²) (∇ = (f − y)/(N·C): the closed form of
// gradientDescentMse), 'cross-entropy' = mean over the N rows of −Σ_c y_c·log softmax(f)_c (∇ =
// (softmax(f) − y)/N, y one-hot or soft labels); or a function returning ∇L at f.
// The heavy-ball momentum variant is not implemented (its continuous-time form needs a second-order ODE).
import { shapeError, valueError } from '../core/errors.js';
import { matmul } from './linalg.js';
import { checkTargets, type TrainingTargets } from './predict.js';

export type FunctionSpaceLoss = 'mse' | 'cross-entropy' | ((fTrain: Float64Array, yTrain: Float64Array) => Float64Array);

export interface GradientDescentOptions extends Omit<TrainingTargets, 'diagReg' | 'diagRegAbsoluteScale'> {
  readonly loss: FunctionSpaceLoss;
  /** Θ between the training points [N, N]. */
  readonly ntkTrainTrain: Float64Array;
}

export interface GradientDescentRequest {
  readonly t: number;
  readonly fxTrain0?: Float64Array;
  readonly fxTest0?: Float64Array;
  /** Θ between test and training points [M, N]. */
  readonly ntkTestTrain?: Float64Array;
  /** RK4 steps over [0, t] (default 1000). */
  readonly steps?: number;
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

/** The predictor: { train [N, C], test [M, C] or null } at time t. */
export function gradientDescent(o: GradientDescentOptions): (req: GradientDescentRequest) => { train: Float64Array; test: Float64Array | null } {
  const op = 'gradientDescent';
  const { N, C, lr } = checkTargets(op, o);
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
    /** The state [f_train; f_test] and its time derivative. */
    const derivative = (state: Float64Array): Float64Array => {
      const g = grad(state.subarray(0, N * C), o.yTrain);
      if (g.length !== N * C) throw shapeError(op, 'loss gradient', `[${N}, ${C}]`, `${g.length} entries`);
      const out = new Float64Array((N + M) * C);
      out.set(matmul(o.ntkTrainTrain, g, N, N, C).map((v) => -lr * v));
      if (M > 0) out.set(matmul(req.ntkTestTrain!, g, M, N, C).map((v) => -lr * v), N * C);
      return out;
    };
    let state = new Float64Array((N + M) * C);
    state.set(f0);
    state.set(ft0, N * C);
    const h = req.t / steps;
    const along = (base: Float64Array, k: Float64Array, s: number) => base.map((v, i) => v + s * k[i]!);
    for (let s = 0; s < steps && h > 0; s++) {
      const k1 = derivative(state), k2 = derivative(along(state, k1, h / 2)), k3 = derivative(along(state, k2, h / 2)), k4 = derivative(along(state, k3, h));
      state = state.map((v, i) => v + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
    }
    return { train: state.slice(0, N * C), test: M > 0 ? state.slice(N * C) : null };
  };
}
