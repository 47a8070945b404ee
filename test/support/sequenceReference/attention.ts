// Causal multi-head attention with an append-only key/value cache (inference reference, typed arrays).
//   q, k, v = x·Wq/k/vᵀ (+ optional LoRA adapters, before rotary);  rotary on q, k (if configured);
//   keys and values are appended to the cache (keys after rotary);  out = o_proj(softmax(scale·q·kᵀ)·v)
// with query row t at absolute position start + t attending to cached positions ≤ start + t.
// Grouped-query attention: head h reads kv head floor(h / (heads / kvHeads)).
// x [L, inWidth], Wq [heads·d, inWidth], Wk/Wv [kvHeads·d, inWidth], Wo [outWidth, heads·d].
import { shapeError } from '../../../src/core/errors.js';
import type { FloatArray } from '../../../src/core/dtype.js';
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
  const out = allocLike(x, L * qw);
  const scores = new Float64Array(d.heads * (start + L));
  const acc = new Float64Array(qw);
  for (let t = 0; t < L; t++) attendOneQuery(d, q, t * qw, cache, start + t + 1, scores, acc, out);
  return linearRows(out, w.o, L, qw, d.outWidth);
}

/**
 * One query row (all heads) over the first `visible` cached positions; writes out[qo, qo + heads·d).
 * The cache is walked position by position, each row [kvHeads·d] read contiguously once for the scores
 * and once for the values (a head-by-head walk would stride by the row width through the whole cache,
 * one short slice per page). scores [heads, visible] and acc [heads·d] are caller-owned scratch.
 */
function attendOneQuery(d: AttentionDims, q: FloatArray, qo: number, cache: KeyValueCache, visible: number, scores: Float64Array, acc: Float64Array, out: FloatArray): void {
  const { heads, headDim } = d;
  const keys = cache.keys, values = cache.values, kvw = cache.width;
  const perKv = heads / d.kvHeads;
  const d4 = headDim - (headDim % 4);
  for (let s = 0; s < visible; s++) {
    const row = s * kvw;
    for (let h = 0; h < heads; h++) {
      const qh = qo + h * headDim, kb = row + Math.floor(h / perKv) * headDim;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
      for (; i < d4; i += 4) {
        s0 += q[qh + i]! * keys[kb + i]!;
        s1 += q[qh + i + 1]! * keys[kb + i + 1]!;
        s2 += q[qh + i + 2]! * keys[kb + i + 2]!;
        s3 += q[qh + i + 3]! * keys[kb + i + 3]!;
      }
      for (; i < headDim; i++) s0 += q[qh + i]! * keys[kb + i]!;
      scores[h * visible + s] = (s0 + s1 + s2 + s3) * d.scale;
    }
  }
  // Softmax per head, in place: scores[h, s] becomes the probability.
  for (let h = 0; h < heads; h++) {
    const o = h * visible;
    let max = -Infinity;
    for (let s = 0; s < visible; s++) if (scores[o + s]! > max) max = scores[o + s]!;
    let total = 0;
    for (let s = 0; s < visible; s++) total += scores[o + s] = Math.exp(scores[o + s]! - max);
    const inv = 1 / total;
    for (let s = 0; s < visible; s++) scores[o + s]! *= inv;
  }
  acc.fill(0);
  for (let s = 0; s < visible; s++) {
    const row = s * kvw;
    for (let h = 0; h < heads; h++) {
      const p = scores[h * visible + s]!;
      const vb = row + Math.floor(h / perKv) * headDim, ab = h * headDim;
      for (let i = 0; i < headDim; i++) acc[ab + i]! += p * values[vb + i]!;
    }
  }
  for (let i = 0; i < heads * headDim; i++) out[qo + i] = acc[i]!;
}
