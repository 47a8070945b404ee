// A Linear weight [out, in] as the forward pass reads it: a float Tensor (trainable), or the 16-bit words of
// a checkpoint kept as stored (bf16 / f16 in a u16 tensor: a model served at 2 bytes per weight, widened to
// f32 inside the kernel). linear() and embedRows() are the two ways a layer reads one.
import { shapeError } from '../core/errors.js';
import { Tensor, halfWeightMatmul, matmul, take, widenHalf, type HalfFormat } from '../tensor/index.js';

export interface HalfWeight {
  /** u16 [out, in] */
  readonly words: Tensor;
  readonly format: HalfFormat;
}

export type LinearWeight = Tensor | HalfWeight;

export const isHalfWeight = (w: unknown): w is HalfWeight => typeof w === 'object' && w !== null && !(w instanceof Tensor) && 'words' in w && 'format' in w;

export function halfWeight(words: Uint16Array, shape: readonly number[], format: HalfFormat): HalfWeight {
  return { words: new Tensor(words, shape), format };
}

export function weightShape(w: LinearWeight): readonly number[] {
  return isHalfWeight(w) ? w.words.shape : w.shape;
}

/** Bytes the weight occupies as held. */
export function weightBytes(w: LinearWeight): number {
  return isHalfWeight(w) ? 2 * w.words.size : w.data.byteLength;
}

/** x [L, in] · wᵀ → [L, out] (a bias-free PyTorch Linear). */
export function linear(x: Tensor, w: LinearWeight): Tensor {
  return isHalfWeight(w) ? halfWeightMatmul(x, w.words, w.format) : matmul(x, w, { transB: true });
}

/** Rows `ids` of an embedding table w [vocab, width] → [ids, width] (f32 for a half table). */
export function embedRows(w: LinearWeight, ids: Tensor): Tensor {
  if (!isHalfWeight(w)) return take(w, ids, 0);
  const [vocab, width] = w.words.shape as [number, number];
  const words = w.words.data as Uint16Array, out = new Float32Array(ids.size * width);
  ids.data.forEach((id, t) => {
    if (!(id >= 0 && id < vocab)) throw shapeError('embedRows', `id at ${t}`, `in [0, ${vocab})`, id);
    out.set(widenHalf(words.subarray(id * width, (id + 1) * width), w.format), t * width);
  });
  return new Tensor(out, [ids.size, width]);
}
