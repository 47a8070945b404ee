// One robustness evaluation: clean accuracy (eval mode), robust accuracy, I(T;Y) and SNR per ε for a
// named attack, random noise of the same norm per ε, and the built-in sanity checks (sanity.ts), which
// always run; failed checks go to onWarning (the CLI prints them loudly) and into the result.
import { foldIn, key as makeKey, normalValues, uniformValues, type Key } from '../core/random.js';
import { rangeError } from '../core/errors.js';
import { Tensor, concat, slice } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { clipToBox, emptyLike, rowNorms, type Norm } from './geometry.js';
import { argmaxRows, objectiveAndGradient, predictLogits } from './gradient.js';
import { assertInBox, featuresPerExample, type Classifier, type InputBox } from './inputSpace.js';
import type { Attack } from './attacks.js';
import { mutualInformation, perturbationSnrDb } from './metrics.js';
import { checkBlackBoxVsWhiteBox, checkEpsZero, checkEvalMode, checkGradients, checkLargeEps, checkLogits, checkMonotone, checkMoreSteps, checkRandomized, checkWhiteBoxVsNoise, type SanityCheck } from './sanity.js';

export interface RobustEvalOptions {
  model: Classifier;
  /** The module behind `model`, when there is one: its mode is inspected and clean accuracy measured in eval mode. */
  module?: Module;
  x: Tensor;
  y: Tensor;
  box: InputBox;
  norm: Norm;
  epsilons: readonly number[];
  attack: Attack;
  /** The same attack with more steps/restarts (the more-steps check); skipped when absent. */
  strongerAttack?: Attack;
  /** EOT passes per gradient of `attack` (NamedAttack.eotIter); > 1 means a randomized model is expected. Default 1. */
  eotIter?: number;
  /** Calls of the model on the first batch for the randomized-model check (default 5, as AutoAttack). */
  randomizedCalls?: number;
  /** A black-box attack (Square) run at the largest ε for the black-box-vs-white-box check; skipped when absent. */
  blackBoxAttack?: Attack;
  classes?: number;
  batchSize?: number;
  /** Random-noise draws per example for the white-box-vs-noise check (the worst draw counts). */
  noiseDraws?: number;
  /** ε for the large-ε check (default: the box width for ℓ∞, width·√D for ℓ2, width·D for ℓ1). */
  largeEps?: number;
  /** Accuracy slack of the monotone / more-steps / noise comparisons (default max(0.01, 2/N)). */
  tolerance?: number;
  key?: Key;
  onWarning?: (check: SanityCheck) => void;
}

export interface EpsPoint {
  eps: number;
  robustAccuracy: number;
  noiseAccuracy: number;
  /** I(T;Y) of the adversarial predictions, bits. */
  mutualInformationBits: number;
  /** SNR of the adversarial perturbation, dB (Infinity at ε = 0). */
  snrDb: number;
}

export interface RobustEvalResult {
  cleanAccuracy: number;
  cleanMutualInformationBits: number;
  points: EpsPoint[];
  checks: SanityCheck[];
  warnings: SanityCheck[];
}

function batched<T>(n: number, size: number, f: (start: number, end: number) => T): T[] {
  const out: T[] = [];
  for (let s = 0; s < n; s += size) out.push(f(s, Math.min(n, s + size)));
  return out;
}

/** Random inputs at distance exactly ε (ℓ∞: random corners; ℓ2, ℓ1: random Gaussian directions), clipped to the box. */
export function noiseOfNorm(x: Tensor, eps: number, norm: Norm, box: InputBox, key: Key): Tensor {
  const n = x.shape[0]!, d = featuresPerExample(x), out = emptyLike(x.data);
  if (norm === 'linf') {
    const u = uniformValues(key, x.size, 'f64');
    for (let j = 0; j < x.size; j++) out[j] = x.data[j]! + (u[j]! < 0.5 ? -eps : eps);
  } else {
    const g = normalValues(key, x.size, 'f64'), gn = rowNorms(g, n, norm);
    for (let i = 0; i < n; i++) for (let j = i * d; j < (i + 1) * d; j++) out[j] = x.data[j]! + (eps * g[j]!) / Math.max(gn[i]!, 1e-12);
  }
  return new Tensor(clipToBox(out, box), x.shape);
}

export function evaluateRobustness(o: RobustEvalOptions): RobustEvalResult {
  const n = o.x.shape[0]!, batch = o.batchSize ?? 500, classes = o.classes ?? 10, key = o.key ?? makeKey(0);
  if (o.epsilons.length === 0) throw rangeError('evaluateRobustness', 'epsilons', 'at least one ε', 0);
  for (const e of o.epsilons) if (!(e >= 0 && Number.isFinite(e))) throw rangeError('evaluateRobustness', 'epsilons', 'finite values ≥ 0', e);
  assertInBox(o.x, o.box, 'evaluateRobustness');
  const tolerance = o.tolerance ?? Math.max(0.01, 2 / n);
  const y = o.y.data;
  const accuracyOfPreds = (pred: Int32Array) => pred.reduce((h, p, i) => h + (p === y[i] ? 1 : 0), 0) / n;
  const predictionsOf = (xs: Tensor) => concatInts(batched(n, batch, (s, e) => argmaxRows(predictLogits(o.model, slice(xs, [s], [e])))));
  const attackAll = (attack: Attack, eps: number) => {
    const parts = batched(n, batch, (s, e) => attack(o.model, slice(o.x, [s], [e]), slice(o.y, [s], [e]), eps).x);
    return parts.length === 1 ? parts[0]! : concat(parts, 0);
  };
  const checks: SanityCheck[] = [];

  // Clean accuracy in eval mode (restoring the module's mode afterwards).
  const wasTraining = o.module?.training;
  checks.push(checkEvalMode(wasTraining));
  o.module?.eval();
  const cleanPred = predictionsOf(o.x);
  if (wasTraining) o.module!.train(true);
  const cleanAccuracy = accuracyOfPreds(cleanPred);

  const head = slice(o.x, [0], [Math.min(n, batch)]), headY = slice(o.y, [0], [Math.min(n, batch)]);
  const calls = o.randomizedCalls ?? 5;
  if (!Number.isInteger(calls) || calls < 2) throw rangeError('evaluateRobustness', 'randomizedCalls', 'an integer ≥ 2', calls);
  checks.push(checkRandomized(Array.from({ length: calls }, () => predictLogits(o.model, head)), headY, o.eotIter ?? 1));
  const probe = objectiveAndGradient(o.model, head, headY, 'ce');
  checks.push(checkLogits(probe.logits), checkGradients(probe.grad, head.shape[0]!));

  const points: EpsPoint[] = [];
  const epsilons = [...new Set([0, ...o.epsilons])].sort((a, b) => a - b);
  for (const eps of epsilons) {
    const xAdv = attackAll(o.attack, eps);
    const pred = predictionsOf(xAdv);
    let noiseAccuracy = 1;
    const noiseWrong = new Uint8Array(n);
    for (let draw = 0; draw < (eps > 0 ? o.noiseDraws ?? 4 : 1); draw++) {
      const p = predictionsOf(noiseOfNorm(o.x, eps, o.norm, o.box, foldIn(foldIn(key, Math.round(eps * 1e9)), draw)));
      for (let i = 0; i < n; i++) if (p[i] !== y[i]) noiseWrong[i] = 1;
    }
    noiseAccuracy = 1 - noiseWrong.reduce((a, b) => a + b, 0) / n;
    points.push({ eps, robustAccuracy: accuracyOfPreds(pred), noiseAccuracy, mutualInformationBits: mutualInformation(pred, y, classes), snrDb: perturbationSnrDb(o.x, xAdv) });
  }
  checks.push(checkEpsZero(cleanAccuracy, points[0]!.robustAccuracy));
  checks.push(checkMonotone(points.map((p) => ({ eps: p.eps, accuracy: p.robustAccuracy })), tolerance));
  for (const p of points) if (p.eps > 0) checks.push(checkWhiteBoxVsNoise(p.eps, p.robustAccuracy, p.noiseAccuracy, tolerance));
  const largest = points.at(-1)!;
  if (o.strongerAttack && largest.eps > 0) {
    const stronger = accuracyOfPreds(predictionsOf(attackAll(o.strongerAttack, largest.eps)));
    checks.push(checkMoreSteps(largest.eps, largest.robustAccuracy, stronger, tolerance));
  }
  if (o.blackBoxAttack && largest.eps > 0) {
    const blackBox = accuracyOfPreds(predictionsOf(attackAll(o.blackBoxAttack, largest.eps)));
    checks.push(checkBlackBoxVsWhiteBox(largest.eps, largest.robustAccuracy, blackBox, tolerance));
  }
  const width = o.box.upper - o.box.lower;
  const largeEps = o.largeEps ?? (o.norm === 'linf' ? width : o.norm === 'l1' ? width * featuresPerExample(o.x) : width * Math.sqrt(featuresPerExample(o.x)));
  checks.push(checkLargeEps(largeEps, accuracyOfPreds(predictionsOf(attackAll(o.attack, largeEps))), classes));

  const warnings = checks.filter((c) => !c.passed);
  for (const w of warnings) o.onWarning?.(w);
  return { cleanAccuracy, cleanMutualInformationBits: mutualInformation(cleanPred, y, classes), points, checks, warnings };
}

function concatInts(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
