// APGD-T (Croce & Hein 2020; fra31/auto-attack's `apgd-t`): APGD with the targeted DLR loss, run once per
// target class — the classes ranked 2nd, 3rd, … by the clean logits (9 targets in AutoAttack's standard
// version) — each run only on the examples no earlier run has broken. An example counts as broken when its
// prediction leaves y (any class, as AutoAttack counts it), not only when it reaches the target.
import { rangeError, valueError } from '../core/errors.js';
import { foldIn, key as makeKey, type Key } from '../core/random.js';
import { Tensor } from '../tensor/index.js';
import { apgd } from './apgd.js';
import type { AttackResult } from './attacks.js';
import { emptyLike, perExample, type Norm } from './geometry.js';
import { argmaxRows, predictLogits } from './gradient.js';
import { exampleLabels, exampleRows, featuresPerExample, type Classifier, type InputBox } from './inputSpace.js';

export interface ApgdTargetedOptions {
  norm: Norm;
  eps: number | ArrayLike<number>;
  box: InputBox;
  /** Iterations per target (default 100). */
  steps?: number;
  /** Target classes tried per example, by clean-logit rank after the top one (default 9, at most classes − 1). */
  targetClasses?: number;
  key?: Key;
  /** Passes averaged per gradient (EOT for randomized models); default 1. */
  eotIter?: number;
}

export function apgdTargeted(model: Classifier, x: Tensor, y: Tensor, o: ApgdTargetedOptions): AttackResult {
  const n = x.shape[0]!, d = featuresPerExample(x);
  const clean = predictLogits(model, x), C = clean.shape[1]!;
  if (C < 4) throw valueError('apgdTargeted', 'logits', 'at least 4 classes (the targeted DLR loss)', C);
  const targets = Math.min(o.targetClasses ?? 9, C - 1);
  if (!Number.isInteger(targets) || targets < 1) throw rangeError('apgdTargeted', 'targetClasses', 'a positive integer', o.targetClasses);
  const eps = perExample(o.eps, n, 'apgdTargeted');
  const key = o.key ?? makeKey(0);
  const best = emptyLike(x.data as Float32Array | Float64Array);
  best.set(x.data);
  const success = new Uint8Array(n), objective = new Float64Array(n).fill(-Infinity);
  // Clean ranking per example: classes by logit, descending (rank 0 is the top class).
  const ranking = Array.from({ length: n }, (_, i) => Array.from({ length: C }, (_, c) => c).sort((a, b) => clean.data[i * C + b]! - clean.data[i * C + a]! || a - b));
  for (let rank = 1; rank <= targets; rank++) {
    const left: number[] = [];
    for (let i = 0; i < n; i++) if (!success[i]) left.push(i);
    if (left.length === 0) break;
    const xs = exampleRows(x, left), ys = exampleLabels(y, left);
    const ts = new Tensor(Int32Array.from(left, (i) => ranking[i]![rank]!), [left.length]);
    const r = apgd(model, xs, ys, { norm: o.norm, eps: Float64Array.from(left, (i) => eps[i]!), box: o.box, loss: 'dlr', targets: ts, steps: o.steps ?? 100, key: foldIn(key, rank), ...(o.eotIter !== undefined && { eotIter: o.eotIter }) });
    const pred = argmaxRows(predictLogits(model, r.x));
    left.forEach((i, j) => {
      const broken = pred[j] !== y.data[i];
      if (broken || r.objective[j]! > objective[i]!) {
        best.set(r.x.data.subarray(j * d, (j + 1) * d) as Float32Array, i * d);
        objective[i] = r.objective[j]!;
      }
      if (broken) success[i] = 1;
    });
  }
  return { x: new Tensor(best, x.shape), success, objective };
}
