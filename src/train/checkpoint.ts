// Training checkpoints: model parameters and buffers, optimizer state, progress and the random key, in one
// safetensors file per save, written atomically (temp file + fsync + rename: never half-written), listed with
// its size and CRC-32 in a manifest (itself replaced atomically), keep-last-K.
//
// Directory layout:
//   step-000000040.safetensors   one checkpoint (metadata: format, progress, optimizer meta, config)
//   manifest.json                { format: 'tessera-checkpoints-1', checkpoints: [{ step, file, bytes, crc32 }] }
// Save order: checkpoint file → manifest naming it → delete the files keep-last-K dropped. A crash between
// any two steps leaves a directory the resume logic accepts: the manifest never names a missing file.
// Resume (findResumePoint) tries checkpoints newest first and takes the first that is sound: a file the
// manifest lists must have its recorded size and CRC-32; one it does not list (a crash before the manifest
// was written) must parse as a complete tessera checkpoint. Each rejected file is reported with the reason.
import { valueError, TesseraError } from '../core/errors.js';
import { crc32Hex } from '../core/checksum.js';
import type { Key } from '../core/random.js';
import type { Tensor } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { Optimizer } from '../optim/index.js';
import { listDirectory, removeFile, ensureDirectory } from '../io/files.js';
import { readFileChecked, writeFileAtomic } from '../io/atomicWrite.js';
import { parseSafetensors, serializeSafetensorsChunks, type SafetensorsFile } from '../io/safetensors.js';

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

export interface ManifestEntry {
  step: number;
  file: string;
  bytes: number;
  crc32: string;
}

export interface CheckpointManifest {
  format: 'tessera-checkpoints-1';
  checkpoints: ManifestEntry[];
}

const FILE = /^step-(\d+)\.safetensors$/;
export const MANIFEST = 'manifest.json';

export function checkpointPath(dir: string, step: number): string {
  return `${dir}/step-${String(step).padStart(9, '0')}.safetensors`;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The manifest of `dir`, or null (with the reason) when it is missing or unreadable. */
export function readManifest(dir: string, store: CheckpointStore = fileCheckpointStore): { manifest: CheckpointManifest | null; problem?: string } {
  if (!store.list(dir).includes(MANIFEST)) return { manifest: null, problem: 'no manifest.json' };
  try {
    const json = JSON.parse(new TextDecoder().decode(store.read(`${dir}/${MANIFEST}`))) as CheckpointManifest;
    const ok = json && json.format === 'tessera-checkpoints-1' && Array.isArray(json.checkpoints) &&
      json.checkpoints.every((c) => Number.isInteger(c.step) && typeof c.file === 'string' && Number.isInteger(c.bytes) && /^[0-9a-f]{8}$/.test(c.crc32));
    return ok ? { manifest: json } : { manifest: null, problem: 'manifest.json is not a tessera-checkpoints-1 manifest' };
  } catch (e) {
    return { manifest: null, problem: `manifest.json unreadable: ${(e as Error).message}` };
  }
}

export interface SaveOptions {
  keepLast?: number;
  config?: unknown;
  store?: CheckpointStore;
}

export function saveCheckpoint(dir: string, model: Module, optimizer: Optimizer, progress: TrainProgress, options: SaveOptions = {}): string {
  const store = options.store ?? fileCheckpointStore;
  const keep = options.keepLast ?? 3;
  if (!Number.isInteger(keep) || keep < 1) throw valueError('saveCheckpoint', 'keepLast', 'a positive integer', keep);
  store.ensureDir(dir);
  const tensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(model.stateDict())) tensors[`model/${k}`] = v;
  const opt = optimizer.stateDict();
  for (const [k, v] of Object.entries(opt.tensors)) tensors[`optim/${k}`] = v;
  const path = checkpointPath(dir, progress.step);
  const chunks = serializeSafetensorsChunks(tensors, {
    metadata: {
      format: 'tessera-checkpoint-1',
      progress: JSON.stringify(progress),
      optimizer: JSON.stringify(opt.meta),
      config: JSON.stringify(options.config ?? null),
    },
  });
  store.write(path, chunks);
  const entry: ManifestEntry = { step: progress.step, file: baseName(path), bytes: chunks.reduce((n, c) => n + c.length, 0), crc32: crc32Hex(chunks) };
  const present = new Set(store.list(dir));
  const previous = (readManifest(dir, store).manifest?.checkpoints ?? []).filter((c) => c.step !== entry.step && present.has(c.file));
  const all = [...previous, entry].sort((a, b) => a.step - b.step);
  const kept = all.slice(Math.max(0, all.length - keep));
  const manifest: CheckpointManifest = { format: 'tessera-checkpoints-1', checkpoints: kept };
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

function parseCheckpoint(bytes: Uint8Array, path: string): SafetensorsFile {
  const file = parseSafetensors(bytes, path);
  if (file.metadata.format !== 'tessera-checkpoint-1') throw valueError('loadCheckpoint', path, "metadata format 'tessera-checkpoint-1'", file.metadata.format ?? 'none');
  if (typeof file.metadata.progress !== 'string') throw valueError('loadCheckpoint', path, 'progress metadata', 'none');
  return file;
}

function restore(file: SafetensorsFile, model: Module, optimizer: Optimizer): TrainProgress {
  const modelState: Record<string, Tensor> = {}, optState: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(file.tensors)) {
    if (k.startsWith('model/')) modelState[k.slice(6)] = v;
    else if (k.startsWith('optim/')) optState[k.slice(6)] = v;
  }
  model.loadStateDict(modelState);
  optimizer.loadStateDict({ tensors: optState, meta: JSON.parse(file.metadata.optimizer ?? '{}') as Record<string, unknown> });
  return JSON.parse(file.metadata.progress!) as TrainProgress;
}

/** Load a checkpoint into `model` and `optimizer` and return the progress to continue from. */
export function loadCheckpoint(path: string, model: Module, optimizer: Optimizer, store: CheckpointStore = fileCheckpointStore): TrainProgress {
  return restore(parseCheckpoint(store.read(path), path), model, optimizer);
}

export interface ResumePoint {
  /** The newest sound checkpoint, parsed; null when there is none. */
  found: { step: number; path: string; file: SafetensorsFile } | null;
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
      return { found: { step: c.step, path: c.path, file: parseCheckpoint(bytes, c.path) }, skipped };
    } catch (e) {
      skipped.push({ path: c.path, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { found: null, skipped };
}

/** Restore the resume point found by findResumePoint into `model` and `optimizer`. */
export function restoreResumePoint(point: NonNullable<ResumePoint['found']>, model: Module, optimizer: Optimizer): TrainProgress {
  return restore(point.file, model, optimizer);
}
