// A LoRA adapter (Hu et al. 2021): target + up(down(x)), down [rank, in], up [out, rank] (bias-free Linears).
// In Zamba2 the adapters are part of the base model, one per invocation of a shared block; fine-tuning with
// LoRA trains only these.
import { shapeError } from '../../core/errors.js';
import { Tensor, add, matmul } from '../../tensor/index.js';

export interface LoraWeights {
  /** [rank, in] */
  readonly down: Tensor;
  /** [out, rank] */
  readonly up: Tensor;
}

/** target [L, out] + up(down(x)), x [L, in]. */
export function addLora(target: Tensor, x: Tensor, lora: LoraWeights): Tensor {
  const rank = lora.down.shape[0]!;
  if (lora.down.shape[1] !== x.shape.at(-1) || lora.up.shape[1] !== rank || lora.up.shape[0] !== target.shape.at(-1)) {
    throw shapeError('addLora', 'adapter shapes', `down [rank, ${x.shape.at(-1)}] and up [${target.shape.at(-1)}, rank]`, `[${lora.down.shape.join(', ')}] and [${lora.up.shape.join(', ')}]`);
  }
  return add(target, matmul(matmul(x, lora.down, { transB: true }), lora.up, { transB: true }));
}
