// Predictions of an infinite ensemble of infinitely wide networks trained by continuous-time gradient
// descent on the MSE loss (Lee et al. 2019, arXiv 1902.06720; neural-tangents
// predict.gradient_descent_mse_ensemble). With d the training inputs, t the test inputs, K the NNGP,
// Θ the NTK, Y [N, C], τ = learning_rate·t / (N·C)  (neural-tangents normalises time by y_train.size),
// and E = I − e^{−Θτ}:
//   NTK  mean  Θ_td Θ⁻¹ E Y
//        cov   K_tt + Θ_td Θ⁻¹E K_dd EΘ⁻¹ Θ_dt − (Θ_td Θ⁻¹E K_dt + transpose)
//   NNGP mean  K_td K⁻¹ (I − e^{−Kτ}) Y
//        cov   K_tt − K_td K⁻¹ (I − e^{−2Kτ}) K_dt
// The inverted kernel (Θ_dd or K_dd) gets diagReg·mean(diag)·I (diagReg·I with absoluteScale); finite t
// uses its symmetric eigendecomposition (f(λ) = −expm1(−λτ)/λ, → τ as λ → 0), t = ∞ a Cholesky solve.
// Train-set predictions are the test formulas with t = d (train cov: NTK e^{−Θτ} K e^{−Θτ}, NNGP K e^{−2Kτ}).
// The linear algebra runs on the active backend (./linalg.ts): LAPACK/BLAS on native, the reference on cpu.
// Only the kind a request inverts is regularised and factorised (an [N, N] copy each, made on first use).
import { shapeError, valueError } from '../core/errors.js';
import { transpose, type SymmetricEigen } from '../core/linalg.js';
import { cholesky, choleskySolve, eigh, matmul } from './linalg.js';

export type KernelKind = 'nngp' | 'ntk';

/** Kernel matrices between two sets of points, row-major. */
export interface KernelPair {
  readonly nngp: Float64Array;
  readonly ntk: Float64Array;
}

/** The training targets and the regularisation every predictor takes. */
export interface TrainingTargets {
  /** Targets [N, C] row-major. */
  readonly yTrain: Float64Array;
  readonly n: number;
  readonly outputs?: number;
  readonly learningRate?: number;
  readonly diagReg?: number;
  readonly diagRegAbsoluteScale?: boolean;
}

export interface EnsembleOptions extends TrainingTargets {
  /** NNGP and NTK between the training points [N, N]. */
  readonly trainTrain: KernelPair;
}

/** Validate the targets (N ≥ 1, [N, C] finite entries, lr > 0, diagReg ≥ 0); returns N, C and the learning rate. */
export function checkTargets(op: string, o: TrainingTargets): { N: number; C: number; lr: number } {
  const N = o.n, C = o.outputs ?? 1, lr = o.learningRate ?? 1;
  if (!Number.isInteger(N) || N < 1) throw valueError(op, 'n', 'a positive number of training points', N);
  if (o.yTrain.length !== N * C) throw shapeError(op, 'yTrain', `[${N}, ${C}] (${N * C} entries)`, `${o.yTrain.length} entries`);
  for (let i = 0; i < o.yTrain.length; i++) if (!Number.isFinite(o.yTrain[i])) throw valueError(op, `yTrain[${i}]`, 'a finite number', o.yTrain[i]);
  if (!(lr > 0)) throw valueError(op, 'learningRate', 'a positive number', lr);
  if (!((o.diagReg ?? 0) >= 0)) throw valueError(op, 'diagReg', 'a number ≥ 0', o.diagReg);
  return { N, C, lr };
}

export interface PredictRequest {
  /** Training time; Infinity (or null) for the end of training. */
  readonly t: number | null;
  readonly get: KernelKind;
  /** Test-train kernels [M, N]; omitted: predict on the training points. */
  readonly testTrain?: KernelPair;
  /** The test NNGP: full [M, M] (needed for cov 'full') or its diagonal [M]. */
  readonly testTestNngp?: Float64Array;
  /** Covariance of the ensemble's outputs over the test points: none, only the variances, or full. */
  readonly cov?: 'none' | 'diagonal' | 'full';
}

export interface Prediction {
  /** Mean [M, C]. */
  readonly mean: Float64Array;
  /** Covariance [M, M] (cov 'full'), variances [M] (cov 'diagonal'), or null. The same for every output. */
  readonly cov: Float64Array | null;
  readonly m: number;
}

/** K + reg·I with reg = diagReg·mean(diag K) (or diagReg with absoluteScale). */
export function addDiagonalRegularizer(K: Float64Array, n: number, diagReg: number, absoluteScale: boolean): Float64Array {
  if (diagReg === 0) return K;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += K[i * n + i]!;
  const reg = absoluteScale ? diagReg : (diagReg * trace) / n;
  const out = K.slice();
  for (let i = 0; i < n; i++) out[i * n + i]! += reg;
  return out;
}

/**
 * The functions of one regularised train kernel A [N, N] that the predictors apply: B [N, m] ↦
 * A⁻¹(I − e^{−A·s·τ}) B with τ = lr·t / (N·C) (its eigendecomposition, made on first use), A⁻¹B at t = ∞ (a
 * Cholesky solve), and e^{−A·τ} B. Factorisations are cached across calls.
 */
export function trainKernelSolver(A: Float64Array, N: number, C: number, lr: number, what: string) {
  let eig: SymmetricEigen | null = null, chol: Float64Array | null = null;
  const eigOf = (): SymmetricEigen => (eig ??= eigh(A, N));
  const spectral = (B: Float64Array, m: number, f: (lam: number) => number): Float64Array => {
    const { values, vectors } = eigOf();
    const VB = matmul(vectors, B, N, N, m); // rows: eigenvector k · B
    for (let k = 0; k < N; k++) {
      const fk = f(Math.max(values[k]!, 0));
      for (let j = 0; j < m; j++) VB[k * m + j]! *= fk;
    }
    return matmul(vectors, VB, N, N, m, { transA: true }); // Vᵀ · f(Λ) V B
  };
  return {
    /** A⁻¹(I − e^{−A·s·τ}) B, or A⁻¹B at t = ∞. */
    applyGrowth(t: number, s: number, B: Float64Array, m: number): Float64Array {
      if (t === Infinity) return choleskySolve((chol ??= cholesky(A, N, what)), B, N, m);
      const tau = (s * lr * t) / (N * C);
      return spectral(B, m, (lam) => (lam * tau > 1e-12 ? -Math.expm1(-lam * tau) / lam : tau));
    },
    /** e^{−A·τ} B (0 at t = ∞ for a positive definite A). */
    applyDecay(t: number, B: Float64Array, m: number): Float64Array {
      const tau = (lr * t) / (N * C);
      return spectral(B, m, (lam) => (t === Infinity ? (lam > 0 ? 0 : 1) : Math.exp(-lam * tau)));
    },
  };
}

/**
 * The ensemble's predictor (neural-tangents' predict_fn): caches the regularised train kernels'
 * eigendecompositions and Cholesky factors across calls.
 */
export function gradientDescentMseEnsemble(o: EnsembleOptions): (request: PredictRequest) => Prediction {
  const op = 'gradientDescentMseEnsemble';
  const { N, C, lr } = checkTargets(op, o), diagReg = o.diagReg ?? 0;
  if (o.trainTrain.nngp.length !== N * N || o.trainTrain.ntk.length !== N * N) throw shapeError(op, 'trainTrain', `[${N}, ${N}] kernels`, `${o.trainTrain.nngp.length} and ${o.trainTrain.ntk.length} entries`);
  const solvers = new Map<KernelKind, ReturnType<typeof trainKernelSolver>>();
  const solverOf = (g: KernelKind) => {
    if (!solvers.has(g)) solvers.set(g, trainKernelSolver(addDiagonalRegularizer(o.trainTrain[g], N, diagReg, o.diagRegAbsoluteScale ?? false), N, C, lr, `${op} (t = ∞, ${g} train kernel)`));
    return solvers.get(g)!;
  };
  /** B [N, m] ↦ A⁻¹(I − e^{−A·s·τ}) B for the regularised train kernel A of kind g (s = 1 or 2), or A⁻¹B at t = ∞. */
  const applyFn = (g: KernelKind, t: number, s: number, B: Float64Array, m: number): Float64Array => solverOf(g).applyGrowth(t, s, B, m);

  return (req) => {
    const t = req.t === null ? Infinity : req.t;
    if (!(t >= 0)) throw valueError(op, 't', 'a time ≥ 0, or Infinity/null for the end of training', req.t);
    if (req.get !== 'nngp' && req.get !== 'ntk') throw valueError(op, 'get', "'nngp' or 'ntk'", req.get);
    const covMode = req.cov ?? 'none';
    const testTrain = req.testTrain ?? o.trainTrain;
    const M = testTrain.nngp.length / N;
    if (!Number.isInteger(M) || testTrain.ntk.length !== M * N) throw shapeError(op, 'testTrain', `[M, ${N}] kernels`, `${testTrain.nngp.length} and ${testTrain.ntk.length} entries`);
    const kTd = testTrain[req.get];
    const mean = matmul(kTd, applyFn(req.get, t, 1, o.yTrain, C), M, N, C);
    if (covMode === 'none') return { mean, cov: null, m: M };
    let kTt = req.testTestNngp ?? (req.testTrain ? undefined : o.trainTrain.nngp);
    if (kTt === undefined) throw valueError(op, 'testTestNngp', 'the test NNGP (full [M, M] or diagonal [M]) to compute a covariance', 'none');
    const full = kTt.length === M * M ? true : kTt.length === M ? false : null;
    if (full === null || (covMode === 'full' && !full)) throw shapeError(op, 'testTestNngp', covMode === 'full' ? `[${M}, ${M}]` : `[${M}] or [${M}, ${M}]`, `${kTt.length} entries`);
    if (full && covMode === 'diagonal') kTt = Float64Array.from({ length: M }, (_, i) => kTt![i * M + i]!);
    const kDt = transpose(testTrain.nngp, M, N); // [N, M]
    if (req.get === 'nngp') {
      const Z = applyFn('nngp', t, 2, kDt, M); // K⁻¹(I − e^{−2Kτ}) K_dt
      if (covMode === 'full') {
        const cov = matmul(testTrain.nngp, Z, M, N, M);
        for (let i = 0; i < M * M; i++) cov[i] = kTt[i]! - cov[i]!;
        return { mean, cov, m: M };
      }
      const v = new Float64Array(M);
      for (let n = 0; n < N; n++) for (let j = 0; j < M; j++) v[j]! += testTrain.nngp[j * N + n]! * Z[n * M + j]!;
      return { mean, cov: v.map((x, j) => kTt![j]! - x), m: M };
    }
    const Z = applyFn('ntk', t, 1, transpose(testTrain.ntk, M, N), M); // Θ⁻¹E Θ_dt [N, M]
    const KZ = matmul(o.trainTrain.nngp, Z, N, N, M); // K_dd Z
    if (covMode === 'full') {
      const ZtKZ = matmul(Z, KZ, M, N, M, { transA: true });
      const ZtKdt = matmul(Z, kDt, M, N, M, { transA: true });
      const cov = new Float64Array(M * M);
      for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) cov[i * M + j] = kTt[i * M + j]! + ZtKZ[i * M + j]! - ZtKdt[i * M + j]! - ZtKdt[j * M + i]!;
      return { mean, cov, m: M };
    }
    const v = Float64Array.from(kTt);
    for (let n = 0; n < N; n++) for (let j = 0; j < M; j++) v[j]! += Z[n * M + j]! * (KZ[n * M + j]! - 2 * kDt[n * M + j]!);
    return { mean, cov: v, m: M };
  };
}
