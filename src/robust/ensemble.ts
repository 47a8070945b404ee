// Per-example worst case over an attack ensemble (Carlini et al. 2019; AutoAttack): an example counts
// as robust only if EVERY attack fails on it — mean_x min_a correct(a(x)), not min_a mean_x correct.
import { Tensor } from '../tensor/index.js';
import type { Classifier } from './inputSpace.js';
import { featuresPerExample } from './inputSpace.js';
import { emptyLike } from './geometry.js';
import type { Attack, AttackResult } from './attacks.js';

export interface WorstCaseResult extends AttackResult {
  /** Index of the attack whose point is returned for each example (its first success, else the last attack). */
  attackIndex: Int32Array;
  /** Robust accuracy of each attack alone. */
  perAttackRobustAccuracy: number[];
}

export function worstCase(model: Classifier, x: Tensor, y: Tensor, eps: number, attacks: readonly Attack[]): WorstCaseResult {
  const n = x.shape[0]!, d = featuresPerExample(x);
  const out = emptyLike(x.data);
  out.set(x.data);
  const success = new Uint8Array(n), objective = new Float64Array(n).fill(-Infinity), attackIndex = new Int32Array(n).fill(-1);
  const perAttack: number[] = [];
  attacks.forEach((attack, a) => {
    const r = attack(model, x, y, eps);
    perAttack.push(1 - r.success.reduce((s, v) => s + v, 0) / n);
    for (let i = 0; i < n; i++) {
      if (success[i]) continue;
      if (r.success[i] || a === attacks.length - 1 || attackIndex[i] === -1) {
        for (let j = i * d; j < (i + 1) * d; j++) out[j] = r.x.data[j]!;
        success[i] = r.success[i]!;
        objective[i] = r.objective[i]!;
        attackIndex[i] = a;
      }
    }
  });
  return { x: new Tensor(out, x.shape), success, objective, attackIndex, perAttackRobustAccuracy: perAttack };
}
