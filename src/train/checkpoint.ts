// Training checkpoints on disk: one file per save in the format of io/checkpoint.ts (model parameters and
// buffers, optimizer state, masks and sparse-training state, progress and the random key, config, input
// statistics), written atomically (temp file + fsync + rename: never half-written), listed with its size and
// CRC-32 in a manifest (itself replaced atomically), keep-last-K.
//
// Directory layout:
//   step-000000040.safetensors   one checkpoint ('tessera-checkpoint-2', io/checkpoint.ts)
//   manifest.json                { format: 'tessera-checkpoints-1', checkpoints: [{ step, file, bytes, crc32 }] }
// Save order: checkpoint file → manifest naming it → delete the files keep-last-K dropped. A crash between
// any two steps leaves a directory the resume logic accepts: the manifest never names a missing file.
// Resume (findResumePoint) tries checkpoints newest first and takes the first that is sound: a file the
// manifest lists must have its recorded size and CRC-32; one it does not list (a crash before the manifest
// was written) must parse as a complete tessera checkpoint. Each rejected file is reported with the reason.
import { valueError, TesseraError } from '../core/errors.js';
import { crc32Hex } from '../core/checksum.js';
import type { Key } from '../core/random.js';
import type { Module } from '../nn/index.js';
import type { Optimizer } from '../optim/index.js';
import { listDirectory, removeFile, ensureDirectory } from '../io/files.js';
import { readFileChecked, writeFileAtomic } from '../io/atomicWrite.js';
import {
  encodeCheckpoint, parseCheckpoint, parseCheckpointManifest, CHECKPOINT_MANIFEST, CHECKPOINT_MANIFEST_FORMAT,
  type CheckpointManifest, type ManifestEntry, type Preprocessing, type SparsityCheckpoint, type TrainingCheckpoint,
} from '../io/checkpoint.js';

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

/**
 * Sparse-training state that a checkpoint saves and a resume restores, exactly (sparse/dynamicSparsity.ts
 * implements it): masks plus whatever else the next topology update depends on.
 */
export interface CheckpointedSparsity {
  stateDict(): SparsityCheckpoint;
  loadStateDict(state: SparsityCheckpoint): void;
}

/** The file operations checkpoints use; swapped in tests to inject faults (full disk, kills mid-write). */
export interface CheckpointStore {
  /** Replace `path` atomically with the chunks written back to back; throws (leaving no temp file) on failure. */
  write(path: string, chunks: readonly Uint8Array[]): void;
  read(path: string): Uint8Array;
  /** Entry names in `dir`, sorted; [] when it does not exist. */
  list(dir: string): string[];
  remove(path: string): void;
  ensureDir(dir: string): void;
}

export const fileCheckpointStore: CheckpointStore = {
  write: (path, chunks) => writeFileAtomic(path, chunks),
  read: (path) => readFileChecked(path, 'checkpoint'),
  list: listDirectory,
  remove: removeFile,
  ensureDir: ensureDirectory,
};

const FILE = /^step-(\d+)\.safetensors$/;
export const MANIFEST = CHECKPOINT_MANIFEST;

export function checkpointPath(dir: string, step: number): string {
  return `${dir}/step-${String(step).padStart(9, '0')}.safetensors`;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The manifest of `dir`, or null (with the reason) when it is missing or unreadable. */
export function readManifest(dir: string, store: CheckpointStore = fileCheckpointStore): { manifest: CheckpointManifest | null; problem?: string } {
  if (!store.list(dir).includes(MANIFEST)) return { manifest: null, problem: `no ${MANIFEST}` };
  try {
    return { manifest: parseCheckpointManifest(new TextDecoder().decode(store.read(`${dir}/${MANIFEST}`)), `${dir}/${MANIFEST}`) };
  } catch (e) {
    return { manifest: null, problem: (e as Error).message };
  }
}

export interface SaveOptions {
  keepLast?: number;
  /** The config that rebuilds the model (JSON). */
  config?: unknown;
  /** The input standardisation, so evaluation needs no training set. */
  preprocessing?: Preprocessing | null;
  /** Sparse-training state (masks etc.); the model's own Module masks are saved either way. */
  sparsity?: CheckpointedSparsity;
  store?: CheckpointStore;
}

/** Everything a checkpoint of this model/optimizer/run holds, in memory. */
export function trainingCheckpoint(model: Module, optimizer: Optimizer, progress: TrainProgress, options: Omit<SaveOptions, 'keepLast' | 'store'> = {}): TrainingCheckpoint {
  const moduleMasks = model.namedMasks();
  const sparse = options.sparsity?.stateDict();
  const hasMasks = sparse !== undefined || Object.keys(moduleMasks).length > 0;
  return {
    model: model.stateDict(),
    optimizer: optimizer.stateDict(),
    sparsity: hasMasks ? { masks: { ...moduleMasks, ...sparse?.masks }, tensors: sparse?.tensors ?? {}, meta: sparse?.meta ?? null } : null,
    progress,
    config: options.config ?? null,
    preprocessing: options.preprocessing ?? null,
  };
}

export function saveCheckpoint(dir: string, model: Module, optimizer: Optimizer, progress: TrainProgress, options: SaveOptions = {}): string {
  const store = options.store ?? fileCheckpointStore;
  const keep = options.keepLast ?? 3;
  if (!Number.isInteger(keep) || keep < 1) throw valueError('saveCheckpoint', 'keepLast', 'a positive integer', keep);
  store.ensureDir(dir);
  const path = checkpointPath(dir, progress.step);
  const chunks = encodeCheckpoint(trainingCheckpoint(model, optimizer, progress, options));
  store.write(path, chunks);
  const entry: ManifestEntry = { step: progress.step, file: baseName(path), bytes: chunks.reduce((n, c) => n + c.length, 0), crc32: crc32Hex(chunks) };
  const present = new Set(store.list(dir));
  const previous = (readManifest(dir, store).manifest?.checkpoints ?? []).filter((c) => c.step !== entry.step && present.has(c.file));
  const all = [...previous, entry].sort((a, b) => a.step - b.step);
  const kept = all.slice(Math.max(0, all.length - keep));
  const manifest: CheckpointManifest = { format: CHECKPOINT_MANIFEST_FORMAT, checkpoints: kept };
  store.write(`${dir}/${MANIFEST}`, [new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`)]);
  const keepFiles = new Set(kept.map((c) => c.file));
  for (const old of listCheckpoints(dir, store)) if (!keepFiles.has(baseName(old.path))) store.remove(old.path);
  return path;
}

/** Checkpoint files in `dir`, oldest first (temp files of interrupted writes are ignored). */
export function listCheckpoints(dir: string, store: CheckpointStore = fileCheckpointStore): { step: number; path: string }[] {
  return store.list(dir)
    .flatMap((name) => {
      const m = FILE.exec(name);
      return m ? [{ step: Number(m[1]), path: `${dir}/${name}` }] : [];
    })
    .sort((a, b) => a.step - b.step);
}

function checkProgress(c: TrainingCheckpoint, path: string): TrainProgress {
  const p = c.progress as Partial<TrainProgress> | null;
  if (!p || !Number.isInteger(p.step) || !Number.isInteger(p.epoch) || !Number.isInteger(p.batchInEpoch) || !Array.isArray(p.key) || !Array.isArray(p.history)) {
    throw new TesseraError('format', 'loadCheckpoint', `${path}: metadata "progress" expected { step, epoch, batchInEpoch, key, history }, got ${JSON.stringify(p)}`);
  }
  return p as TrainProgress;
}

/**
 * Load a parsed checkpoint into `model`, `optimizer` and (for a sparse run) `sparsity`; masks of the model's
 * own Module masks go back with setMask. A sparse checkpoint without `sparsity` (or the reverse) is an error:
 * resuming it dense would silently change the run.
 */
export function restoreCheckpoint(c: TrainingCheckpoint, path: string, model: Module, optimizer: Optimizer, sparsity?: CheckpointedSparsity): TrainProgress {
  const progress = checkProgress(c, path);
  const moduleMasks = model.namedMasks();
  const masks = c.sparsity?.masks ?? {};
  const driverMasks = Object.fromEntries(Object.entries(masks).filter(([k]) => !moduleMasks[k]));
  const sparseRun = c.sparsity !== null && (c.sparsity.meta !== null || Object.keys(driverMasks).length > 0);
  if (sparseRun && !sparsity) {
    throw new TesseraError('value', 'loadCheckpoint', `${path} is a sparse-training checkpoint (${describeSparsity(c.sparsity!)}); resume it with the same sparsity options (train({ sparsity }), tessera train --sparsity …)`);
  }
  if (!sparseRun && sparsity) throw new TesseraError('value', 'loadCheckpoint', `${path} is a dense checkpoint (no sparse-training state); resume it without sparsity options`);
  model.loadStateDict(c.model);
  for (const k of Object.keys(moduleMasks)) {
    const m = masks[k];
    if (!m) throw new TesseraError('value', 'loadCheckpoint', `${path}: the model masks "${k}" but the checkpoint has no mask/${k}`);
    model.setMask(k, m);
  }
  optimizer.loadStateDict(c.optimizer);
  if (sparsity) sparsity.loadStateDict({ masks: driverMasks, tensors: c.sparsity!.tensors, meta: c.sparsity!.meta });
  return progress;
}

function describeSparsity(s: SparsityCheckpoint): string {
  const meta = s.meta as { method?: unknown } | null;
  return `${typeof meta?.method === 'string' ? `method ${meta.method}, ` : ''}${Object.keys(s.masks).length} masked weight(s)`;
}

/** Read and validate a checkpoint file. */
export function readCheckpoint(path: string, store: CheckpointStore = fileCheckpointStore): TrainingCheckpoint {
  const c = parseCheckpoint(store.read(path), path);
  checkProgress(c, path);
  return c;
}

/** Load a checkpoint into `model` and `optimizer` (and `sparsity`) and return the progress to continue from. */
export function loadCheckpoint(path: string, model: Module, optimizer: Optimizer, options: { store?: CheckpointStore; sparsity?: CheckpointedSparsity } = {}): TrainProgress {
  return restoreCheckpoint(readCheckpoint(path, options.store), path, model, optimizer, options.sparsity);
}

export interface ResumePoint {
  /** The newest sound checkpoint, parsed; null when there is none. */
  found: { step: number; path: string; checkpoint: TrainingCheckpoint } | null;
  /** Newer checkpoints that were rejected, newest first, with the reason. */
  skipped: { path: string; reason: string }[];
}

/** The newest checkpoint in `dir` that passes its manifest checksum (or, if unlisted, parses completely). */
export function findResumePoint(dir: string, store: CheckpointStore = fileCheckpointStore): ResumePoint {
  const listed = new Map((readManifest(dir, store).manifest?.checkpoints ?? []).map((c) => [c.file, c]));
  const skipped: ResumePoint['skipped'] = [];
  for (const c of listCheckpoints(dir, store).reverse()) {
    const entry = listed.get(baseName(c.path));
    try {
      const bytes = store.read(c.path);
      if (entry) {
        if (bytes.length !== entry.bytes) throw new TesseraError('format', 'findResumePoint', `${c.path}: expected ${entry.bytes} bytes (manifest), got ${bytes.length} (truncated or overwritten)`);
        const crc = crc32Hex(bytes);
        if (crc !== entry.crc32) throw new TesseraError('format', 'findResumePoint', `${c.path}: expected CRC-32 ${entry.crc32} (manifest), got ${crc} (corrupt)`);
      }
      const checkpoint = parseCheckpoint(bytes, c.path);
      checkProgress(checkpoint, c.path);
      return { found: { step: c.step, path: c.path, checkpoint }, skipped };
    } catch (e) {
      skipped.push({ path: c.path, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { found: null, skipped };
}

/** Restore the resume point found by findResumePoint into `model`, `optimizer` (and `sparsity`). */
export function restoreResumePoint(point: NonNullable<ResumePoint['found']>, model: Module, optimizer: Optimizer, sparsity?: CheckpointedSparsity): TrainProgress {
  return restoreCheckpoint(point.checkpoint, point.path, model, optimizer, sparsity);
}

export type { CheckpointManifest, ManifestEntry, TrainingCheckpoint, SparsityCheckpoint, Preprocessing };
