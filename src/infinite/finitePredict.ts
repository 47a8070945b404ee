// Predictors beside the infinite ensemble (predict.ts), as neural-tangents' predict module:
//   gradientDescentMse  one network linearised around its initialisation (outputs fx_train_0 / fx_test_0,
//                       its NTK Θ) trained by continuous-time gradient descent on ½·mean((f − y)²):
//                         f_train(t) = y + e^{−Θτ}(f_train_0 − y)
//                         f_test(t)  = f_test_0 + Θ_td Θ⁻¹(I − e^{−Θτ})(y − f_train_0),   τ = lr·t/(N·C)
//                       (with f_0 = 0 it is the ensemble's NTK mean);
//   gpInference         exact GP posterior with either kernel as the prior covariance k:
//                         mean k_td k⁻¹ Y,  cov k_tt − k_td k⁻¹ k_dt   (k = NNGP: the ensemble at t = ∞);
//   maxLearningRate     the largest stable learning rate of full-batch gradient descent (heavy-ball momentum
//                       β) on that loss: the step f ← f − (lr/(N·C))·Θ(f − y) is stable iff
//                       lr·λ_max(Θ)/(N·C) < 2(1 + β), so lr_max = 2(1 + β)·N·C / λ_max.
// The inverted kernel gets diagReg as in predict.ts; the linear algebra runs on the active backend.
import { shapeError, valueError } from '../core/errors.js';
import { transpose } from '../core/linalg.js';
import { eigh, matmul } from './linalg.js';
import { addDiagonalRegularizer, checkTargets, trainKernelSolver, type KernelKind, type KernelPair, type TrainingTargets } from './predict.js';

const sized = (op: string, arg: string, a: Float64Array, rows: number, cols: number): void => {
  if (a.length !== rows * cols) throw shapeError(op, arg, `[${rows}, ${cols}] (${rows * cols} entries)`, `${a.length} entries`);
};

export interface GradientDescentMseOptions extends TrainingTargets {
  /** The network's NTK between the training points [N, N]. */
  readonly ntkTrainTrain: Float64Array;
}

export interface GradientDescentMseRequest {
  /** Training time; Infinity (or null) for the end of training. */
  readonly t: number | null;
  /** Outputs at initialisation on the training points [N, C] (default 0). */
  readonly fxTrain0?: Float64Array;
  /** With ntkTestTrain [M, N]: outputs at initialisation on the test points [M, C] (default 0). */
  readonly fxTest0?: Float64Array;
  readonly ntkTestTrain?: Float64Array;
}

/** neural-tangents' predict.gradient_descent_mse: { train [N, C], test [M, C] or null }. */
export function gradientDescentMse(o: GradientDescentMseOptions): (req: GradientDescentMseRequest) => { train: Float64Array; test: Float64Array | null } {
  const op = 'gradientDescentMse';
  const { N, C, lr } = checkTargets(op, o);
  sized(op, 'ntkTrainTrain', o.ntkTrainTrain, N, N);
  const solver = trainKernelSolver(addDiagonalRegularizer(o.ntkTrainTrain, N, o.diagReg ?? 0, o.diagRegAbsoluteScale ?? false), N, C, lr, `${op} (t = ∞, NTK train kernel)`);
  return (req) => {
    const t = req.t === null ? Infinity : req.t;
    if (!(t >= 0)) throw valueError(op, 't', 'a time ≥ 0, or Infinity/null for the end of training', req.t);
    const f0 = req.fxTrain0 ?? new Float64Array(N * C);
    sized(op, 'fxTrain0', f0, N, C);
    const residual = f0.map((v, i) => v - o.yTrain[i]!); // f_train_0 − y
    const decayed = solver.applyDecay(t, residual, C);
    const train = decayed.map((v, i) => o.yTrain[i]! + v);
    if (!req.ntkTestTrain) {
      if (req.fxTest0) throw valueError(op, 'fxTest0', 'ntkTestTrain beside it (the test points need their NTK to the training points)', 'fxTest0 alone');
      return { train, test: null };
    }
    const M = req.ntkTestTrain.length / N;
    if (!Number.isInteger(M)) throw shapeError(op, 'ntkTestTrain', `[M, ${N}]`, `${req.ntkTestTrain.length} entries`);
    const ft0 = req.fxTest0 ?? new Float64Array(M * C);
    sized(op, 'fxTest0', ft0, M, C);
    const moved = matmul(req.ntkTestTrain, solver.applyGrowth(t, 1, residual.map((v) => -v), C), M, N, C);
    return { train, test: moved.map((v, i) => ft0[i]! + v) };
  };
}

export interface GpInferenceOptions extends Omit<TrainingTargets, 'learningRate'> {
  readonly trainTrain: KernelPair;
}

/** neural-tangents' predict.gp_inference: the posterior with the NNGP or the NTK as the prior covariance. */
export function gpInference(o: GpInferenceOptions): (req: { get: KernelKind; testTrain: KernelPair; testTest?: KernelPair; cov?: 'none' | 'full' }) => { mean: Float64Array; cov: Float64Array | null } {
  const op = 'gpInference';
  const { N, C } = checkTargets(op, o);
  const solvers = new Map<KernelKind, ReturnType<typeof trainKernelSolver>>();
  return (req) => {
    if (req.get !== 'nngp' && req.get !== 'ntk') throw valueError(op, 'get', "'nngp' or 'ntk'", req.get);
    sized(op, 'trainTrain', o.trainTrain[req.get], N, N);
    if (!solvers.has(req.get)) {
      solvers.set(req.get, trainKernelSolver(addDiagonalRegularizer(o.trainTrain[req.get], N, o.diagReg ?? 0, o.diagRegAbsoluteScale ?? false), N, C, 1, `${op} (${req.get} train kernel)`));
    }
    const solve = (B: Float64Array, m: number) => solvers.get(req.get)!.applyGrowth(Infinity, 1, B, m);
    const kTd = req.testTrain[req.get], M = kTd.length / N;
    if (!Number.isInteger(M)) throw shapeError(op, 'testTrain', `[M, ${N}]`, `${kTd.length} entries`);
    const mean = matmul(kTd, solve(o.yTrain, C), M, N, C);
    if ((req.cov ?? 'none') === 'none') return { mean, cov: null };
    if (!req.testTest) throw valueError(op, 'testTest', `the test-test ${req.get} [${M}, ${M}] to compute a covariance`, 'none');
    const kTt = req.testTest[req.get];
    sized(op, `testTest.${req.get}`, kTt, M, M);
    const reduction = matmul(kTd, solve(transpose(kTd, M, N), M), M, N, M);
    return { mean, cov: kTt.map((v, i) => v - reduction[i]!) };
  };
}

/** neural-tangents' predict.max_learning_rate: 2(1 + momentum)·N·C / λ_max(Θ_train). */
export function maxLearningRate(ntkTrainTrain: Float64Array, n: number, o: { outputs?: number; momentum?: number } = {}): number {
  const op = 'maxLearningRate';
  const C = o.outputs ?? 1, momentum = o.momentum ?? 0;
  sized(op, 'ntkTrainTrain', ntkTrainTrain, n, n);
  if (!(momentum >= 0 && momentum < 1)) throw valueError(op, 'momentum', 'a number in [0, 1)', momentum);
  const { values } = eigh(ntkTrainTrain, n);
  const top = Math.max(...values);
  if (!(top > 0)) throw valueError(op, 'ntkTrainTrain', 'a kernel with a positive eigenvalue', top);
  return (2 * (1 + momentum) * n * C) / top;
}
