// The sharded checkpoint format (docs/sharded-checkpoints.md): a manifest.json describing every tensor's
// placement and every file's size and CRC-32, beside safetensors files.
import type { DType } from '../../core/dtype.js';
import { isDType } from '../../core/dtype.js';
import { TesseraError } from '../../core/errors.js';
import type { Tensor } from '../../tensor/index.js';
import type { Layout } from './layout.js';

/** A full (unsharded) checkpoint: model, optimizer state ('<param>/<buffer>'), optimizer meta, metadata. */
export interface CheckpointState {
  model: Record<string, Tensor>;
  optimizer: Record<string, Tensor>;
  optimizerMeta: Record<string, unknown> | null;
  /** Passed through unchanged (e.g. training progress, model config), strings as in safetensors metadata. */
  metadata: Record<string, string>;
}

export type Placement =
  /** Stored whole under its plain name in one file (single layout, ZeRO-1 parameters). */
  | { kind: 'whole'; file: string }
  /** Equal slices along `dim`, rank r holding slice r. */
  | { kind: 'split'; dim: number }
  /** A full copy on every rank (must be bit-identical). */
  | { kind: 'replicated' }
  /** Flattened, rank r holding elements [r·⌈n/D⌉, (r+1)·⌈n/D⌉) ∩ [0, n). */
  | { kind: 'flat' }
  /** Elements [offset, offset + size) of a ZeRO-1 group vector. */
  | { kind: 'zero1'; group: string; offset: number };

export interface TensorRecord {
  dtype: DType;
  shape: number[];
  placement: Placement;
}

export interface ShardFileRecord {
  file: string;
  /** Rank, or null for a file every rank shares (single layout, ZeRO-1 parameters). */
  rank: number | null;
  bytes: number;
  crc32: string;
  /** Tensor keys inside the file. */
  tensors: string[];
}

export interface ShardManifest {
  format: 'tessera-sharded-1';
  layout: Layout;
  model: Record<string, TensorRecord>;
  optimizer: Record<string, TensorRecord>;
  optimizerMeta: Record<string, unknown> | null;
  /** ZeRO-1 group vectors: '<buffer>.<dtype>' → total length. */
  zero1?: Record<string, { dtype: DType; length: number }>;
  metadata: Record<string, string>;
  files: ShardFileRecord[];
}

const bad = (what: string, msg: string): never => {
  throw new TesseraError('format', 'readShardManifest', `${what}: ${msg}`);
};

/** Parse and structurally validate manifest.json text; `where` names it in errors. */
export function parseShardManifest(text: string, where = 'manifest.json'): ShardManifest {
  let m: ShardManifest;
  try {
    m = JSON.parse(text) as ShardManifest;
  } catch (e) {
    return bad(where, `expected JSON, got a parse error: ${(e as Error).message}`);
  }
  if (!m || m.format !== 'tessera-sharded-1') bad(where, `expected format "tessera-sharded-1", got ${JSON.stringify((m as { format?: unknown })?.format)}`);
  const l = m.layout as Layout;
  if (!l || !['single', 'tp', 'tsp', 'zero1'].includes(l.kind) || (l.kind !== 'single' && !(Number.isInteger(l.degree) && l.degree >= 1))) bad(where, `layout expected single/tp/tsp/zero1 with a degree, got ${JSON.stringify(l)}`);
  for (const group of ['model', 'optimizer'] as const) {
    if (typeof m[group] !== 'object' || m[group] === null) bad(where, `${group} expected an object of tensor records`);
    for (const [name, r] of Object.entries(m[group])) {
      if (!isDType(r.dtype) || !Array.isArray(r.shape) || !r.shape.every((d) => Number.isInteger(d) && d >= 0) || !r.placement) bad(where, `${group} tensor ${JSON.stringify(name)} has a malformed record`);
    }
  }
  if (!Array.isArray(m.files) || !m.files.every((f) => typeof f.file === 'string' && /^[\w.-]+$/.test(f.file) && Number.isInteger(f.bytes) && /^[0-9a-f]{8}$/.test(f.crc32) && Array.isArray(f.tensors))) {
    bad(where, 'files expected a list of { file (a plain file name), rank, bytes, crc32, tensors }');
  }
  return m;
}
