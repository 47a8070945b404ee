// The RigL mask-update schedule (Evci et al. 2020; CS RigLScheduler.__call__ / cosine_annealing;
// research/sparsity.md §A "Schedule"):
//   an update happens after optimizer step t (t = 1, 2, … counts the steps taken) iff
//     t % ΔT == 0  and  t < T_end,           T_end = floor(tEndFraction·totalSteps) (default 0.75);
//   the fraction of a layer's active weights dropped (and regrown) is
//     f(t) = α/2·(1 + cos(π·t/T_end)),        so f(0) = α, f(T_end/2) = α/2, f(T_end) = 0;
//   dense gradients are accumulated (averaged) over the `gradAccumulation` mini-batches that end at an
//   update: the backward pass of step t (0-based: t steps already taken) accumulates iff
//     t < T_end  and  ΔT − (t mod ΔT) ≤ gradAccumulation   (CS check_if_backward_hook_should_accumulate_grad).
import { checkKeys, numberOption } from '../optim/options.js';

export interface RiglScheduleOptions {
  /** Steps between topology updates. Default 100. */
  deltaT?: number;
  /** Initial drop fraction. Default 0.3. */
  alpha?: number;
  /** Total optimizer steps of the run. */
  totalSteps: number;
  /** T_end as a fraction of totalSteps. Default 0.75. */
  tEndFraction?: number;
  /** Mini-batches whose dense gradients are averaged for an update (1 ≤ n ≤ ΔT). Default 1. */
  gradAccumulation?: number;
}

export interface RiglSchedule {
  readonly deltaT: number;
  readonly alpha: number;
  readonly tEnd: number;
  readonly gradAccumulation: number;
  /** Whether the topology is updated after optimizer step `step` (1-based count of steps taken). */
  isUpdateStep(step: number): boolean;
  /** α/2·(1 + cos(π·step/T_end)); 0 at and after T_end. */
  dropFraction(step: number): number;
  /** Whether the gradients of the backward pass taken when `stepsTaken` steps are done feed the next update. */
  accumulates(stepsTaken: number): boolean;
}

const OP = 'riglSchedule';

export function riglSchedule(options: RiglScheduleOptions): RiglSchedule {
  const o = checkKeys(OP, options, ['deltaT', 'alpha', 'totalSteps', 'tEndFraction', 'gradAccumulation']);
  const deltaT = numberOption(OP, 'deltaT', o.deltaT, 100, { min: 1, integer: true });
  const alpha = numberOption(OP, 'alpha', o.alpha, 0.3, { min: 0, max: 1 });
  const totalSteps = numberOption(OP, 'totalSteps', o.totalSteps, undefined, { min: 1, integer: true });
  const tEndFraction = numberOption(OP, 'tEndFraction', o.tEndFraction, 0.75, { above: 0, max: 1 });
  const gradAccumulation = numberOption(OP, 'gradAccumulation', o.gradAccumulation, 1, { min: 1, max: deltaT, integer: true });
  const tEnd = Math.floor(tEndFraction * totalSteps);
  return {
    deltaT, alpha, tEnd, gradAccumulation,
    isUpdateStep: (step) => step > 0 && step % deltaT === 0 && step < tEnd,
    dropFraction: (step) => (step >= tEnd ? 0 : (alpha / 2) * (1 + Math.cos((Math.PI * step) / tEnd))),
    accumulates: (t) => t < tEnd && deltaT - (t % deltaT) <= gradAccumulation,
  };
}
