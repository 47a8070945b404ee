// Causal multi-head attention with an append-only key/value cache (inference reference, typed arrays).
//   q, k, v = x·Wq/k/vᵀ (+ optional LoRA adapters, before rotary);  rotary on q, k (if configured);
//   keys and values are appended to the cache (keys after rotary);  out = o_proj(softmax(scale·q·kᵀ)·v)
// with query row t at absolute position start + t attending to cached positions ≤ start + t.
// Grouped-query attention: head h reads kv head floor(h / (heads / kvHeads)).
// x [L, inWidth], Wq [heads·d, inWidth], Wk/Wv [kvHeads·d, inWidth], Wo [outWidth, heads·d].
import { shapeError } from '../../core/errors.js';
import type { FloatArray } from '../../core/dtype.js';
import { addLora, type LoraWeights } from './lora.js';
import { allocLike, linearRows } from './rows.js';
import { applyRotary } from './rotary.js';

export interface AttentionDims {
  readonly inWidth: number;
  readonly outWidth: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** softmax scale (Zamba2: (headDim/2)^−1/2) */
  readonly scale: number;
  /** rotary base θ, or null for no rotary */
  readonly ropeTheta: number | null;
}

export interface AttentionWeights {
  readonly q: FloatArray;
  readonly k: FloatArray;
  readonly v: FloatArray;
  readonly o: FloatArray;
}

export interface AttentionAdapters {
  readonly q: LoraWeights;
  readonly k: LoraWeights;
  readonly v: LoraWeights;
}

/** Keys and values of one attention invocation, rows [T, kvHeads·d], grown by doubling. */
export class KeyValueCache {
  keys: FloatArray;
  values: FloatArray;
  length = 0;
  constructor(readonly width: number, capacity = 16, readonly precision: 'f32' | 'f64' = 'f32') {
    this.keys = this.make(capacity * width);
    this.values = this.make(capacity * width);
  }
  private make(n: number): FloatArray {
    return this.precision === 'f64' ? new Float64Array(n) : new Float32Array(n);
  }
  get capacity(): number {
    return this.keys.length / this.width;
  }
  /** Room for `total` positions. */
  reserve(total: number): void {
    if (total <= this.capacity) return;
    const cap = Math.max(total, 2 * this.capacity);
    const k = this.make(cap * this.width), v = this.make(cap * this.width);
    k.set(this.keys.subarray(0, this.length * this.width));
    v.set(this.values.subarray(0, this.length * this.width));
    this.keys = k;
    this.values = v;
  }
  /** Append `rows` positions of keys and values [rows, width]. */
  append(k: FloatArray, v: FloatArray, rows: number): void {
    this.reserve(this.length + rows);
    this.keys.set(k.subarray(0, rows * this.width), this.length * this.width);
    this.values.set(v.subarray(0, rows * this.width), this.length * this.width);
    this.length += rows;
  }
  /** Values held (keys and values), the quantity a cache's bytes are counted from. */
  get storedValues(): number {
    return 2 * this.length * this.width;
  }
}

export function attentionForward(d: AttentionDims, w: AttentionWeights, x: FloatArray, cache: KeyValueCache, adapters: AttentionAdapters | null = null): FloatArray {
  const L = x.length / d.inWidth;
  const qw = d.heads * d.headDim, kvw = d.kvHeads * d.headDim;
  if (cache.width !== kvw) throw shapeError('attentionForward', 'cache width', `${kvw} (kvHeads·headDim)`, cache.width);
  const start = cache.length;
  const q = linearRows(x, w.q, L, d.inWidth, qw);
  const k = linearRows(x, w.k, L, d.inWidth, kvw);
  const v = linearRows(x, w.v, L, d.inWidth, kvw);
  if (adapters) {
    addLora(q, x, adapters.q, L, d.inWidth, qw);
    addLora(k, x, adapters.k, L, d.inWidth, kvw);
    addLora(v, x, adapters.v, L, d.inWidth, kvw);
  }
  if (d.ropeTheta !== null) {
    applyRotary(q, L, d.heads, d.headDim, start, d.ropeTheta);
    applyRotary(k, L, d.kvHeads, d.headDim, start, d.ropeTheta);
  }
  cache.append(k, v, L);
  const keys = cache.keys, values = cache.values;
  const out = allocLike(x, L * qw);
  const perKv = d.heads / d.kvHeads;
  const scores = new Float64Array(start + L);
  const acc = new Float64Array(d.headDim);
  for (let t = 0; t < L; t++) {
    const visible = start + t + 1;
    for (let h = 0; h < d.heads; h++) {
      const qo = t * qw + h * d.headDim;
      const ko = Math.floor(h / perKv) * d.headDim;
      let max = -Infinity;
      for (let s = 0; s < visible; s++) {
        const kb = s * kvw + ko;
        let dot = 0;
        for (let i = 0; i < d.headDim; i++) dot += q[qo + i]! * keys[kb + i]!;
        const sc = dot * d.scale;
        scores[s] = sc;
        if (sc > max) max = sc;
      }
      let total = 0;
      for (let s = 0; s < visible; s++) total += scores[s] = Math.exp(scores[s]! - max);
      acc.fill(0);
      for (let s = 0; s < visible; s++) {
        const p = scores[s]! / total;
        const vb = s * kvw + ko;
        for (let i = 0; i < d.headDim; i++) acc[i]! += p * values[vb + i]!;
      }
      for (let i = 0; i < d.headDim; i++) out[qo + i] = acc[i]!;
    }
  }
  return linearRows(out, w.o, L, qw, d.outWidth);
}
