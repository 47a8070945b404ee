// Train an image classifier end to end: load data, build the model and optimizer, train with
// checkpoints, and write a run report (result.json, report.md, learning-curve plot).
// Used by `tessera train`, `tessera demo` and the baseline reproductions.
import { valueError } from '../core/errors.js';
import { key, split } from '../core/random.js';
import type { DatasetSplits } from '../core/dataset.js';
import { pixelStats, take, takePerClass, toTensors } from '../data/index.js';
import { loadFashionMnist, loadMnistDigits } from '../io/datasets.js';
import { standardizedSplits } from './splits.js';
import { nodeRunWriter } from '../io/files.js';
import { mlp, smallCnn, type Module } from '../nn/index.js';
import { adam, adamw, schedules, sgd, type Optimizer, type Schedule } from '../optim/index.js';
import { linePlot, startRun } from '../report/index.js';
import { evaluate, readCheckpoint, train, type EpochRecord, type EvalMetrics, type ProgressEvent } from '../train/index.js';

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
}

export const DEFAULT_CONFIG: ClassifierConfig = {
  model: 'mlp', dataset: 'fashion-mnist', epochs: 10, batchSize: 128, optimizer: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false,
  weightDecay: 0, schedule: 'cosine', seed: 0, trainLimit: 0, testLimit: 0, channels: [16, 32], hidden: [300, 100], checkpointEvery: 500,
};

export interface ClassifierRunOptions {
  /** Results root (default 'results'); the run goes to <resultsDir>/<name>/<runId>. */
  resultsDir?: string;
  name?: string;
  /** Fixed run directory name (to resume an interrupted run: pass its id with resume). */
  runId?: string;
  resume?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  onLog?: (line: string) => void;
  versions?: Record<string, string>;
  /** Stop after this many steps (smoke tests). */
  maxSteps?: number;
}

export interface ClassifierRunResult {
  runDir: string;
  history: EpochRecord[];
  testAccuracy: number;
  seconds: number;
  stopped: boolean;
  model: Module;
}

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

export async function runClassifier(config: ClassifierConfig, options: ClassifierRunOptions = {}): Promise<ClassifierRunResult> {
  const started = Date.now();
  const log = options.onLog ?? (() => {});
  const data = loadDataset(config);
  const [modelKey, trainKey] = split(key(config.seed), 2);
  const { train: trainT, test: testT, trainSet, testSet } = standardizedSplits(data, { trainImages: config.trainLimit, testImages: config.testLimit, flatten: config.model === 'mlp' });
  log(`${data.train.source}: ${trainSet.n} train / ${testSet.n} test images of ${trainSet.height}×${trainSet.width}`);

  const model = buildModel(config, modelKey!);
  const stepsPerEpoch = Math.ceil(trainSet.n / config.batchSize);
  const optimizer = buildOptimizer(config, stepsPerEpoch);
  const name = options.name ?? `train-${config.model}-${config.dataset}`;
  const run = startRun({
    name, config: { ...config }, seed: config.seed, resultsDir: options.resultsDir ?? 'results', writer: nodeRunWriter(),
    ...(options.runId && { runId: options.runId }), ...(options.versions && { versions: options.versions }),
    title: `${config.model.toUpperCase()} on ${config.dataset}`,
  });
  log(`run directory ${run.runDir} (${model.parameterCount()} parameters, ${stepsPerEpoch} steps/epoch)`);

  const result = await train({
    model, optimizer, train: trainT, test: testT, epochs: config.epochs, batchSize: config.batchSize, key: trainKey!,
    checkpoint: { dir: `${run.runDir}/checkpoints`, everySteps: config.checkpointEvery, keepLast: 2, config },
    resume: options.resume ?? false,
    ...(options.signal && { signal: options.signal }), ...(options.onProgress && { onProgress: options.onProgress }),
    ...(options.maxSteps !== undefined && { maxSteps: options.maxSteps }),
  });
  const seconds = (Date.now() - started) / 1000;
  const last = result.history.at(-1);
  const testAccuracy = last?.test?.accuracy ?? NaN;
  if (!result.stopped) {
    run.addMetric('test_accuracy', testAccuracy);
    run.addMetric('test_loss', last?.test?.loss ?? NaN);
    run.addMetric('train_loss', last?.trainLoss ?? NaN);
    run.addMetric('epochs', result.history.length);
    run.addMetric('steps', result.steps);
    run.addMetric('wall_seconds', Number(seconds.toFixed(1)));
    run.addTable('Per epoch', ['epoch', 'train loss', 'train acc', 'test loss', 'test acc', 'seconds'],
      result.history.map((r) => [r.epoch, r.trainLoss, r.trainAccuracy, r.test?.loss ?? NaN, r.test?.accuracy ?? NaN, r.seconds]));
    if (last?.test) run.addTable('Test accuracy per class', ['class', 'accuracy'], last.test.perClass.map((a, c) => [c, a]));
    run.addPlot('learning-curve.svg', linePlot({
      title: 'Accuracy per epoch', x: { field: 'epoch', title: 'epoch' }, y: { field: 'accuracy', title: 'accuracy', zero: false }, series: 'split',
      data: result.history.flatMap((r) => [{ epoch: r.epoch, accuracy: r.trainAccuracy, split: 'train' }, ...(r.test ? [{ epoch: r.epoch, accuracy: r.test.accuracy, split: 'test' }] : [])]),
    }), 'Train and test accuracy per epoch');
    if (result.resumedFrom) run.addNote(`Resumed from ${result.resumedFrom}.`);
    await run.finish();
  }
  return { runDir: run.runDir, history: result.history, testAccuracy, seconds, stopped: result.stopped, model };
}

/** Rebuild the model a training checkpoint was written for, with its weights (for evaluation). */
export function loadClassifierCheckpoint(path: string): { model: Module; config: ClassifierConfig } {
  const checkpoint = readCheckpoint(path);
  const config = checkpoint.config as ClassifierConfig | null;
  if (!config || typeof config !== 'object' || !('model' in config)) {
    throw valueError('loadClassifierCheckpoint', path, 'a checkpoint written by tessera train (with its config in the metadata)', 'no config');
  }
  const model = buildModel(config);
  model.loadStateDict(checkpoint.model);
  for (const [k, m] of Object.entries(checkpoint.sparsity?.masks ?? {})) model.setMask(k, m);
  return { model, config };
}

/** Test-set metrics of a checkpoint's model, normalised with the training-set statistics as in training. */
export function evaluateCheckpoint(path: string, options: { dataDir?: string; testLimit?: number } = {}): { config: ClassifierConfig; metrics: EvalMetrics } {
  const { model, config } = loadClassifierCheckpoint(path);
  const data = loadDataset({ dataset: config.dataset, ...(options.dataDir ?? config.dataDir ? { dataDir: options.dataDir ?? config.dataDir } : {}) });
  const trainSet = config.trainLimit > 0 ? takePerClass(data.train, Math.ceil(config.trainLimit / data.train.classes)) : data.train;
  const stats = pixelStats(trainSet);
  const limit = options.testLimit ?? config.testLimit;
  const testSet = limit > 0 ? take(data.test, limit) : data.test;
  const t = toTensors(testSet, { normalize: stats, flatten: config.model === 'mlp' });
  return { config, metrics: evaluate(model, t.x, t.y) };
}
