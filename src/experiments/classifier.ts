// A classifier training run with its report: train/classifier.ts does the training (dense or sparse, with
// checkpoints); this writes result.json, report.md and the learning-curve plot around it.
// Used by `tessera train`, `tessera demo` and the baseline reproductions.
import { nodeRunWriter } from '../io/files.js';
import type { Module } from '../nn/index.js';
import { linePlot, startRun } from '../report/index.js';
import { trainClassifier, type ClassifierConfig, type EpochRecord, type ProgressEvent } from '../train/index.js';

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

export async function runClassifier(config: ClassifierConfig, options: ClassifierRunOptions = {}): Promise<ClassifierRunResult> {
  const started = Date.now();
  const log = options.onLog ?? (() => {});
  const sparse = config.sparsity ? `-${config.sparsity.method}-${Math.round(100 * config.sparsity.sparsity)}` : '';
  const name = options.name ?? `train-${config.model}-${config.dataset}${sparse}`;
  const run = startRun({
    name, config: { ...config }, seed: config.seed, resultsDir: options.resultsDir ?? 'results', writer: nodeRunWriter(),
    ...(options.runId && { runId: options.runId }), ...(options.versions && { versions: options.versions }),
    title: `${config.model.toUpperCase()} on ${config.dataset}`,
  });
  log(`run directory ${run.runDir}`);
  const result = await trainClassifier(config, {
    checkpointDir: `${run.runDir}/checkpoints`, resume: options.resume ?? false, onLog: log,
    ...(options.signal && { signal: options.signal }), ...(options.onProgress && { onProgress: options.onProgress }),
    ...(options.maxSteps !== undefined && { maxSteps: options.maxSteps }),
  });
  const model = result.model;
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
    const sparseLayers = result.sparsity?.stats();
    if (sparseLayers) {
      run.addMetric('sparsity', 1 - sparseLayers.reduce((n, l) => n + l.nnz, 0) / sparseLayers.reduce((n, l) => n + l.shape.reduce((a, b) => a * b, 1), 0));
      run.addTable(`Sparse layers (${result.sparsity!.method})`, ['layer', 'shape', 'density', 'fan-in', 'active rows', 'ablated rows', 'updates'],
        sparseLayers.map((l) => [l.name, l.shape.join('×'), l.density, l.fanIn ?? 'varies', l.activeRows, l.ablatedRows, l.updates]));
    }
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
