// Gated MLP (Zamba2MLP): [gate | up] = gate_up(x) (+ adapter), out = down(act(gate) ⊙ up), act = exact GELU.
// x [L, hidden], gate_up [2I, hidden], down [hidden, I].
import type { FloatArray } from '../../../src/core/dtype.js';
import { addLora, type LoraWeights } from './lora.js';
import { allocLike, geluErf, linearRows } from './rows.js';

export interface GatedMlpWeights {
  readonly gateUp: FloatArray;
  readonly down: FloatArray;
}

export function gatedMlpForward(w: GatedMlpWeights, x: FloatArray, hidden: number, intermediate: number, adapter: LoraWeights | null = null): FloatArray {
  const L = x.length / hidden;
  const gu = linearRows(x, w.gateUp, L, hidden, 2 * intermediate);
  if (adapter) addLora(gu, x, adapter, L, hidden, 2 * intermediate);
  const act = allocLike(x, L * intermediate);
  for (let t = 0; t < L; t++) {
    const o = t * 2 * intermediate;
    for (let i = 0; i < intermediate; i++) act[t * intermediate + i] = geluErf(gu[o + i]!) * gu[o + intermediate + i]!;
  }
  return linearRows(act, w.down, L, intermediate, hidden);
}
