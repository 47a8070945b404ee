// Train an image classifier (the 784-300-100-10 MLP or the small CNN on Fashion-MNIST/MNIST) dense or with
// dynamic sparse training (static, RigL, SRigL: sparse/createDynamicSparsity), with checkpoints that hold
// everything evaluation and condensing need (io/checkpoint.ts: config, masks, input statistics).
// `tessera train`, `tessera eval`, `tessera demo` and the baseline reproductions run through here; the run
// report around it is experiments/classifier.ts.
import { valueError, TesseraError } from '../core/errors.js';
import { foldIn, key, split } from '../core/random.js';
import type { DatasetSplits } from '../core/dataset.js';
import { standardizedSplits, take, toTensors } from '../data/index.js';
import { loadFashionMnist, loadMnistDigits } from '../io/datasets.js';
import type { Preprocessing } from '../io/checkpoint.js';
import { mlp, smallCnn, type Module } from '../nn/index.js';
import { adam, adamw, schedules, sgd, type Optimizer, type Schedule } from '../optim/index.js';
import { createDynamicSparsity, type DynamicMethod, type DynamicSparsity } from '../sparse/index.js';
import type { SparsityDistribution } from '../sparse/index.js';
import type { Tensor } from '../tensor/index.js';
import { readCheckpoint } from './checkpoint.js';
import { train, type EpochRecord, type ProgressEvent } from './loop.js';
import { evaluate, type EvalMetrics } from './metrics.js';

/** Dynamic sparse training of the classifier (the options of createDynamicSparsity that a run chooses). */
export interface SparseTrainingConfig {
  /** Global sparsity over the sparsified layers, in [0, 1). */
  sparsity: number;
  method: DynamicMethod;
  distribution: SparsityDistribution;
  /** SRigL: ablate neurons with too few salient weights. */
  ablation: boolean;
  /** Steps between topology updates (RigL/SRigL). */
  deltaT: number;
  /** Initial drop fraction of the cosine schedule. */
  alpha: number;
  /** Keep the first layer dense. */
  denseFirstLayer: boolean;
}

export interface ClassifierConfig {
  model: 'mlp' | 'cnn';
  dataset: 'fashion-mnist' | 'mnist';
  /** IDX directory instead of the default location (Fashion-MNIST). */
  dataDir?: string;
  epochs: number;
  batchSize: number;
  optimizer: 'sgd' | 'adam' | 'adamw';
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  schedule: 'constant' | 'cosine' | 'step';
  seed: number;
  /** Train on the first n examples (balanced across classes); 0 = all. */
  trainLimit: number;
  testLimit: number;
  /** CNN channel widths. */
  channels: [number, number];
  /** MLP layer sizes between input and output. */
  hidden: number[];
  checkpointEvery: number;
  /** Dynamic sparse training; absent or null = dense. */
  sparsity?: SparseTrainingConfig | null;
}

export const DEFAULT_CONFIG: ClassifierConfig = {
  model: 'mlp', dataset: 'fashion-mnist', epochs: 10, batchSize: 128, optimizer: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false,
  weightDecay: 0, schedule: 'cosine', seed: 0, trainLimit: 0, testLimit: 0, channels: [16, 32], hidden: [300, 100], checkpointEvery: 500,
};

/** createDynamicSparsity's defaults for what SparseTrainingConfig leaves open (ΔT 100, α 0.3: CS configs). */
export const DEFAULT_SPARSE_TRAINING: Omit<SparseTrainingConfig, 'sparsity' | 'method'> = {
  distribution: 'erk', ablation: false, deltaT: 100, alpha: 0.3, denseFirstLayer: false,
};

/**
 * Weight decay of sparse runs that do not set one: 5e-4, the recipe of `tessera repro srigl` (SGD momentum
 * 0.9, lr 0.05 cosine, batch 128, ERK, ΔT 100, α 0.3) whose 10-epoch MLP results the README reports.
 */
export const SPARSE_WEIGHT_DECAY = 5e-4;

/** Stream of the sparse-mask key: the dense run's model and data keys stay what they were. */
const SPARSITY_STREAM = 0x5a;

export function loadDataset(config: Pick<ClassifierConfig, 'dataset' | 'dataDir'>): DatasetSplits {
  if (config.dataset === 'fashion-mnist') return loadFashionMnist(config.dataDir ? { dir: config.dataDir } : {});
  if (config.dataset === 'mnist') return loadMnistDigits();
  throw valueError('loadDataset', 'dataset', "'fashion-mnist' or 'mnist'", config.dataset);
}

export function buildModel(config: ClassifierConfig, seedKey = key(config.seed)): Module {
  if (config.model === 'mlp') return mlp([784, ...config.hidden, 10], seedKey);
  if (config.model === 'cnn') return smallCnn(seedKey, { channels: config.channels });
  throw valueError('buildModel', 'model', "'mlp' or 'cnn'", config.model);
}

export function buildOptimizer(config: ClassifierConfig, stepsPerEpoch: number): Optimizer {
  const total = config.epochs * stepsPerEpoch;
  const lr: Schedule = config.schedule === 'cosine' ? schedules.cosine(config.lr, total)
    : config.schedule === 'step' ? schedules.step(config.lr, Math.max(1, Math.floor(total / 3)), 0.1) : schedules.constant(config.lr);
  if (config.optimizer === 'sgd') return sgd({ lr, momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weightDecay });
  if (config.optimizer === 'adam') return adam({ lr, weightDecay: config.weightDecay });
  if (config.optimizer === 'adamw') return adamw({ lr, weightDecay: config.weightDecay });
  throw valueError('buildOptimizer', 'optimizer', "'sgd', 'adam' or 'adamw'", config.optimizer);
}

/** The sparse-training driver of a config (null when dense): every Linear/Conv2d weight, as in the paper's code. */
export function buildSparsity(config: ClassifierConfig, model: Module, optimizer: Optimizer, totalSteps: number): DynamicSparsity | null {
  const s = config.sparsity;
  if (!s) return null;
  return createDynamicSparsity(model, optimizer, {
    method: s.method, sparsity: s.sparsity, distribution: s.distribution, firstLayerDense: s.denseFirstLayer, ablation: s.ablation,
    deltaT: s.deltaT, alpha: s.alpha, totalSteps, key: foldIn(key(config.seed), SPARSITY_STREAM),
  });
}

export interface TrainClassifierOptions {
  /** Checkpoint directory (written every config.checkpointEvery steps and at the end). */
  checkpointDir?: string;
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  onLog?: (line: string) => void;
  /** Stop after this many steps (smoke tests). */
  maxSteps?: number;
}

export interface TrainClassifierResult {
  model: Module;
  sparsity: DynamicSparsity | null;
  history: EpochRecord[];
  steps: number;
  stopped: boolean;
  resumedFrom?: string;
  preprocessing: Preprocessing;
  trainImages: number;
  testImages: number;
}

export async function trainClassifier(config: ClassifierConfig, options: TrainClassifierOptions = {}): Promise<TrainClassifierResult> {
  const log = options.onLog ?? (() => {});
  const data = loadDataset(config);
  const [modelKey, trainKey] = split(key(config.seed), 2);
  const flatten = config.model === 'mlp';
  const { train: trainT, test: testT, trainSet, testSet, stats } = standardizedSplits(data, { trainImages: config.trainLimit, testImages: config.testLimit, flatten });
  const preprocessing: Preprocessing = { ...stats, flatten };
  log(`${data.train.source}: ${trainSet.n} train / ${testSet.n} test images of ${trainSet.height}×${trainSet.width}`);
  const model = buildModel(config, modelKey!);
  const stepsPerEpoch = Math.ceil(trainSet.n / config.batchSize);
  const optimizer = buildOptimizer(config, stepsPerEpoch);
  const sparsity = buildSparsity(config, model, optimizer, config.epochs * stepsPerEpoch);
  if (sparsity) {
    const { deltaT, tEnd } = sparsity.schedule;
    log(`sparse training: ${sparsity.method} at sparsity ${config.sparsity!.sparsity} (${config.sparsity!.distribution}${config.sparsity!.ablation ? ', ablation' : ''})${sparsity.method === 'static' ? '' : `, topology update every ${deltaT} steps until step ${tEnd}`}; weight decay ${config.weightDecay}`);
  }
  log(`${model.parameterCount()} parameters, ${stepsPerEpoch} steps/epoch`);
  const result = await train({
    model, optimizer, train: trainT, test: testT, epochs: config.epochs, batchSize: config.batchSize, key: trainKey!,
    ...(sparsity && { sparsity }),
    ...(options.checkpointDir && { checkpoint: { dir: options.checkpointDir, everySteps: config.checkpointEvery, keepLast: 2, config, preprocessing } }),
    resume: options.resume ?? false,
    ...(options.signal && { signal: options.signal }), ...(options.onProgress && { onProgress: options.onProgress }),
    ...(options.maxSteps !== undefined && { maxSteps: options.maxSteps }),
  });
  return { model, sparsity, ...result, preprocessing, trainImages: trainSet.n, testImages: testSet.n };
}

/** Rebuild the model a training checkpoint was written for, with its weights and masks (for evaluation, condensing). */
export function loadClassifierCheckpoint(path: string): { model: Module; config: ClassifierConfig; preprocessing: Preprocessing } {
  const checkpoint = readCheckpoint(path);
  const config = checkpoint.config as ClassifierConfig | null;
  if (!config || typeof config !== 'object' || !('model' in config)) {
    throw valueError('loadClassifierCheckpoint', path, 'a checkpoint written by tessera train (with its config in the metadata)', 'no config');
  }
  if (!checkpoint.preprocessing) throw new TesseraError('format', 'loadClassifierCheckpoint', `${path}: metadata "preprocessing" expected { mean, std, flatten } (written by tessera train), got null`);
  const model = buildModel(config);
  model.loadStateDict(checkpoint.model);
  for (const [k, m] of Object.entries(checkpoint.sparsity?.masks ?? {})) model.setMask(k, m);
  model.eval();
  return { model, config, preprocessing: checkpoint.preprocessing };
}

/** Test-set tensors of a dataset, standardised with given statistics (a checkpoint's): no training set needed. */
export function testTensors(config: Pick<ClassifierConfig, 'dataset' | 'dataDir'>, preprocessing: Preprocessing, testLimit = 0): { x: Tensor; y: Tensor } {
  const data = loadDataset(config);
  const testSet = testLimit > 0 && testLimit < data.test.n ? take(data.test, testLimit) : data.test;
  const t = toTensors(testSet, { normalize: { mean: preprocessing.mean, std: preprocessing.std }, flatten: preprocessing.flatten });
  return { x: t.x, y: t.y };
}

/** Test-set metrics of a checkpoint's model (masks applied), with the input statistics stored in it. */
export function evaluateCheckpoint(path: string, options: { dataDir?: string; testLimit?: number } = {}): { config: ClassifierConfig; metrics: EvalMetrics } {
  const { model, config, preprocessing } = loadClassifierCheckpoint(path);
  const dataDir = options.dataDir ?? config.dataDir;
  const t = testTensors({ dataset: config.dataset, ...(dataDir && { dataDir }) }, preprocessing, options.testLimit ?? config.testLimit);
  return { config, metrics: evaluate(model, t.x, t.y) };
}
