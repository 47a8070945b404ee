// Named attacks with their settings, as the CLI and the evaluations call them: each entry fixes
// everything but ε and reports its norm. `stronger` gives the same attack with twice the steps and
// restarts (the "more steps never help the model" check).
//
// ℓ1: apgd-ce-l1 / apgd-dlr-l1 are ℓ1-APGD with auto-attack's use_largereps schedule (what AutoAttack's
// standard version sets for L1). AutoAttack's version 'rand' for randomized models is apgd-ce-eot-* and
// apgd-dlr-eot-*: the same APGD with every gradient averaged over AUTOATTACK_EOT_ITER = 20 passes (and,
// as in 'rand', no use_largereps for ℓ1).
import { key as makeKey, type Key } from '../core/random.js';
import { valueError } from '../core/errors.js';
import { fgsm, pgd, type Attack } from './attacks.js';
import { apgd } from './apgd.js';
import { square } from './square.js';
import { squareL2 } from './squareL2.js';
import { deepFool } from './deepfool.js';
import { apgdTargeted } from './apgdTargeted.js';
import { carliniWagnerL2 } from './carliniWagner.js';
import { fab } from './fab.js';
import { worstCase } from './ensemble.js';
import type { Norm } from './geometry.js';
import type { InputBox } from './inputSpace.js';
import type { AttackLoss } from './losses.js';

export const ATTACK_NAMES = [
  'fgsm', 'fgm-l2', 'bim-linf', 'bim-l2', 'pgd-linf', 'pgd-l2', 'apgd-ce-linf', 'apgd-dlr-linf', 'apgd-ce-l2', 'apgd-dlr-l2', 'apgd-ce-l1', 'apgd-dlr-l1',
  'apgd-ce-eot-linf', 'apgd-dlr-eot-linf', 'apgd-ce-eot-l2', 'apgd-dlr-eot-l2', 'apgd-ce-eot-l1', 'apgd-dlr-eot-l1',
  'apgd-t-linf', 'apgd-t-l2', 'apgd-t-l1', 'square-linf', 'square-l2', 'deepfool-linf', 'deepfool-l2', 'cw-l2', 'fab-linf', 'fab-l2', 'fab-l1', 'fab-t-linf', 'fab-t-l2', 'fab-t-l1', 'worst-linf', 'worst-l2',
] as const;

/** EOT passes per gradient in AutoAttack's version 'rand' (autoattack/autoattack.py, set_version: eot_iter = 20). */
export const AUTOATTACK_EOT_ITER = 20;
export type AttackName = (typeof ATTACK_NAMES)[number];

export interface AttackSettings {
  box: InputBox;
  steps?: number;
  restarts?: number;
  /** Step size relative to ε (PGD/BIM); default 2.5/steps. */
  relativeStep?: number;
  loss?: AttackLoss;
  /** Target classes per example of the targeted attacks (apgd-t, fab-t; default 9, AutoAttack's). */
  targetClasses?: number;
  key?: Key;
}

export interface NamedAttack {
  name: AttackName;
  norm: Norm;
  attack: Attack;
  /** Forward/backward passes averaged per gradient: 1, or AUTOATTACK_EOT_ITER for the *-eot-* entries. */
  eotIter: number;
  /** The same attack with 2× steps and 2× restarts. */
  stronger: () => NamedAttack;
}

export function makeAttack(name: string, s: AttackSettings): NamedAttack {
  if (!(ATTACK_NAMES as readonly string[]).includes(name)) throw valueError('makeAttack', 'attack', `one of ${ATTACK_NAMES.join(', ')}`, name);
  const n = name as AttackName;
  const norm: Norm = n === 'fgsm' || n.endsWith('linf') ? 'linf' : n.endsWith('l1') ? 'l1' : 'l2';
  const eotIter = n.includes('-eot-') ? AUTOATTACK_EOT_ITER : 1;
  // steps: iterations (gradient attacks) or queries per example (square-linf / square-l2, default 1000)
  const steps = s.steps ?? (n.startsWith('apgd') || n.startsWith('fab') ? 100 : n.startsWith('worst') ? 50 : n.startsWith('square') ? 1000 : n.startsWith('deepfool') ? 50 : n === 'cw-l2' ? 100 : 20);
  // FAB: AutoAttack runs untargeted FAB with 5 restarts ('plus') and FAB-T with 1 restart per target ('standard')
  const restarts = s.restarts ?? (n.startsWith('fab-') && !n.startsWith('fab-t') ? 5 : 1), key = s.key ?? makeKey(0), loss = s.loss ?? 'ce';
  const stepSize = (eps: number) => (s.relativeStep ?? 2.5 / steps) * eps;
  let attack: Attack;
  if (n === 'fgsm' || n === 'fgm-l2') attack = (m, x, y, eps) => fgsm(m, x, y, { norm, eps, box: s.box, loss });
  else if (n.startsWith('bim')) attack = (m, x, y, eps) => pgd(m, x, y, { norm, eps, box: s.box, loss, steps, stepSize: stepSize(eps), randomStart: false });
  else if (n.startsWith('pgd')) attack = (m, x, y, eps) => pgd(m, x, y, { norm, eps, box: s.box, loss, steps, stepSize: stepSize(eps), randomStart: true, restarts, key });
  else if (n.startsWith('apgd-t')) attack = (m, x, y, eps) => apgdTargeted(m, x, y, { norm, eps, box: s.box, steps, key, ...(s.targetClasses !== undefined && { targetClasses: s.targetClasses }) });
  else if (n === 'cw-l2') attack = (m, x, y, eps) => carliniWagnerL2(m, x, y, { eps, box: s.box, steps });
  else if (n.startsWith('fab')) {
    const targeted = n.startsWith('fab-t');
    attack = (m, x, y, eps) => fab(m, x, y, { norm, eps, box: s.box, steps, restarts, targeted, key, ...(s.targetClasses !== undefined && { targetClasses: s.targetClasses }) });
  } else if (n.startsWith('deepfool')) attack = (m, x, y, eps) => deepFool(m, x, y, { norm, eps, box: s.box, steps });
  else if (n === 'square-linf') attack = (m, x, y, eps) => square(m, x, y, { eps, box: s.box, queries: steps, key });
  else if (n === 'square-l2') attack = (m, x, y, eps) => squareL2(m, x, y, { eps, box: s.box, queries: steps, key });
  else if (n.startsWith('apgd')) {
    const apgdLoss = n.startsWith('apgd-dlr') ? 'dlr' : 'ce';
    const largerEps = norm === 'l1' && eotIter === 1;
    attack = (m, x, y, eps) => apgd(m, x, y, { norm, eps, box: s.box, loss: apgdLoss, steps, restarts, key, eotIter, largerEps });
  } else {
    // worst case over PGD-CE, APGD-CE and APGD-DLR (a small AutoAttack-like ensemble, white-box only)
    const members = [
      makeAttack(`pgd-${norm}`, { ...s, steps }), makeAttack(`apgd-ce-${norm}`, { ...s, steps }), makeAttack(`apgd-dlr-${norm}`, { ...s, steps }),
    ].map((a) => a.attack);
    attack = (m, x, y, eps) => worstCase(m, x, y, eps, members);
  }
  return {
    name: n, norm, attack, eotIter,
    stronger: () => makeAttack(n, { ...s, steps: 2 * steps, restarts: n === 'fgsm' || n === 'fgm-l2' || n.startsWith('bim') || n.startsWith('deepfool') || n.startsWith('square') || n === 'cw-l2' ? restarts : 2 * restarts, ...(s.relativeStep !== undefined && { relativeStep: s.relativeStep / 2 }) }),
  };
}
