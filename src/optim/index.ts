// tessera/optim: optimizers (SGD, Adam, AdamW) with readable, resettable per-element state,
// gradient clipping by global norm, and learning-rate schedules.
export type { NamedTensors, Optimizer, OptimizerStateDict, UpdateRule, UpdateContext, Round } from './optimizer.js';
export { makeOptimizer } from './optimizer.js';
export type { Schedule } from './options.js';
export { sgd, type SgdOptions } from './sgd.js';
export { adam, adamw, type AdamOptions } from './adam.js';
export { clipGradNorm, type ClipGradNormOptions } from './clip.js';
export { schedules } from './schedules.js';
