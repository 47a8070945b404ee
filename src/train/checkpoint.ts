// Training checkpoints: model parameters and buffers, optimizer state, progress and the random key,
// in one safetensors file written atomically (temp file + rename: never truncated), keep-last-K.
// Files are named step-<step>.safetensors; the newest complete one is the resume point.
import { valueError } from '../core/errors.js';
import type { Key } from '../core/random.js';
import type { Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { Optimizer } from '../optim/index.js';
import { listDirectory, removeFile, ensureDirectory } from '../io/files.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';

/** Where training stands: enough to continue bit-identically. */
export interface TrainProgress {
  /** Optimizer steps taken. */
  step: number;
  /** Epoch in progress (0-based) and batches of it already done. */
  epoch: number;
  batchInEpoch: number;
  key: Key;
  /** Per-epoch metrics so far (JSON). */
  history: unknown[];
  /** Running sums of the epoch in progress (so a resumed epoch reports the same train loss). */
  epochSums?: { loss: number; hits: number; seen: number };
}

const FILE = /^step-(\d+)\.safetensors$/;

export function checkpointPath(dir: string, step: number): string {
  return `${dir}/step-${String(step).padStart(9, '0')}.safetensors`;
}

export function saveCheckpoint(dir: string, model: Module, optimizer: Optimizer, progress: TrainProgress, options: { keepLast?: number; config?: unknown } = {}): string {
  ensureDirectory(dir);
  const tensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(model.stateDict())) tensors[`model/${k}`] = v;
  const opt = optimizer.stateDict();
  for (const [k, v] of Object.entries(opt.tensors)) tensors[`optim/${k}`] = v;
  const path = checkpointPath(dir, progress.step);
  writeSafetensors(path, tensors, {
    metadata: {
      format: 'tessera-checkpoint-1',
      progress: JSON.stringify(progress),
      optimizer: JSON.stringify(opt.meta),
      config: JSON.stringify(options.config ?? null),
    },
  });
  const keep = options.keepLast ?? 3;
  const all = listCheckpoints(dir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) removeFile(old.path);
  return path;
}

/** Checkpoint files in `dir`, oldest first (temp files of interrupted writes are ignored). */
export function listCheckpoints(dir: string): { step: number; path: string }[] {
  return listDirectory(dir)
    .flatMap((name) => {
      const m = FILE.exec(name);
      return m ? [{ step: Number(m[1]), path: `${dir}/${name}` }] : [];
    })
    .sort((a, b) => a.step - b.step);
}

/** Load a checkpoint into `model` and `optimizer` and return the progress to continue from. */
export function loadCheckpoint(path: string, model: Module, optimizer: Optimizer): TrainProgress {
  const { tensors, metadata } = readSafetensors(path);
  if (metadata.format !== 'tessera-checkpoint-1') throw valueError('loadCheckpoint', path, "metadata format 'tessera-checkpoint-1'", metadata.format ?? 'none');
  const modelState: Record<string, Tensor> = {}, optState: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) {
    if (k.startsWith('model/')) modelState[k.slice(6)] = v;
    else if (k.startsWith('optim/')) optState[k.slice(6)] = v;
  }
  model.loadStateDict(modelState);
  optimizer.loadStateDict({ tensors: optState, meta: JSON.parse(metadata.optimizer ?? '{}') as Record<string, unknown> });
  return JSON.parse(metadata.progress!) as TrainProgress;
}
