// tessera/sweep: a reproduction's grid of trials run on a job engine — the embedded queue (forked worker
// processes, no server) or BullMQ over Redis — with results stored per trial, so grids resume.
export * from './trialId.js';
export * from './store.js';
export * from './redis.js';
export * from './plan.js';
export * from './execute.js';
export * from './embedded.js';
export * from './report.js';
export * from './bull.js';
