// Learning-rate schedules: plain functions step → lr (step 0-based: the step about to be taken), in
// the closed forms of torch's schedulers, so schedule(k) is the lr torch uses for the k-th
// optimizer.step() when its scheduler.step() is called once after each.
//
//   constant(lr)                       lr
//   step(lr, stepSize, γ)              lr·γ^⌊k / stepSize⌋                         (StepLR)
//   multiStep(lr, milestones, γ)       lr·γ^#{milestones m ≤ k}                    (MultiStepLR; order and
//                                                                                   repeats count as in torch)
//   cosine(lr, T, minLr = 0)           minLr + (lr − minLr)·(1 + cos(π·k/T))/2      (CosineAnnealingLR; past T
//                                                                                   it rises again, as torch's)
//   linearWarmup(W, after, f0 = 0)     after(0)·(f0 + (1 − f0)·k/W)   for k < W
//                                      after(k − W)                    for k ≥ W
//
// linearWarmup ramps linearly from f0·after(0) towards after(0) over W steps, then runs `after` from
// its own step 0 (the usual warm-up-then-decay convention, and what torch's
// SequentialLR([LinearLR(start_factor=f0, total_iters=W), after], milestones=[W]) gives).
import { rangeError } from '../core/errors.js';
import { numberOption, optionError, type Schedule } from './options.js';

function checkStep(op: string, k: number): void {
  if (!Number.isInteger(k) || k < 0) throw rangeError(op, 'step', 'an integer ≥ 0', k);
}

export const schedules = {
  constant(lr: number): Schedule {
    const op = 'schedules.constant';
    numberOption(op, 'lr', lr, undefined, { min: 0 });
    return (k) => (checkStep(op, k), lr);
  },

  step(lr: number, stepSize: number, gamma: number): Schedule {
    const op = 'schedules.step';
    numberOption(op, 'lr', lr, undefined, { min: 0 });
    numberOption(op, 'stepSize', stepSize, undefined, { integer: true, min: 1 });
    numberOption(op, 'gamma', gamma, undefined, { min: 0 });
    return (k) => (checkStep(op, k), lr * gamma ** Math.floor(k / stepSize));
  },

  multiStep(lr: number, milestones: number[], gamma: number): Schedule {
    const op = 'schedules.multiStep';
    numberOption(op, 'lr', lr, undefined, { min: 0 });
    if (!Array.isArray(milestones)) throw optionError(op, 'milestones', 'an array of step indices', milestones);
    milestones.forEach((m, i) => numberOption(op, `milestones[${i}]`, m, undefined, { integer: true, min: 0 }));
    numberOption(op, 'gamma', gamma, undefined, { min: 0 });
    const ms = [...milestones];
    return (k) => (checkStep(op, k), lr * gamma ** ms.filter((m) => m <= k).length);
  },

  cosine(lr: number, totalSteps: number, minLr = 0): Schedule {
    const op = 'schedules.cosine';
    numberOption(op, 'lr', lr, undefined, { min: 0 });
    numberOption(op, 'totalSteps', totalSteps, undefined, { integer: true, min: 1 });
    numberOption(op, 'minLr', minLr, undefined, { min: 0 });
    return (k) => (checkStep(op, k), minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * k) / totalSteps))) / 2);
  },

  linearWarmup(warmupSteps: number, after: Schedule, startFactor = 0): Schedule {
    const op = 'schedules.linearWarmup';
    numberOption(op, 'warmupSteps', warmupSteps, undefined, { integer: true, min: 0 });
    if (typeof after !== 'function') throw optionError(op, 'after', 'a schedule (step) => lr', after);
    numberOption(op, 'startFactor', startFactor, undefined, { min: 0, max: 1 });
    return (k) => {
      checkStep(op, k);
      return k < warmupSteps ? after(0) * (startFactor + ((1 - startFactor) * k) / warmupSteps) : after(k - warmupSteps);
    };
  },
};
