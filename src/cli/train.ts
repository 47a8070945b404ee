// `tessera train` and `tessera eval`: option → config, command wiring (backend, progress, SIGINT → checkpoint).
import { TesseraError } from '../core/errors.js';
import { runClassifier } from '../experiments/classifier.js';
import { DEFAULT_CONFIG, SPARSE_WEIGHT_DECAY, evaluateCheckpoint, type ClassifierConfig, type SparseTrainingConfig } from '../train/index.js';
import { useBackend, type BackendChoice } from './backend.js';
import { progressReporter } from './progress.js';
import { versions } from './versions.js';

interface TrainFlags {
  model: 'mlp' | 'cnn'; dataset: 'fashion-mnist' | 'mnist'; data?: string; epochs: number; batchSize: number;
  optimizer: 'sgd' | 'adam' | 'adamw'; lr: number; momentum: number; nesterov?: boolean; weightDecay: number;
  schedule: 'constant' | 'cosine' | 'step'; seed: number; trainLimit: number; testLimit: number; checkpointEvery: number;
  results: string; runId?: string; resume?: boolean; maxSteps?: number; backend: BackendChoice; threads?: number;
  sparsity?: number; method: SparseTrainingConfig['method']; distribution: SparseTrainingConfig['distribution']; ablation?: boolean;
  deltaT: number; alpha: number; denseFirstLayer?: boolean;
}

/** The sparse-training options, or null without --sparsity (the other sparse flags then are an error). */
function sparseConfig(f: TrainFlags, given: (name: string) => boolean): SparseTrainingConfig | null {
  if (f.sparsity === undefined) {
    const stray = ['method', 'distribution', 'ablation', 'deltaT', 'alpha', 'denseFirstLayer'].filter(given);
    if (stray.length) throw new TesseraError('option', 'train', `--${stray[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --sparsity <s> (dense training otherwise)`);
    return null;
  }
  if (f.ablation && f.method !== 'srigl') throw new TesseraError('option', 'train', `--ablation is SRigL's neuron ablation; it needs --method srigl, got --method ${f.method}`);
  return {
    sparsity: f.sparsity, method: f.method, distribution: f.distribution, ablation: f.ablation ?? false, deltaT: f.deltaT, alpha: f.alpha,
    denseFirstLayer: f.denseFirstLayer ?? false,
  };
}

/** `given(name)`: whether the user set that option (not its default). */
export async function trainCommand(f: TrainFlags, given: (name: string) => boolean = () => false): Promise<void> {
  if (f.resume && !f.runId) throw new Error('--resume needs --run-id <id> (the directory name of the interrupted run under --results)');
  const config: ClassifierConfig = {
    ...DEFAULT_CONFIG, model: f.model, dataset: f.dataset, epochs: f.epochs, batchSize: f.batchSize, optimizer: f.optimizer, lr: f.lr,
    momentum: f.momentum, nesterov: f.nesterov ?? false,
    weightDecay: f.sparsity !== undefined && !given('weightDecay') ? SPARSE_WEIGHT_DECAY : f.weightDecay, schedule: f.schedule, seed: f.seed,
    trainLimit: f.trainLimit, testLimit: f.testLimit, checkpointEvery: f.checkpointEvery, ...(f.data && { dataDir: f.data }),
    sparsity: sparseConfig(f, given),
  };
  const reporter = progressReporter();
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    reporter.log('interrupt: writing a checkpoint after this step (press Ctrl-C again to quit at once)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const dispose = await useBackend(f.backend, f.threads);
  try {
    const result = await runClassifier(config, {
      resultsDir: f.results, resume: f.resume ?? false, signal: abort.signal, versions: versions(),
      onProgress: (e) => reporter.onProgress(e), onLog: (l) => reporter.log(l),
      ...(f.runId && { runId: f.runId }), ...(f.maxSteps !== undefined && { maxSteps: f.maxSteps }),
    });
    const runId = result.runDir.split('/').at(-1);
    if (result.stopped) {
      reporter.log(`stopped with a checkpoint; continue with: tessera train ... --run-id ${runId} --resume`);
      if (abort.signal.aborted) process.exitCode = 130;
    } else {
      reporter.log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}% in ${result.seconds.toFixed(1)} s; report ${result.runDir}/report.md`);
    }
  } finally {
    process.off('SIGINT', onSigint);
    reporter.stop();
    await dispose();
  }
}

export async function evalCommand(f: { checkpoint: string; data?: string; testLimit?: number; json?: boolean; backend: BackendChoice; threads?: number }): Promise<void> {
  const dispose = await useBackend(f.backend, f.threads);
  try {
    const { config, metrics } = evaluateCheckpoint(f.checkpoint, { ...(f.data && { dataDir: f.data }), ...(f.testLimit !== undefined && { testLimit: f.testLimit }) });
    if (f.json) process.stdout.write(`${JSON.stringify({ checkpoint: f.checkpoint, model: config.model, dataset: config.dataset, ...metrics })}\n`);
    else process.stdout.write(`${config.model} on ${config.dataset}: test accuracy ${(100 * metrics.accuracy).toFixed(2)}%, loss ${metrics.loss.toFixed(4)} (${metrics.n} examples)\n`);
  } finally {
    await dispose();
  }
}
