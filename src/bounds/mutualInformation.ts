// Mutual information I(X; Z) between inputs X, uniform over N points, and a representation with Gaussian
// conditionals p(z | x_i) = N(μ_i, Σ_i) (the output of an infinite ensemble: Shwartz-Ziv & Alemi 2019,
// reconstructed in research/kernels-bounds.md §A). One sample z_i ~ p(z | x_i) per point and
// S_ij = log p(z_i | x_j) give the bounds of Poole et al. 2019 (arXiv 1905.06922):
//   InfoNCE lower       I ≥ (1/N) Σ_i [S_ii − logsumexp_j S_ij] + log N        (≤ log N)
//   leave-one-out upper I ≤ (1/N) Σ_i [S_ii − logsumexp_{j≠i} S_ij] + log(N−1)  (not capped)
// in nats; bits divide by ln 2. Options:
//   covariance 'diagonal' (per-point, per-output variances [N, C]) or 'full' (per-point [C, C] matrices);
//   noiseFloor added to every variance; varianceAsStd: the info_ntk quirk of passing variance + th as a
//   standard deviation (tfp MultivariateNormalDiag scale_diag); a collapse guard (variances ≤ collapseBelow
//   after the floor make S_ii → ∞: t → ∞ with diag_reg = 0 collapses the train covariance).
// The per-point Cholesky factors of full covariances come from the active backend (LAPACK on native).
import { shapeError, TesseraError, valueError } from '../core/errors.js';
import { getBackend } from '../backend/registry.js';
import { normalValues, type Key } from '../core/random.js';

export interface GaussianConditionals {
  /** Means μ [N, C] row-major. */
  readonly mean: Float64Array;
  readonly n: number;
  readonly outputs: number;
  /** 'diagonal': variances [N] (shared by the outputs) or [N, C]; 'full': covariances [N, C, C]. */
  readonly covariance: Float64Array;
  readonly covarianceKind?: 'diagonal' | 'full';
}

export interface MiOptions {
  /** Sampling key for the noise ε ~ N(0, I) (z = μ + L ε); or give `noise` [N, C] explicitly. */
  readonly key?: Key;
  readonly noise?: Float64Array;
  /** Added to every variance (diagonal entries of Σ_i). Default 0. */
  readonly noiseFloor?: number;
  /** info_ntk's quirk: use (variance + noiseFloor) as the standard deviation. Diagonal only. Default false. */
  readonly varianceAsStd?: boolean;
  /** Variances (after the floor) at or below this are a collapse error. Default 1e-12. */
  readonly collapseBelow?: number;
}

export interface MiEstimate {
  readonly lowerNats: number;
  readonly upperNats: number;
  readonly lowerBits: number;
  readonly upperBits: number;
  /** log N and log(N − 1) in nats, for reading the bounds. */
  readonly logN: number;
  /** S [N, N] row-major: S_ij = log p(z_i | x_j). */
  readonly scores: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Cholesky factors [N, C, C] of the per-point covariances (with the floor), checked for collapse. */
function factors(g: GaussianConditionals, floor: number, collapseBelow: number, varianceAsStd: boolean): { L: Float64Array; logDet: Float64Array } {
  const op = 'mutualInformationBounds';
  const { n: N, outputs: C } = g;
  const kind = g.covarianceKind ?? 'diagonal';
  const L = new Float64Array(N * C * C), logDet = new Float64Array(N);
  const collapse = (i: number, v: number) => new TesseraError('value', op,
    `the covariance of point ${i} has collapsed (variance ${v} ≤ ${collapseBelow}): the train-set covariance → 0 as t → ∞ with diagReg = 0, ` +
    'so S_ii diverges; use a finite t, diagReg > 0 or a noiseFloor');
  if (kind === 'diagonal') {
    const perOutput = g.covariance.length === N * C;
    if (!perOutput && g.covariance.length !== N) throw shapeError(op, 'covariance', `variances [${N}] or [${N}, ${C}]`, `${g.covariance.length} entries`);
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < C; c++) {
        const raw = g.covariance[perOutput ? i * C + c : i]!;
        if (!Number.isFinite(raw)) throw valueError(op, `covariance[${i}]`, 'a finite variance', raw);
        const v = raw + floor;
        if (!(v > collapseBelow)) throw collapse(i, v);
        const std = varianceAsStd ? v : Math.sqrt(v);
        L[i * C * C + c * C + c] = std;
        logDet[i]! += 2 * Math.log(std);
      }
    }
  } else {
    if (varianceAsStd) throw valueError(op, 'varianceAsStd', 'false with full covariances (the quirk is defined for diagonal scales)', true);
    if (g.covariance.length !== N * C * C) throw shapeError(op, 'covariance', `covariances [${N}, ${C}, ${C}]`, `${g.covariance.length} entries`);
    for (let i = 0; i < N; i++) {
      const S = g.covariance.slice(i * C * C, (i + 1) * C * C);
      for (let c = 0; c < C; c++) {
        S[c * C + c]! += floor;
        if (!(S[c * C + c]! > collapseBelow)) throw collapse(i, S[c * C + c]!);
      }
      let Li: Float64Array;
      try {
        Li = getBackend().cholesky(S, C, op);
      } catch {
        throw collapse(i, Math.min(...Array.from({ length: C }, (_, c) => S[c * C + c]!)));
      }
      L.set(Li, i * C * C);
      for (let c = 0; c < C; c++) logDet[i]! += 2 * Math.log(Li[c * C + c]!);
    }
  }
  return { L, logDet };
}

const logSumExp = (xs: Float64Array, skip: number): number => {
  let m = -Infinity;
  for (let j = 0; j < xs.length; j++) if (j !== skip && xs[j]! > m) m = xs[j]!;
  let s = 0;
  for (let j = 0; j < xs.length; j++) if (j !== skip) s += Math.exp(xs[j]! - m);
  return m + Math.log(s);
};

/** InfoNCE lower and leave-one-out upper bounds on I(X; Z), from one Gaussian sample per point. */
export function mutualInformationBounds(g: GaussianConditionals, o: MiOptions = {}): MiEstimate {
  const op = 'mutualInformationBounds';
  const { n: N, outputs: C } = g;
  if (!Number.isInteger(N) || N < 2) throw valueError(op, 'n', 'at least 2 points', N);
  if (!Number.isInteger(C) || C < 1) throw valueError(op, 'outputs', 'a positive integer', C);
  if (g.mean.length !== N * C) throw shapeError(op, 'mean', `[${N}, ${C}]`, `${g.mean.length} entries`);
  for (let i = 0; i < g.mean.length; i++) if (!Number.isFinite(g.mean[i])) throw valueError(op, `mean[${i}]`, 'a finite number', g.mean[i]);
  const floor = o.noiseFloor ?? 0, collapseBelow = o.collapseBelow ?? 1e-12;
  if (!(floor >= 0)) throw valueError(op, 'noiseFloor', 'a number ≥ 0', floor);
  const { L, logDet } = factors(g, floor, collapseBelow, o.varianceAsStd ?? false);
  let eps = o.noise;
  if (eps === undefined) {
    if (o.key === undefined) throw valueError(op, 'key', 'a random key (or explicit noise)', 'none');
    eps = normalValues(o.key, N * C, 'f64');
  } else if (eps.length !== N * C) throw shapeError(op, 'noise', `[${N}, ${C}]`, `${eps.length} entries`);
  // z_i = μ_i + L_i ε_i
  const z = new Float64Array(N * C);
  for (let i = 0; i < N; i++) for (let a = 0; a < C; a++) {
    let s = g.mean[i * C + a]!;
    for (let b = 0; b <= a; b++) s += L[i * C * C + a * C + b]! * eps[i * C + b]!;
    z[i * C + a] = s;
  }
  // S_ij = −½ [C log 2π + log|Σ_j| + |L_j⁻¹ (z_i − μ_j)|²]
  const S = new Float64Array(N * N), r = new Float64Array(C);
  for (let j = 0; j < N; j++) {
    const Lj = j * C * C;
    for (let i = 0; i < N; i++) {
      let q = 0;
      for (let a = 0; a < C; a++) {
        let s = z[i * C + a]! - g.mean[j * C + a]!;
        for (let b = 0; b < a; b++) s -= L[Lj + a * C + b]! * r[b]!;
        r[a] = s / L[Lj + a * C + a]!;
        q += r[a]! * r[a]!;
      }
      S[i * N + j] = -0.5 * (C * LOG_2PI + logDet[j]! + q);
    }
  }
  let lower = 0, upper = 0;
  for (let i = 0; i < N; i++) {
    const row = S.subarray(i * N, (i + 1) * N);
    lower += row[i]! - logSumExp(row, -1);
    upper += row[i]! - logSumExp(row, i);
  }
  const logN = Math.log(N);
  const lowerNats = lower / N + logN, upperNats = upper / N + Math.log(N - 1);
  return { lowerNats, upperNats, lowerBits: lowerNats / Math.LN2, upperBits: upperNats / Math.LN2, logN, scores: S };
}
