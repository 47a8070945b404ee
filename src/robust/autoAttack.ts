// AutoAttack (Croce & Hein 2020, fra31/auto-attack autoattack.py): a fixed, parameter-free ensemble run as
// a cascade. The clean-correct points are attacked by the first attack; only the points it leaves robust
// go to the next, and so on; robust accuracy is the per-point worst case over the attacks (AutoAttack's
// `run_standard_evaluation`). Versions, as `set_version` fixes them:
//   standard  APGD-CE (1 restart), APGD-T (9 targets, 1 restart), FAB-T (9 targets, 1 restart),
//             Square (5000 queries); ℓ1: APGD-CE (5 restarts) and APGD-T (5 targets) only
//   plus      APGD-CE (5 restarts), APGD-DLR (5), FAB (5), Square (5000), APGD-T (9 targets), FAB-T (9)
//   rand      APGD-CE and APGD-DLR with EOT over 20 draws (1 restart), for randomized models
// every iterative attack with 100 iterations. The report gives each attack's robust accuracy after it ran,
// the points it broke, its model evaluations per example attacked and its time, and runs AutoAttack's
// automatic checks: randomized model (skipped by `rand`), probabilities instead of logits, zero gradients,
// and "Square lowered the accuracy left by the white-box attacks" (check_square_sr: gradient masking).
// `individual` also runs each attack alone on every clean-correct point (`run_standard_evaluation_individual`).
import { foldIn, key as makeKey, type Key } from '../core/random.js';
import { rangeError, valueError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import { emptyLike, rowNorms, type Norm } from './geometry.js';
import { argmaxRows, objectiveAndGradient, predictLogits } from './gradient.js';
import { attackObjective } from './losses.js';
import { assertInBox, checkBox, checkLabels, exampleLabels, exampleRows, featuresPerExample, type Classifier, type InputBox } from './inputSpace.js';
import { makeAttack, type AttackName } from './catalog.js';
import type { AttackResult } from './attacks.js';
import { checkBlackBoxVsWhiteBox, checkGradients, checkLogits, checkRandomized, type SanityCheck } from './sanity.js';

export const AUTOATTACK_VERSIONS = ['standard', 'plus', 'rand'] as const;
export type AutoAttackVersion = (typeof AUTOATTACK_VERSIONS)[number];
/** AutoAttack's attack names (`attacks_to_run`). */
export const AUTOATTACK_COMPONENTS = ['apgd-ce', 'apgd-dlr', 'apgd-t', 'fab', 'fab-t', 'square'] as const;
export type AutoAttackComponent = (typeof AUTOATTACK_COMPONENTS)[number];

export interface AutoAttackOptions {
  norm: Norm;
  eps: number;
  box: InputBox;
  version?: AutoAttackVersion;
  /** A custom cascade (AutoAttack's version 'custom'); default: the version's list. */
  attacks?: readonly AutoAttackComponent[];
  /** Iterations of APGD / FAB (default 100). */
  steps?: number;
  /** Square's queries per example (default 5000). */
  squareQueries?: number;
  /** Also run every attack alone on all clean-correct points. */
  individual?: boolean;
  /** Examples per attack call (AutoAttack's bs; default 500). */
  batchSize?: number;
  key?: Key;
  /** Called after each attack of the cascade. */
  onProgress?: (step: AutoAttackStep) => void;
}

export interface AutoAttackStep {
  /** AutoAttack's name of the attack and the catalog attack that ran it. */
  attack: AutoAttackComponent;
  catalogName: AttackName;
  /** Points handed to this attack (still robust before it). */
  attacked: number;
  /** Points it broke. */
  broken: number;
  /** Robust accuracy over all N points after this attack. */
  robustAccuracy: number;
  /** Model evaluations (forward passes, gradient passes included) per attacked example. */
  queriesPerExample: number;
  seconds: number;
}

export interface AutoAttackReport {
  version: AutoAttackVersion | 'custom';
  norm: Norm;
  eps: number;
  n: number;
  cleanAccuracy: number;
  robustAccuracy: number;
  steps: AutoAttackStep[];
  /** Each attack alone on every clean-correct point (with `individual`). */
  individual?: { attack: AutoAttackComponent; robustAccuracy: number; seconds: number }[];
  /** Largest perturbation norm of the returned inputs (≤ ε), and whether any value is NaN. */
  maxPerturbation: number;
  hasNaN: boolean;
  checks: SanityCheck[];
  warnings: SanityCheck[];
  seconds: number;
}

export interface AutoAttackResult extends AttackResult {
  report: AutoAttackReport;
}

/** The cascade of a version for a norm (AutoAttack's set_version). */
export function autoAttackCascade(version: AutoAttackVersion, norm: Norm): AutoAttackComponent[] {
  if (version === 'standard') return norm === 'linf' || norm === 'l2' ? ['apgd-ce', 'apgd-t', 'fab-t', 'square'] : ['apgd-ce', 'apgd-t'];
  if (version === 'plus') return ['apgd-ce', 'apgd-dlr', 'fab', 'square', 'apgd-t', 'fab-t'];
  return ['apgd-ce', 'apgd-dlr'];
}

/** The catalog attack behind one AutoAttack component, with the version's restarts, targets and EOT. */
function componentAttack(c: AutoAttackComponent, version: AutoAttackVersion | 'custom', o: AutoAttackOptions, key: Key) {
  const steps = o.steps ?? 100, norm = o.norm, plus = version === 'plus';
  const base = { box: o.box, key, steps };
  switch (c) {
    case 'apgd-ce':
    case 'apgd-dlr': {
      const restarts = plus || (norm === 'l1' && version === 'standard') ? 5 : 1;
      // rand: the catalog's EOT entries (every gradient averaged over AUTOATTACK_EOT_ITER = 20 passes)
      return makeAttack(version === 'rand' ? `${c}-eot-${norm}` : `${c}-${norm}`, { ...base, restarts });
    }
    case 'apgd-t':
      return makeAttack(`apgd-t-${norm}`, { ...base, restarts: 1, targetClasses: norm === 'l1' ? 5 : 9 });
    case 'fab':
      return makeAttack(`fab-${norm}`, { ...base, restarts: plus ? 5 : 1 });
    case 'fab-t':
      return makeAttack(`fab-t-${norm}`, { ...base, restarts: 1, targetClasses: 9 });
    case 'square':
      if (norm === 'l1') throw valueError('autoAttack', 'attacks', "Square for ℓ∞ or ℓ2 (tessera has no ℓ1 Square attack; AutoAttack's standard ℓ1 version does not run it)", 'square with norm l1');
      return makeAttack(`square-${norm}`, { box: o.box, key, steps: o.squareQueries ?? 5000 });
  }
}

export function autoAttack(model: Classifier, x: Tensor, y: Tensor, o: AutoAttackOptions): AutoAttackResult {
  checkBox(o.box, 'autoAttack');
  checkLabels(x, y, 'autoAttack');
  assertInBox(x, o.box, 'autoAttack');
  if (!(Number.isFinite(o.eps) && o.eps >= 0)) throw rangeError('autoAttack', 'eps', 'a finite number ≥ 0', o.eps);
  if (o.version !== undefined && !(AUTOATTACK_VERSIONS as readonly string[]).includes(o.version)) throw valueError('autoAttack', 'version', AUTOATTACK_VERSIONS.join(' | '), o.version);
  for (const a of o.attacks ?? []) if (!(AUTOATTACK_COMPONENTS as readonly string[]).includes(a)) throw valueError('autoAttack', 'attacks', `names from ${AUTOATTACK_COMPONENTS.join(', ')}`, a);
  const version = o.attacks ? 'custom' : o.version ?? 'standard';
  const cascade = o.attacks ? [...o.attacks] : autoAttackCascade(version as AutoAttackVersion, o.norm);
  const n = x.shape[0]!, d = featuresPerExample(x), batch = o.batchSize ?? 500, key = o.key ?? makeKey(0);
  const started = performance.now();

  // Model evaluations are counted per example through a wrapper (forward and gradient passes alike).
  let evaluations = 0;
  const counted: Classifier = (xx) => { evaluations += xx.shape[0]!; return model(xx); };
  const attacks = cascade.map((c, i) => ({ c, named: componentAttack(c, version, o, foldIn(key, i + 1)) }));

  // AutoAttack's checks on the first batch, before attacking.
  const head = Array.from({ length: Math.min(n, batch) }, (_, i) => i);
  const hx = exampleRows(x, head), hy = exampleLabels(y, head);
  const checks: SanityCheck[] = [];
  // check_randomized: 5 calls on the first batch (skipped by rand, which expects randomness)
  if (version !== 'rand') checks.push(checkRandomized(Array.from({ length: 5 }, () => predictLogits(model, hx)), hy));
  const probe = objectiveAndGradient(model, hx, hy, 'ce');
  checks.push(checkLogits(probe.logits), checkGradients(probe.grad, head.length));

  const predict = (xs: Tensor): Int32Array => {
    const out = new Int32Array(xs.shape[0]!);
    for (let s = 0; s < out.length; s += batch) {
      const idx = Array.from({ length: Math.min(batch, out.length - s) }, (_, i) => s + i);
      out.set(argmaxRows(predictLogits(model, exampleRows(xs, idx))), s);
    }
    return out;
  };
  const clean = predict(x);
  const robust = Uint8Array.from(clean, (p, i) => Number(p === y.data[i]));
  const count = (flags: Uint8Array) => flags.reduce((s, v) => s + v, 0);
  const cleanAccuracy = count(robust) / n;
  const xAdv = emptyLike(x.data);
  xAdv.set(x.data);

  /** Run one attack on the points flagged robust, clearing the flags of those it breaks; returns (attacked, broken). */
  const runOn = (flags: Uint8Array, named: (typeof attacks)[number]['named'], target: Float32Array | Float64Array): [number, number] => {
    const idx: number[] = [];
    flags.forEach((f, i) => { if (f) idx.push(i); });
    let broken = 0;
    for (let s = 0; s < idx.length; s += batch) {
      const part = idx.slice(s, s + batch);
      const px = exampleRows(x, part), py = exampleLabels(y, part);
      const adv = named.attack(counted, px, py, o.eps).x;
      const pred = argmaxRows(predictLogits(model, adv));
      part.forEach((i, r) => {
        if (pred[r] === y.data[i]) return;
        flags[i] = 0;
        broken++;
        target.set(adv.data.subarray(r * d, (r + 1) * d) as Float32Array, i * d);
      });
    }
    return [idx.length, broken];
  };

  const steps: AutoAttackStep[] = [];
  const accuracyAfter: Record<string, number> = { clean: cleanAccuracy };
  for (const { c, named } of attacks) {
    const attacked = count(robust);
    if (attacked === 0) break;
    const t0 = performance.now(), e0 = evaluations;
    const [, broken] = runOn(robust, named, xAdv);
    const step: AutoAttackStep = {
      attack: c, catalogName: named.name, attacked, broken, robustAccuracy: count(robust) / n,
      queriesPerExample: (evaluations - e0) / attacked, seconds: (performance.now() - t0) / 1000,
    };
    accuracyAfter[c] = step.robustAccuracy;
    steps.push(step);
    o.onProgress?.(step);
  }
  const robustAccuracy = count(robust) / n;

  // check_square_sr: Square must not lower the accuracy the white-box attacks left (by more than 0.2%).
  if ('square' in accuracyAfter && Object.keys(accuracyAfter).length > 2) {
    const whiteBox = Math.min(...Object.entries(accuracyAfter).filter(([k]) => k !== 'square').map(([, v]) => v));
    checks.push(checkBlackBoxVsWhiteBox(o.eps, whiteBox, accuracyAfter.square!, 0.002));
  }

  let individual: AutoAttackReport['individual'];
  if (o.individual) {
    individual = attacks.map(({ c, named }) => {
      const t0 = performance.now(), flags = Uint8Array.from(clean, (p, i) => Number(p === y.data[i]));
      runOn(flags, named, emptyLike(x.data));
      return { attack: c, robustAccuracy: count(flags) / n, seconds: (performance.now() - t0) / 1000 };
    });
  }

  const delta = emptyLike(x.data);
  let hasNaN = false;
  for (let j = 0; j < delta.length; j++) { delta[j] = xAdv[j]! - x.data[j]!; if (Number.isNaN(xAdv[j]!)) hasNaN = true; }
  const maxPerturbation = n === 0 ? 0 : Math.max(...rowNorms(delta, n, o.norm));
  const warnings = checks.filter((ch) => !ch.passed);
  const report: AutoAttackReport = {
    version, norm: o.norm, eps: o.eps, n, cleanAccuracy, robustAccuracy, steps, ...(individual && { individual }),
    maxPerturbation, hasNaN, checks, warnings, seconds: (performance.now() - started) / 1000,
  };
  // success: misclassified at the returned point (clean mistakes included); objective: CE there.
  const adv = new Tensor(xAdv, x.shape), objective = new Float64Array(n);
  for (let s = 0; s < n; s += batch) {
    const idx = Array.from({ length: Math.min(batch, n - s) }, (_, i) => s + i);
    objective.set(attackObjective(predictLogits(model, exampleRows(adv, idx)), exampleLabels(y, idx), 'ce').data, s);
  }
  return { x: adv, success: Uint8Array.from(robust, (r) => 1 - r), objective, report };
}
