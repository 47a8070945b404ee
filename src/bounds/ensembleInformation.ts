// I(X; Z) for Z the output of an infinite ensemble of infinitely wide networks trained for time t
// (research/kernels-bounds.md §A): p(z | x_i) = N(μ_t(x_i), Σ_t(x_i, x_i)·I_C) on the training inputs, from
// gradientDescentMseEnsemble (infinite/predict.ts), then the InfoNCE / leave-one-out bounds.
// This is the bounds → infinite sibling edge (docs/ARCHITECTURE.md).
import type { Key } from '../core/random.js';
import { gradientDescentMseEnsemble, type KernelKind, type KernelPair } from '../infinite/index.js';
import { mutualInformationBounds, type MiEstimate, type MiOptions } from './mutualInformation.js';

export interface EnsembleInformation extends MiEstimate {
  /** The train-set ensemble means [N, C] and variances [N]. */
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

export function ensembleInformation(o: {
  trainTrain: KernelPair; yTrain: Float64Array; n: number; outputs?: number; t: number | null; get: KernelKind;
  diagReg?: number; learningRate?: number; key: Key;
} & Pick<MiOptions, 'noiseFloor' | 'varianceAsStd' | 'collapseBelow'>): EnsembleInformation {
  const C = o.outputs ?? 1;
  const predict = gradientDescentMseEnsemble({
    trainTrain: o.trainTrain, yTrain: o.yTrain, n: o.n, outputs: C, diagReg: o.diagReg ?? 0, learningRate: o.learningRate ?? 1,
  });
  const p = predict({ t: o.t, get: o.get, cov: 'diagonal' });
  const variance = p.cov!;
  const mi = mutualInformationBounds({ mean: p.mean, n: o.n, outputs: C, covariance: variance }, {
    key: o.key, ...(o.noiseFloor !== undefined && { noiseFloor: o.noiseFloor }),
    ...(o.varianceAsStd !== undefined && { varianceAsStd: o.varianceAsStd }), ...(o.collapseBelow !== undefined && { collapseBelow: o.collapseBelow }),
  });
  return { ...mi, mean: p.mean, variance };
}
