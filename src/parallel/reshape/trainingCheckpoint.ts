// Between tessera's training checkpoints (io/checkpoint.ts, the one home of that format) or a plain Hugging
// Face model.safetensors and the full CheckpointState that the sharded layouts are made from.
// Sparse-training checkpoints (masks, sparse state) are refused: the sharded layouts carry no masks yet.
import { TesseraError } from '../../core/errors.js';
import { parseSafetensors } from '../../io/safetensors.js';
import { decodeCheckpoint, serializeCheckpoint, isTrainingCheckpoint, type Preprocessing } from '../../io/checkpoint.js';
import type { CheckpointState } from './manifest.js';

/** Metadata keys carried through a reshape as JSON strings (io/checkpoint.ts). */
const PASSED_THROUGH = ['progress', 'config', 'preprocessing'] as const;

/** A training checkpoint's bytes → state (optimizer meta and progress/config/preprocessing kept). A file without
 *  the tessera format tag is read as plain model weights (a Hugging Face safetensors file). */
export function stateFromSafetensors(bytes: Uint8Array, where: string): CheckpointState {
  const file = parseSafetensors(bytes, where);
  if (!isTrainingCheckpoint(file.metadata)) return { model: file.tensors, optimizer: {}, optimizerMeta: null, metadata: file.metadata };
  const c = decodeCheckpoint(file, where);
  if (c.sparsity) {
    throw new TesseraError('value', 'stateFromSafetensors', `${where}: a sparse-training checkpoint (${Object.keys(c.sparsity.masks).length} mask(s)); sharded layouts do not carry masks yet — condense it (tessera sparse condense) or reshape a dense checkpoint`);
  }
  const metadata: Record<string, string> = {};
  for (const k of PASSED_THROUGH) metadata[k] = JSON.stringify(c[k] ?? null);
  return { model: c.model, optimizer: c.optimizer.tensors, optimizerMeta: c.optimizer.meta, metadata };
}

/** State → a training checkpoint file (the inverse of stateFromSafetensors for tessera checkpoints). */
export function trainingCheckpointBytes(state: CheckpointState): Uint8Array {
  const json = (k: (typeof PASSED_THROUGH)[number]): unknown => {
    const text = state.metadata[k];
    if (text === undefined) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new TesseraError('format', 'trainingCheckpointBytes', `metadata "${k}" expected JSON, got ${JSON.stringify(text.slice(0, 80))}`);
    }
  };
  return serializeCheckpoint({
    model: state.model, optimizer: { tensors: state.optimizer, meta: state.optimizerMeta ?? {} }, sparsity: null,
    progress: json('progress'), config: json('config'), preprocessing: json('preprocessing') as Preprocessing | null,
  });
}
