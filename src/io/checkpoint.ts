// The training-checkpoint format: one safetensors file per save, and the manifest of a checkpoint directory.
// This module is its only home: names, metadata keys, versioning and validation. `train` (save, resume,
// rollback), `eval`, `ckpt reshape/verify`, `sparse condense` and the experiments read and write through it.
//
// Format 'tessera-checkpoint-2' (docs/checkpoints.md):
//   tensors   model/<name>              parameters and buffers (Module.stateDict)
//             optim/<param>/<buffer>    optimizer state (Optimizer.stateDict().tensors)
//             mask/<weight path>        U8 0/1, the weight's shape: the sparse topology
//             sparsity/<name>           the rest of the sparse-training state (e.g. <layer>/acc F64, <layer>/ablated U8)
//   metadata  format                    'tessera-checkpoint-2'
//             progress                  JSON: where training stands (train/checkpoint.ts TrainProgress), or null
//             optimizer                 JSON: optimizer meta (step counts, hyper-parameters)
//             config                    JSON: the model/run config that rebuilds the model, or null
//             sparsity                  JSON: sparse-training meta (method, per-layer fan-in, updates), or null
//             preprocessing             JSON: { mean, std, flatten } the inputs were standardised with, or null
// Format 1 (no masks, no preprocessing) is refused with a version error: its models cannot be evaluated
// without the training set, and its sparse runs cannot be resumed exactly.
//
// Directory manifest 'tessera-checkpoints-1' (manifest.json): { format, checkpoints: [{ step, file, bytes, crc32 }] }.
import { TesseraError } from '../core/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { concatChunks, parseSafetensors, serializeSafetensorsChunks, type SafetensorsFile } from './safetensors.js';

export const CHECKPOINT_FORMAT = 'tessera-checkpoint-2';
export const CHECKPOINT_MANIFEST_FORMAT = 'tessera-checkpoints-1';
export const CHECKPOINT_MANIFEST = 'manifest.json';

/** The input standardisation a model was trained with: x' = (x − mean) / std, images flattened or not. */
export interface Preprocessing {
  mean: number;
  std: number;
  flatten: boolean;
}

/** Sparse-training state beyond the masks: tensors (sparsity/<name>) and JSON meta. */
export interface SparsityCheckpoint {
  /** 0/1 u8 masks by weight path, each of its weight's shape. */
  masks: Record<string, Tensor>;
  tensors: Record<string, Tensor>;
  meta: unknown;
}

export interface TrainingCheckpoint {
  model: Record<string, Tensor>;
  optimizer: { tensors: Record<string, Tensor>; meta: Record<string, unknown> };
  /** Masks and sparse-training state; null for a dense run. */
  sparsity: SparsityCheckpoint | null;
  progress: unknown;
  config: unknown;
  preprocessing: Preprocessing | null;
}

export interface ManifestEntry {
  step: number;
  file: string;
  bytes: number;
  crc32: string;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_MANIFEST_FORMAT;
  checkpoints: ManifestEntry[];
}

const PREFIXES = ['model/', 'optim/', 'mask/', 'sparsity/'] as const;

/** The file's chunks (header, then tensor data), ready for an atomic write. */
export function encodeCheckpoint(c: TrainingCheckpoint): Uint8Array[] {
  const tensors: Record<string, Tensor> = {};
  const put = (prefix: string, from: Record<string, Tensor>) => {
    for (const [k, v] of Object.entries(from)) tensors[`${prefix}${k}`] = v;
  };
  put('model/', c.model);
  put('optim/', c.optimizer.tensors);
  if (c.sparsity) {
    for (const [k, m] of Object.entries(c.sparsity.masks)) {
      if (m.dtype !== 'u8') throw new TesseraError('value', 'encodeCheckpoint', `mask/${k} expected a u8 0/1 tensor, got ${m.dtype}`);
    }
    put('mask/', c.sparsity.masks);
    put('sparsity/', c.sparsity.tensors);
  }
  if (c.preprocessing) checkPreprocessing(c.preprocessing, 'encodeCheckpoint', 'preprocessing');
  return serializeSafetensorsChunks(tensors, {
    metadata: {
      format: CHECKPOINT_FORMAT,
      progress: JSON.stringify(c.progress ?? null),
      optimizer: JSON.stringify(c.optimizer.meta),
      config: JSON.stringify(c.config ?? null),
      sparsity: JSON.stringify(c.sparsity ? c.sparsity.meta ?? null : null),
      preprocessing: JSON.stringify(c.preprocessing),
    },
  });
}

/** The whole checkpoint file as one byte array. */
export function serializeCheckpoint(c: TrainingCheckpoint): Uint8Array {
  return concatChunks(encodeCheckpoint(c));
}

/** True when the metadata says "a tessera training checkpoint" (any version). */
export function isTrainingCheckpoint(metadata: Readonly<Record<string, string>>): boolean {
  return typeof metadata.format === 'string' && metadata.format.startsWith('tessera-checkpoint-');
}

/** Validate and split a parsed file; `where` names it in errors. */
export function decodeCheckpoint(file: SafetensorsFile, where: string): TrainingCheckpoint {
  const op = 'decodeCheckpoint';
  const fail = (what: string): never => {
    throw new TesseraError('format', op, `${where}: ${what}`);
  };
  const format = file.metadata.format;
  if (format !== CHECKPOINT_FORMAT) {
    if (format === 'tessera-checkpoint-1') {
      fail(`format 'tessera-checkpoint-1' was written by an older tessera; this version reads '${CHECKPOINT_FORMAT}' (adds masks, sparse-training state and input statistics). Retrain, or load its model/ tensors yourself with readSafetensors`);
    }
    fail(`metadata "format" expected '${CHECKPOINT_FORMAT}', got ${JSON.stringify(format ?? null)} — not a tessera training checkpoint?`);
  }
  const json = (key: string): unknown => {
    const text = file.metadata[key];
    if (text === undefined) return fail(`metadata "${key}" expected (JSON), got none`);
    try {
      return JSON.parse(text);
    } catch (e) {
      return fail(`metadata "${key}" expected JSON, got a parse error (${(e as Error).message})`);
    }
  };
  const parts: Record<(typeof PREFIXES)[number], Record<string, Tensor>> = { 'model/': {}, 'optim/': {}, 'mask/': {}, 'sparsity/': {} };
  for (const [name, t] of Object.entries(file.tensors)) {
    const prefix = PREFIXES.find((p) => name.startsWith(p));
    if (!prefix) fail(`tensor ${JSON.stringify(name)} expected under ${PREFIXES.join(', ')}`);
    parts[prefix!][name.slice(prefix!.length)] = t;
  }
  for (const [path, m] of Object.entries(parts['mask/'])) {
    const w = parts['model/'][path];
    if (!w) fail(`tensor "mask/${path}" masks no tensor (expected "model/${path}")`);
    if (m.dtype !== 'u8') fail(`tensor "mask/${path}" expected dtype U8, got ${m.dtype}`);
    if (m.shape.join() !== w!.shape.join()) fail(`tensor "mask/${path}" expected the shape of its weight [${w!.shape.join(', ')}], got [${m.shape.join(', ')}]`);
    const d = m.data;
    for (let i = 0; i < d.length; i++) if (d[i] !== 0 && d[i] !== 1) fail(`tensor "mask/${path}" element ${i} expected 0 or 1, got ${d[i]}`);
  }
  const optimizerMeta = json('optimizer');
  if (typeof optimizerMeta !== 'object' || optimizerMeta === null || Array.isArray(optimizerMeta)) fail(`metadata "optimizer" expected a JSON object, got ${JSON.stringify(optimizerMeta)}`);
  const sparsityMeta = json('sparsity');
  const hasSparsity = sparsityMeta !== null || Object.keys(parts['mask/']).length > 0 || Object.keys(parts['sparsity/']).length > 0;
  const pre = json('preprocessing');
  if (pre !== null) checkPreprocessing(pre, op, `${where}: metadata "preprocessing"`);
  return {
    model: parts['model/'],
    optimizer: { tensors: parts['optim/'], meta: optimizerMeta as Record<string, unknown> },
    sparsity: hasSparsity ? { masks: parts['mask/'], tensors: parts['sparsity/'], meta: sparsityMeta } : null,
    progress: json('progress'),
    config: json('config'),
    preprocessing: pre as Preprocessing | null,
  };
}

/** Parse and validate checkpoint bytes. */
export function parseCheckpoint(bytes: Uint8Array, where: string): TrainingCheckpoint {
  return decodeCheckpoint(parseSafetensors(bytes, where), where);
}

function checkPreprocessing(p: unknown, op: string, what: string): asserts p is Preprocessing {
  const o = p as Partial<Preprocessing> | null;
  const ok = typeof o === 'object' && o !== null && Number.isFinite(o.mean) && Number.isFinite(o.std) && o.std! > 0 && typeof o.flatten === 'boolean';
  if (!ok) throw new TesseraError('format', op, `${what} expected { mean: finite, std: finite > 0, flatten: boolean }, got ${JSON.stringify(p)}`);
}

/** The manifest's JSON text, or an error saying why it is not a checkpoint-directory manifest. */
export function parseCheckpointManifest(text: string, where: string): CheckpointManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TesseraError('format', 'parseCheckpointManifest', `${where}: expected JSON, got a parse error (${(e as Error).message})`);
  }
  const m = json as Partial<CheckpointManifest> | null;
  const ok = typeof m === 'object' && m !== null && m.format === CHECKPOINT_MANIFEST_FORMAT && Array.isArray(m.checkpoints) &&
    m.checkpoints.every((c) => typeof c === 'object' && c !== null && Number.isInteger(c.step) && typeof c.file === 'string' && Number.isInteger(c.bytes) && typeof c.crc32 === 'string' && /^[0-9a-f]{8}$/.test(c.crc32));
  if (!ok) throw new TesseraError('format', 'parseCheckpointManifest', `${where}: expected a ${CHECKPOINT_MANIFEST_FORMAT} manifest ({ format, checkpoints: [{ step, file, bytes, crc32 }] })`);
  return m as CheckpointManifest;
}

/** True when `text` is a training-checkpoint directory's manifest (and not, e.g., a sharded layout's). */
export function isCheckpointManifest(text: string): boolean {
  try {
    return (JSON.parse(text) as { format?: unknown } | null)?.format === CHECKPOINT_MANIFEST_FORMAT;
  } catch {
    return false;
  }
}
