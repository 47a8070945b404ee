// Adam and AdamW: torch.optim.Adam (weight decay as an L2 term in the gradient) and torch.optim.AdamW
// (decoupled weight decay, Loshchilov & Hutter). One update rule, two ways to decay.
//
// For a parameter p with gradient g and its own update count t (1 on its first update);
// η = lr(step), β1, β2 = betas, ε = eps, λ = weightDecay:
//
//   weight decay   Adam:  g ← g + λ·p             AdamW:  p ← p·(1 − η·λ)
//   moments        m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
//   amsgrad        v̂ ← max(v̂, v), used in place of v below
//   update         p ← p − η/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
//
// (ε is added after the square root of the bias-corrected second moment, as torch does.)
// State: { exp_avg: m, exp_avg_sq: v } per parameter, plus { max_exp_avg_sq: v̂ } with amsgrad.
import { getBackend } from '../backend/registry.js';
import { booleanOption, checkKeys, lrOption, numberOption, optionError, type Schedule } from './options.js';
import { makeOptimizer, type Optimizer } from './optimizer.js';

export interface AdamOptions {
  lr: number | Schedule;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

const KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'];

/** Adam with L2 weight decay added to the gradient (default weightDecay 0), as torch.optim.Adam. */
export function adam(options: AdamOptions): Optimizer {
  return adamFamily('adam', options, 0, false);
}

/** Adam with decoupled weight decay p ← p·(1 − η·λ) (default weightDecay 0.01), as torch.optim.AdamW. */
export function adamw(options: AdamOptions): Optimizer {
  return adamFamily('adamw', options, 0.01, true);
}

function adamFamily(op: 'adam' | 'adamw', options: AdamOptions, defaultDecay: number, decoupled: boolean): Optimizer {
  const o = checkKeys(op, options, KEYS);
  const lr = lrOption(op, o.lr);
  const betas = o.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) throw optionError(op, 'betas', 'a pair [beta1, beta2]', betas);
  const beta1 = numberOption(op, 'betas[0]', betas[0], undefined, { min: 0, below: 1 });
  const beta2 = numberOption(op, 'betas[1]', betas[1], undefined, { min: 0, below: 1 });
  const eps = numberOption(op, 'eps', o.eps, 1e-8, { above: 0 });
  const weightDecay = numberOption(op, 'weightDecay', o.weightDecay, defaultDecay, { min: 0 });
  const amsgrad = booleanOption(op, 'amsgrad', o.amsgrad, false);

  return makeOptimizer({
    name: op,
    buffers: amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'],
    hyper: { lr: lr.constant ?? 'schedule', betas: [beta1, beta2], eps, weightDecay, amsgrad },
    lr: lr.schedule,
    update(p, g, state, { lr: eta, step: t, round: r }) {
      // Scalars in the parameter's precision, as torch casts them; the arithmetic is a backend kernel.
      getBackend().adamUpdate({
        negStepSize: r(-eta / (1 - beta1 ** t)), bc2Sqrt: r(Math.sqrt(1 - beta2 ** t)),
        beta1: r(beta1), beta2: r(beta2), oneMinusBeta1: r(1 - beta1), oneMinusBeta2: r(1 - beta2), eps: r(eps),
        l2: decoupled ? 0 : r(weightDecay), decay: r(1 - eta * weightDecay), decoupled,
      }, p, g, state.exp_avg!, state.exp_avg_sq!, state.max_exp_avg_sq ?? null);
    },
  });
}
