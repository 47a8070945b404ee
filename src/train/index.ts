// tessera/train: the training loop, metrics, checkpoints and mask enforcement.
export { train, type TrainOptions, type TrainResult, type EpochRecord, type ProgressEvent } from './loop.js';
export { evaluate, accuracy, argmaxRows, type EvalMetrics } from './metrics.js';
export { saveCheckpoint, loadCheckpoint, listCheckpoints, checkpointPath, type TrainProgress } from './checkpoint.js';
export { enforceMasks } from './masks.js';
