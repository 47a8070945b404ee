// The gated MLP, the one gating of the engine (GLU family, Shazeer 2020), on Tensors:
//   gatedProduct(gate, up) = act(gate) ⊙ up            act = exact GELU (GeGLU, Zamba2) or SiLU (SwiGLU)
//   gatedMlp(x) = down(gatedProduct(gate(x), up(x)))   (+ an optional LoRA adapter on the fused gate/up)
// Weights as PyTorch Linears: gateUp [2I, in] (gate rows first, Zamba2's gate_up_proj and ZAYA1's fc1),
// down [out, I]. Layouts that shard gate and up separately (parallel/) call gatedProduct on their shards.
import { shapeError } from '../../core/errors.js';
import { Tensor, gelu, mul, silu, slice } from '../../tensor/index.js';
import { linear, type LinearWeight } from '../storedWeight.js';
import { addLora, type LoraWeights } from './lora.js';

export type GateActivation = 'gelu' | 'silu';

export function gatedProduct(gate: Tensor, up: Tensor, act: GateActivation): Tensor {
  return mul(act === 'gelu' ? gelu(gate) : silu(gate), up);
}

/** gate | up halves of the last axis of y [.., 2I] → act(gate) ⊙ up [.., I]. */
export function gatedHalves(y: Tensor, act: GateActivation): Tensor {
  const width = y.shape.at(-1)!;
  if (width % 2 !== 0) throw shapeError('gatedHalves', 'last dimension', 'an even width (gate and up halves)', width);
  const lead = y.shape.slice(0, -1), zero = lead.map(() => 0);
  return gatedProduct(slice(y, [...zero, 0], [...lead, width / 2]), slice(y, [...zero, width / 2], [...lead, width]), act);
}

export interface GatedMlpWeights {
  /** [2I, in] */
  readonly gateUp: LinearWeight;
  /** [out, I] */
  readonly down: LinearWeight;
}

/** x [L, in] → [L, out]. */
export function gatedMlp(x: Tensor, w: GatedMlpWeights, act: GateActivation, adapter: LoraWeights | null = null): Tensor {
  let gu = linear(x, w.gateUp);
  if (adapter) gu = addLora(gu, x, adapter);
  return linear(gatedHalves(gu, act), w.down);
}
