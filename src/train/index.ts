// tessera/train: the training loop, metrics, checkpoints and mask enforcement.
export { train, NonFiniteLossError, type TrainOptions, type TrainResult, type EpochRecord, type ProgressEvent, type SparseLayerSummary } from './loop.js';
export { evaluate, evaluateForward, accuracy, argmaxRows, type EvalMetrics } from './metrics.js';
export {
  saveCheckpoint, loadCheckpoint, readCheckpoint, restoreCheckpoint, trainingCheckpoint, listCheckpoints, checkpointPath, readManifest,
  findResumePoint, restoreResumePoint, fileCheckpointStore, MANIFEST,
  type TrainProgress, type CheckpointStore, type CheckpointManifest, type ManifestEntry, type ResumePoint, type SaveOptions,
  type CheckpointedSparsity, type TrainingCheckpoint, type SparsityCheckpoint, type Preprocessing,
} from './checkpoint.js';
export { enforceMasks } from './masks.js';
export { diskFullStore, nanLossOnCalls, corruptBytes, truncateBytes } from './faults.js';
export {
  trainClassifier, loadClassifierCheckpoint, evaluateCheckpoint, testTensors, buildModel, buildOptimizer, buildSparsity, loadDataset,
  DEFAULT_CONFIG, DEFAULT_SPARSE_TRAINING, SPARSE_WEIGHT_DECAY,
  type ClassifierConfig, type SparseTrainingConfig, type TrainClassifierOptions, type TrainClassifierResult,
} from './classifier.js';
export {
  loadCondensed, saveCondensed, condenseCheckpoint, condensedTestSet, evaluateCondensed, compareWithCheckpoint, denseMaskedLayers, type CondensedAgreement,
} from './sparseServing.js';
