// Between tessera's training checkpoints (one safetensors file, format 'tessera-checkpoint-1', tensors
// 'model/<name>' and 'optim/<param>/<buffer>', see src/train/checkpoint.ts) or a plain Hugging Face
// model.safetensors and the full CheckpointState that the sharded layouts are made from.
import { TesseraError } from '../../core/errors.js';
import type { Tensor } from '../../tensor/index.js';
import { parseSafetensors, serializeSafetensors } from '../../io/safetensors.js';
import type { CheckpointState } from './manifest.js';

/** A training checkpoint's bytes → state (optimizer meta and progress/config metadata kept). A file without the
 *  tessera format tag is read as plain model weights (a Hugging Face safetensors file). */
export function stateFromSafetensors(bytes: Uint8Array, where: string): CheckpointState {
  const { tensors, metadata } = parseSafetensors(bytes, where);
  if (metadata.format !== 'tessera-checkpoint-1') return { model: tensors, optimizer: {}, optimizerMeta: null, metadata };
  const model: Record<string, Tensor> = {}, optimizer: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) {
    if (k.startsWith('model/')) model[k.slice(6)] = v;
    else if (k.startsWith('optim/')) optimizer[k.slice(6)] = v;
    else throw new TesseraError('format', 'stateFromSafetensors', `${where}: tensor ${JSON.stringify(k)} expected under model/ or optim/`);
  }
  const { optimizer: optMeta, format: _format, ...rest } = metadata;
  let optimizerMeta: Record<string, unknown> | null = null;
  try {
    optimizerMeta = optMeta ? (JSON.parse(optMeta) as Record<string, unknown>) : null;
  } catch {
    throw new TesseraError('format', 'stateFromSafetensors', `${where}: optimizer metadata expected JSON`);
  }
  return { model, optimizer, optimizerMeta, metadata: rest };
}

/** State → a training checkpoint file (the inverse of stateFromSafetensors for tessera checkpoints). */
export function trainingCheckpointBytes(state: CheckpointState): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(state.model)) tensors[`model/${k}`] = v;
  for (const [k, v] of Object.entries(state.optimizer)) tensors[`optim/${k}`] = v;
  return serializeSafetensors(tensors, {
    metadata: { ...state.metadata, format: 'tessera-checkpoint-1', optimizer: JSON.stringify(state.optimizerMeta ?? {}) },
  });
}
