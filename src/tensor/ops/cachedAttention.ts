// Fused causal attention of a few queries over a key/value cache (batch 1): the decode path of
// nn/sequence's causalAttention, whose composite of matmul/softmax is its reference (parity test).
// q [1, nq, hq·d], keys and values [1, nk, hk·d]; query i at position start + i sees keys j ≤ start + i.
// Returns [1, nq, hq·d]. The VJP is fused too (the backend's cachedAttentionBackward), so gradients flow.
import { allocate, isFloat, type FloatArray } from '../../core/dtype.js';
import { dtypeError, shapeError, valueError } from '../../core/errors.js';
import { getBackend } from '../../backend/registry.js';
import { apply } from '../tape.js';
import type { Primitive } from '../primitive.js';
import { Tensor } from '../tensor.js';

export interface CachedAttentionOptions {
  heads: number;
  kvHeads: number;
  headDim: number;
  scale: number;
  /** position of the first query (keys sit at 0 … nk − 1) */
  start: number;
}

function params(q: Tensor, keys: Tensor, o: CachedAttentionOptions) {
  return { queries: q.shape[1]!, keys: keys.shape[1]!, heads: o.heads, kvHeads: o.kvHeads, headDim: o.headDim, scale: o.scale, start: o.start };
}

export const cachedAttentionPrimitive: Primitive<'cachedAttention'> = {
  name: 'cachedAttention',
  infer: ([q, keys, values], o) => {
    const { heads: hq, kvHeads: hk, headDim: d } = o;
    if (!(Number.isInteger(hq) && Number.isInteger(hk) && hk >= 1 && hq % hk === 0 && Number.isInteger(d) && d >= 1)) throw valueError('cachedAttention', 'heads', `kvHeads dividing heads and a positive head dim`, `${hq}/${hk}/${d}`);
    if (!(Number.isInteger(o.start) && o.start >= 0)) throw valueError('cachedAttention', 'start', 'a non-negative integer', o.start);
    if (!isFloat(q!.dtype) || keys!.dtype !== q!.dtype || values!.dtype !== q!.dtype) throw dtypeError('cachedAttention', 'q, keys, values', 'one float dtype', `${q!.dtype}, ${keys!.dtype}, ${values!.dtype}`);
    if (q!.rank !== 3 || q!.shape[0] !== 1 || q!.shape[2] !== hq * d) throw shapeError('cachedAttention', 'q', `[1, nq, ${hq}·${d}]`, q!.shape);
    for (const [name, t] of [['keys', keys!], ['values', values!]] as const) {
      if (t.rank !== 3 || t.shape[0] !== 1 || t.shape[2] !== hk * d || t.shape[1] !== keys!.shape[1]) throw shapeError('cachedAttention', name, `[1, nk, ${hk}·${d}]`, t.shape);
    }
    if (keys!.shape[1]! < o.start + 1) throw shapeError('cachedAttention', 'keys', `at least start + 1 = ${o.start + 1} positions`, keys!.shape);
    return { shape: [...q!.shape], dtype: q!.dtype };
  },
  forward: ([q, keys, values], o, out) => {
    const y = allocate(out.dtype, q!.size) as FloatArray;
    getBackend().cachedAttention(params(q!, keys!, o), q!.data as FloatArray, keys!.data as FloatArray, values!.data as FloatArray, y);
    return y;
  },
};

export function cachedAttention(q: Tensor, keys: Tensor, values: Tensor, options: CachedAttentionOptions): Tensor {
  return apply(cachedAttentionPrimitive, [q, keys, values], { ...options });
}

/** The VJP: [dq, dkeys, dvalues]. */
export function cachedAttentionBackward(g: Tensor, q: Tensor, keys: Tensor, values: Tensor, o: CachedAttentionOptions): Tensor[] {
  const dq = allocate(q.dtype, q.size) as FloatArray, dk = allocate(q.dtype, keys.size) as FloatArray, dv = allocate(q.dtype, values.size) as FloatArray;
  getBackend().cachedAttentionBackward(params(q, keys, o), q.data as FloatArray, keys.data as FloatArray, values.data as FloatArray, g.data as FloatArray, dq, dk, dv);
  return [new Tensor(dq, q.shape), new Tensor(dk, keys.shape), new Tensor(dv, values.shape)];
}
