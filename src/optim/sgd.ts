// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay: torch.optim.SGD,
// plus decoupled weight decay (SGDW, Loshchilov & Hutter), which torch does not have.
//
// For a parameter p with gradient g; η = lr(step), μ = momentum, τ = dampening, λ = weightDecay:
//
//   weight decay   L2 (default):  g ← g + λ·p          decoupled:  p ← p·(1 − η·λ)
//   momentum       b ← g                on the parameter's first update (not μ·0 + (1 − τ)·g: torch
//                                       starts the buffer from the gradient, undampened)
//                  b ← μ·b + (1 − τ)·g  afterwards
//   direction      d = g + μ·b   (Nesterov)     d = b   (μ > 0)     d = g   (μ = 0, no buffer)
//   update         p ← p − η·d
//
// State: { momentum } per parameter when μ > 0.
import { getBackend } from '../backend/registry.js';
import { booleanOption, checkKeys, lrOption, numberOption, optionError, type Schedule } from './options.js';
import { makeOptimizer, type Optimizer } from './optimizer.js';

export interface SgdOptions {
  lr: number | Schedule;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  decoupledWeightDecay?: boolean;
}

const KEYS = ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'decoupledWeightDecay'];

export function sgd(options: SgdOptions): Optimizer {
  const op = 'sgd';
  const o = checkKeys(op, options, KEYS);
  const lr = lrOption(op, o.lr);
  const momentum = numberOption(op, 'momentum', o.momentum, 0, { min: 0 });
  const dampening = numberOption(op, 'dampening', o.dampening, 0, { min: 0, max: 1 });
  const nesterov = booleanOption(op, 'nesterov', o.nesterov, false);
  const weightDecay = numberOption(op, 'weightDecay', o.weightDecay, 0, { min: 0 });
  const decoupled = booleanOption(op, 'decoupledWeightDecay', o.decoupledWeightDecay, false);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw optionError(op, 'nesterov', `momentum > 0 and dampening 0 (got momentum ${momentum}, dampening ${dampening})`, nesterov);
  }

  return makeOptimizer({
    name: op,
    buffers: momentum > 0 ? ['momentum'] : [],
    hyper: { lr: lr.constant ?? 'schedule', momentum, dampening, nesterov, weightDecay, decoupledWeightDecay: decoupled },
    lr: lr.schedule,
    update(p, g, state, { lr: eta, step, round: r }) {
      // Scalars in the parameter's precision, as torch casts them; the arithmetic is a backend kernel.
      getBackend().sgdUpdate({
        negLr: r(-eta), momentum: r(momentum), keep: r(1 - dampening), l2: decoupled ? 0 : r(weightDecay), decay: r(1 - eta * weightDecay),
        decoupled, nesterov, first: step === 1,
      }, p, g, state.momentum ?? null);
    },
  });
}
