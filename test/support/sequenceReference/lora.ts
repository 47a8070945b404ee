// A LoRA-style adapter: target += B(A(x)), A [rank, in], B [out, rank] (both bias-free Linears).
// In Zamba2 the adapters are part of the base model, one per invocation of a shared block.
import { shapeError } from '../../../src/core/errors.js';
import type { FloatArray } from '../../../src/core/dtype.js';
import { linearRows } from './rows.js';

export interface LoraWeights {
  /** [rank, in] */
  readonly down: FloatArray;
  /** [out, rank] */
  readonly up: FloatArray;
}

/** target [L, out] += up(down(x)), x [L, in]. */
export function addLora(target: FloatArray, x: FloatArray, lora: LoraWeights, rows: number, inWidth: number, outWidth: number): void {
  const rank = lora.down.length / inWidth;
  if (!Number.isInteger(rank) || lora.up.length !== outWidth * rank) {
    throw shapeError('addLora', 'adapter sizes', `down = rank·${inWidth} and up = ${outWidth}·rank values`, `${lora.down.length} and ${lora.up.length}`);
  }
  const mid = linearRows(x, lora.down, rows, inWidth, rank);
  linearRows(mid, lora.up, rows, rank, outWidth, target, true);
}
