// The training loop: seeded shuffling, train steps, per-epoch evaluation, early NaN/inf stop,
// checkpoints every N steps (and when `signal` aborts), and bit-identical resume.
//
// Fault tolerance: resume takes the newest checkpoint that passes its manifest checksum (skipping corrupt
// or truncated ones, each reported); with onNonFinite 'rollback' a NaN/inf loss reloads the newest good
// checkpoint and replays from there (a transient fault then leaves no trace in the final weights); with
// checkpoint.onWriteError 'continue' a failed save (e.g. a full disk) is reported and training goes on,
// the previous checkpoints intact.
//
// Determinism: epoch e shuffles with foldIn(key, e); step s's stochastic layers use
// foldIn(foldIn(key, DROPOUT_STREAM), s). A checkpoint stores (step, epoch, batchInEpoch, key),
// so a resumed run replays exactly the batches and random numbers of an uninterrupted one.
import { TesseraError } from '../core/errors.js';
import { foldIn, type Key } from '../core/random.js';
import { backward, crossEntropy, type Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { clipGradNorm, type NamedTensors, type Optimizer } from '../optim/index.js';
import { batches, gatherBatch } from '../data/index.js';
import { findResumePoint, restoreResumePoint, saveCheckpoint, type CheckpointedSparsity, type CheckpointStore, type TrainProgress } from './checkpoint.js';
import type { Preprocessing } from '../io/checkpoint.js';
import { enforceMasks } from './masks.js';
import { argmaxRows, evaluate, type EvalMetrics } from './metrics.js';

const DROPOUT_STREAM = 0x0d0;

/** Resolve on the next macrotask (setImmediate on Node, a zero timeout elsewhere). */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

export interface EpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  trainAccuracy: number;
  test?: EvalMetrics;
  /** Per sparse layer at the end of the epoch (with TrainOptions.sparsity). */
  sparsity?: SparseLayerSummary[];
  seconds: number;
}

/** What a progress line shows of a sparse layer (sparse/DynamicSparsity.stats() entries have these fields). */
export interface SparseLayerSummary {
  name: string;
  shape: number[];
  dense: boolean;
  density: number;
  /** The constant fan-in (SRigL), or null when rows differ. */
  fanIn: number | null;
  activeRows: number;
  ablatedRows: number;
}

export type ProgressEvent =
  | { kind: 'step'; epoch: number; epochs: number; batch: number; batches: number; step: number; loss: number }
  | { kind: 'epoch'; record: EpochRecord; epochs: number }
  | { kind: 'checkpoint'; path: string; step: number }
  | { kind: 'resume'; path: string; step: number }
  | { kind: 'checkpoint-skipped'; path: string; reason: string }
  | { kind: 'checkpoint-failed'; step: number; error: string }
  | { kind: 'rollback'; path: string; step: number; failedStep: number; reason: string };

/** A NaN or infinite training loss (what onNonFinite 'rollback' recovers from). */
export class NonFiniteLossError extends TesseraError {
  readonly step: number;
  constructor(message: string, step: number) {
    super('value', 'train', message);
    this.step = step;
  }
}

export interface TrainOptions {
  model: Module;
  optimizer: Optimizer;
  train: { x: Tensor; y: Tensor };
  test?: { x: Tensor; y: Tensor };
  epochs: number;
  batchSize: number;
  /** Drives shuffling and stochastic layers. */
  key: Key;
  loss?: (logits: Tensor, y: Tensor) => Tensor;
  /** Clip the global gradient norm to this value before each step. */
  clipGradNorm?: number;
  checkpoint?: {
    dir: string; everySteps: number; keepLast?: number; config?: unknown;
    /** The input standardisation, saved so evaluation needs no training set. */
    preprocessing?: Preprocessing;
    /** File operations (default: the file system); tests inject faults through it. */
    store?: CheckpointStore;
    /** A save that throws (full disk, I/O error): 'throw' (default) or report it and keep training. */
    onWriteError?: 'throw' | 'continue';
  };
  /** A NaN/inf loss: 'throw' (default) or reload the newest good checkpoint and replay, at most maxRollbacks times (default 3). */
  onNonFinite?: 'throw' | 'rollback';
  maxRollbacks?: number;
  /** Continue from the newest checkpoint in checkpoint.dir, if there is one. */
  resume?: boolean;
  /** Abort (SIGINT): write a checkpoint and return with stopped = true. */
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  /**
   * Called with the raw gradients after backward, before clipping and the optimizer step (step = the
   * number of steps taken so far). May modify them in place: dynamic sparse training records dense
   * gradients here and zeroes the masked ones.
   */
  onGradients?: (grads: NamedTensors, step: number) => void;
  /** Called after every optimizer step (masks already enforced), e.g. for sparse-topology updates. */
  afterStep?: (step: number) => void;
  /**
   * Dynamic sparse training (sparse/createDynamicSparsity): its onGradients/afterStep run before the hooks
   * above, and its state (masks, accumulated gradients, ablated rows) is saved in every checkpoint and
   * restored on resume and rollback, so a resumed sparse run is bit-identical to an uninterrupted one.
   */
  sparsity?: CheckpointedSparsity & {
    onGradients(grads: NamedTensors, stepsTaken: number): void;
    afterStep(step: number): void;
    /** Per-layer state for the epoch records and progress lines. */
    stats(): SparseLayerSummary[];
  };
  evalBatchSize?: number;
  dropLast?: boolean;
  /** Stop after this many steps in total (for tests and smoke runs). */
  maxSteps?: number;
}

export interface TrainResult {
  history: EpochRecord[];
  steps: number;
  stopped: boolean;
  resumedFrom?: string;
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  let progress: TrainProgress = { step: 0, epoch: 0, batchInEpoch: 0, key: o.key, history: [] };
  let resumedFrom: string | undefined;
  const resumeFromNewestGood = (): { path: string; progress: TrainProgress } | null => {
    const point = findResumePoint(o.checkpoint!.dir, o.checkpoint!.store);
    for (const s of point.skipped) o.onProgress?.({ kind: 'checkpoint-skipped', path: s.path, reason: s.reason });
    return point.found ? { path: point.found.path, progress: restoreResumePoint(point.found, o.model, o.optimizer, o.sparsity) } : null;
  };
  if (o.resume && o.checkpoint) {
    const latest = resumeFromNewestGood();
    if (latest) {
      progress = latest.progress;
      resumedFrom = latest.path;
      o.onProgress?.({ kind: 'resume', path: latest.path, step: progress.step });
    }
  }
  for (let rollbacks = 0; ; rollbacks++) {
    try {
      const result = await trainFrom(o, progress);
      return { ...result, ...(resumedFrom && { resumedFrom }) };
    } catch (e) {
      if (!(e instanceof NonFiniteLossError) || o.onNonFinite !== 'rollback' || !o.checkpoint || rollbacks >= (o.maxRollbacks ?? 3)) throw e;
      const back = resumeFromNewestGood();
      if (!back) throw new TesseraError('value', 'train', `${e.message.replace(/^train: /, '')} — and no good checkpoint in ${o.checkpoint.dir} to roll back to`);
      progress = back.progress;
      o.onProgress?.({ kind: 'rollback', path: back.path, step: progress.step, failedStep: e.step, reason: e.message });
    }
  }
}

/** The epochs from `progress` on (progress is advanced in place). */
async function trainFrom(o: TrainOptions, progress: TrainProgress): Promise<Omit<TrainResult, 'resumedFrom'>> {
  const lossFn = o.loss ?? ((logits: Tensor, y: Tensor) => crossEntropy(logits, y));
  const n = o.train.x.shape[0]!;
  const history = progress.history as EpochRecord[];
  const save = () => {
    if (!o.checkpoint) return;
    try {
      const path = saveCheckpoint(o.checkpoint.dir, o.model, o.optimizer, progress, {
        keepLast: o.checkpoint.keepLast ?? 3, config: o.checkpoint.config,
        ...(o.checkpoint.preprocessing && { preprocessing: o.checkpoint.preprocessing }),
        ...(o.sparsity && { sparsity: o.sparsity }), ...(o.checkpoint.store && { store: o.checkpoint.store }),
      });
      o.onProgress?.({ kind: 'checkpoint', path, step: progress.step });
    } catch (e) {
      if (o.checkpoint.onWriteError !== 'continue') throw e;
      o.onProgress?.({ kind: 'checkpoint-failed', step: progress.step, error: e instanceof Error ? e.message : String(e) });
    }
  };
  const dropoutKey = foldIn(progress.key, DROPOUT_STREAM);

  for (; progress.epoch < o.epochs; progress.epoch++, progress.batchInEpoch = 0) {
    const started = Date.now();
    const order = batches(n, o.batchSize, { key: foldIn(progress.key, progress.epoch), dropLast: o.dropLast ?? false });
    const sums = progress.epochSums ?? { loss: 0, hits: 0, seen: 0 };
    progress.epochSums = sums;
    o.model.train();
    for (; progress.batchInEpoch < order.length; ) {
      const idx = order[progress.batchInEpoch]!;
      const { x, y } = gatherBatch(o.train.x, o.train.y, idx);
      const params = o.model.namedParameters();
      for (const p of Object.values(params)) p.grad = null;
      const logits = o.model.forward(x, { key: foldIn(dropoutKey, progress.step) });
      const loss = lossFn(logits, y);
      const value = loss.item();
      if (!Number.isFinite(value)) {
        throw new NonFiniteLossError(`loss is ${value} at step ${progress.step} (epoch ${progress.epoch + 1}, batch ${progress.batchInEpoch + 1}); last mean loss ${sums.seen ? (sums.loss / sums.seen).toPrecision(4) : 'n/a'}. Try a lower learning rate or gradient clipping.`, progress.step);
      }
      backward(loss);
      const grads: NamedTensors = {};
      for (const [k, p] of Object.entries(params)) if (p.grad) grads[k] = p.grad;
      o.sparsity?.onGradients(grads, progress.step);
      o.onGradients?.(grads, progress.step);
      if (o.clipGradNorm !== undefined) clipGradNorm(grads, o.clipGradNorm);
      o.optimizer.step(params, grads);
      enforceMasks(o.model, o.optimizer);
      progress.step++;
      progress.batchInEpoch++;
      o.sparsity?.afterStep(progress.step);
      o.afterStep?.(progress.step);
      sums.loss += value * idx.length;
      sums.hits += argmaxRows(logits).reduce((h, p, i) => h + (p === y.data[i] ? 1 : 0), 0);
      sums.seen += idx.length;
      o.onProgress?.({ kind: 'step', epoch: progress.epoch, epochs: o.epochs, batch: progress.batchInEpoch, batches: order.length, step: progress.step, loss: value });
      await yieldToEventLoop(); // lets signal handlers (Ctrl-C → abort) and progress output run between steps
      const due = o.checkpoint && progress.step % o.checkpoint.everySteps === 0;
      if (o.signal?.aborted || (o.maxSteps !== undefined && progress.step >= o.maxSteps)) {
        save();
        return { history, steps: progress.step, stopped: true };
      }
      if (due) save();
    }
    const record: EpochRecord = {
      epoch: progress.epoch + 1, step: progress.step, trainLoss: sums.seen ? sums.loss / sums.seen : NaN, trainAccuracy: sums.seen ? sums.hits / sums.seen : NaN,
      ...(o.test && { test: evaluate(o.model, o.test.x, o.test.y, { batchSize: o.evalBatchSize ?? 1000 }) }),
      ...(o.sparsity && { sparsity: o.sparsity.stats().map(({ name, shape, dense, density, fanIn, activeRows, ablatedRows }) => ({ name, shape, dense, density, fanIn, activeRows, ablatedRows })) }),
      seconds: (Date.now() - started) / 1000,
    };
    history.push(record);
    delete progress.epochSums;
    o.onProgress?.({ kind: 'epoch', record, epochs: o.epochs });
  }
  save();
  return { history, steps: progress.step, stopped: false };
}
