// The input-compression bound (Tishby; Shwartz-Ziv, Painsky & Tishby 2018), in the form Galloway et al.
// presumably use (research/kernels-bounds.md §A, [U]):
//   GE ≤ ICB = sqrt((2^{I(X;Z) in bits} + ln(c/δ)) / (2m)),  δ = 0.05, c ∈ {1, 2} (ln(1/δ) or ln(2/δ))
// with m training samples, and the bookkeeping GE = train accuracy − test accuracy.
import { valueError } from '../core/errors.js';

export interface IcbOptions {
  /** Confidence parameter δ in (0, 1) (default 0.05). */
  readonly delta?: number;
  /** The constant c of ln(c/δ): 1 or 2 (default 1). */
  readonly c?: number;
}

/** sqrt((2^I + ln(c/δ)) / 2m) for I in bits and m training samples. */
export function inputCompressionBound(miBits: number, m: number, o: IcbOptions = {}): number {
  const op = 'inputCompressionBound';
  const delta = o.delta ?? 0.05, c = o.c ?? 1;
  if (!Number.isFinite(miBits)) throw valueError(op, 'miBits', 'a finite mutual information in bits', miBits);
  if (!Number.isInteger(m) || m < 1) throw valueError(op, 'm', 'a positive number of training samples', m);
  if (!(delta > 0 && delta < 1)) throw valueError(op, 'delta', 'a confidence parameter in (0, 1)', delta);
  if (!(c > 0)) throw valueError(op, 'c', 'a positive constant (1 or 2)', c);
  return Math.sqrt((2 ** Math.max(miBits, 0) + Math.log(c / delta)) / (2 * m));
}

export interface GeneralizationRecord {
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  /** GE = train accuracy − test accuracy. */
  readonly ge: number;
  readonly bound: number;
  /** GE ≤ bound. */
  readonly held: boolean;
}

/** GE bookkeeping for one model: its accuracies, MI (bits), and training-set size. */
export function generalizationRecord(o: { trainAccuracy: number; testAccuracy: number; miBits: number; m: number } & IcbOptions): GeneralizationRecord {
  for (const k of ['trainAccuracy', 'testAccuracy'] as const) {
    if (!(o[k] >= 0 && o[k] <= 1)) throw valueError('generalizationRecord', k, 'an accuracy in [0, 1]', o[k]);
  }
  const bound = inputCompressionBound(o.miBits, o.m, o);
  const ge = o.trainAccuracy - o.testAccuracy;
  return { trainAccuracy: o.trainAccuracy, testAccuracy: o.testAccuracy, ge, bound, held: ge <= bound };
}

/** Binary accuracy of real-valued predictions against ±1 labels (sign agreement; 0 counts as wrong). */
export function signAccuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length || labels.length === 0) throw valueError('signAccuracy', 'labels', `${predictions.length} labels (one per prediction)`, labels.length);
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i]! * labels[i]! > 0) right++;
  return right / labels.length;
}

export interface IcbCalculation {
  readonly miBits: number;
  readonly m: number;
  readonly delta: number;
  readonly c: number;
  readonly bound: number;
  /** With both accuracies: GE = train − test accuracy and whether GE ≤ bound. */
  readonly trainAccuracy?: number;
  readonly testAccuracy?: number;
  readonly ge?: number;
  readonly held?: boolean;
}

/** The bound calculator (`tessera icb`, the web app's Kernels page): the ICB, and GE with both accuracies. */
export function icbCalculation(o: { miBits: number; m: number; trainAccuracy?: number; testAccuracy?: number } & IcbOptions): IcbCalculation {
  const base = { miBits: o.miBits, m: o.m, delta: o.delta ?? 0.05, c: o.c ?? 1 };
  if ((o.trainAccuracy === undefined) !== (o.testAccuracy === undefined)) {
    const [given, missing] = o.trainAccuracy === undefined ? ['testAccuracy', 'trainAccuracy'] : ['trainAccuracy', 'testAccuracy'];
    throw valueError('icbCalculation', missing, `an accuracy beside ${given} (GE = train − test accuracy)`, 'none');
  }
  if (o.trainAccuracy === undefined) return { ...base, bound: inputCompressionBound(o.miBits, o.m, base) };
  const r = generalizationRecord({ ...base, trainAccuracy: o.trainAccuracy, testAccuracy: o.testAccuracy! });
  return { ...base, bound: r.bound, trainAccuracy: r.trainAccuracy, testAccuracy: r.testAccuracy, ge: r.ge, held: r.held };
}
