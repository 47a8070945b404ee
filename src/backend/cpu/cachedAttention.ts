// Causal grouped-query attention of a few queries over a key/value cache, fused (the decode path of
// nn/sequence's causalAttention; its composite of matmul/softmax is the reference the parity test uses).
// Batch 1, rows row-major: q [nq, hq·d], keys and values [nk, hk·d] (a cache's first nk rows), out [nq, hq·d].
// Query i sits at position start + i and sees keys j ≤ start + i (keys are at positions 0 … nk − 1); query
// head h reads KV head ⌊h / (hq/hk)⌋. The cache is walked position by position: each key/value row is read
// contiguously, once for the scores and once for the values (no transposed copy of the cache).
// Accumulation in float64; results rounded once to the output's precision.
import type { FloatArray } from '../../core/dtype.js';
import { shapeError, valueError } from '../../core/errors.js';
import type { CachedAttentionParams } from '../kernels.js';

/** Validate the parameters and the array lengths (the wasm wrapper calls this before copying into its heap). */
export function checkCachedAttention(p: CachedAttentionParams, q: FloatArray, keys: FloatArray, values: FloatArray, out: FloatArray): void {
  for (const [name, v] of Object.entries({ queries: p.queries, keys: p.keys, heads: p.heads, kvHeads: p.kvHeads, headDim: p.headDim })) {
    if (!Number.isInteger(v) || v < 1) throw valueError('cachedAttention', name, 'a positive integer', v);
  }
  if (p.heads % p.kvHeads !== 0) throw valueError('cachedAttention', 'kvHeads', `a divisor of heads ${p.heads}`, p.kvHeads);
  if (!Number.isInteger(p.start) || p.start < 0) throw valueError('cachedAttention', 'start', 'a non-negative integer', p.start);
  const qw = p.heads * p.headDim, kw = p.kvHeads * p.headDim;
  for (const [name, a, n] of [['q', q, p.queries * qw], ['out', out, p.queries * qw], ['keys', keys, p.keys * kw], ['values', values, p.keys * kw]] as const) {
    if (a.length < n) throw shapeError('cachedAttention', name, `at least ${n} values`, [a.length]);
  }
}

/** Visible keys of query i. */
const visibleOf = (p: CachedAttentionParams, i: number) => Math.min(p.keys, p.start + i + 1);

/** Probabilities [hq, visible] of query i (scores → softmax), into `probs`. */
function probabilities(p: CachedAttentionParams, q: FloatArray, keys: FloatArray, i: number, probs: Float64Array): number {
  const { heads, kvHeads, headDim: d, scale } = p;
  const qw = heads * d, kw = kvHeads * d, group = heads / kvHeads, visible = visibleOf(p, i);
  for (let s = 0; s < visible; s++) {
    for (let h = 0; h < heads; h++) {
      const qo = i * qw + h * d, ko = s * kw + Math.floor(h / group) * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q[qo + c]! * keys[ko + c]!;
      probs[h * visible + s] = dot * scale;
    }
  }
  for (let h = 0; h < heads; h++) {
    const o = h * visible;
    let max = -Infinity;
    for (let s = 0; s < visible; s++) max = Math.max(max, probs[o + s]!);
    let total = 0;
    for (let s = 0; s < visible; s++) total += probs[o + s] = Math.exp(probs[o + s]! - max);
    for (let s = 0; s < visible; s++) probs[o + s]! /= total;
  }
  return visible;
}

export function cachedAttention(p: CachedAttentionParams, q: FloatArray, keys: FloatArray, values: FloatArray, out: FloatArray): void {
  const { heads, kvHeads, headDim: d } = p;
  const qw = heads * d, kw = kvHeads * d, group = heads / kvHeads;
  const probs = new Float64Array(heads * p.keys), acc = new Float64Array(qw);
  for (let i = 0; i < p.queries; i++) {
    const visible = probabilities(p, q, keys, i, probs);
    acc.fill(0);
    for (let s = 0; s < visible; s++) {
      for (let h = 0; h < heads; h++) {
        const w = probs[h * visible + s]!, vo = s * kw + Math.floor(h / group) * d, ao = h * d;
        for (let c = 0; c < d; c++) acc[ao + c]! += w * values[vo + c]!;
      }
    }
    for (let c = 0; c < qw; c++) out[i * qw + c] = acc[c]!;
  }
}

/**
 * The VJP for the cotangent g [nq, hq·d]: dq, dkeys, dvalues (overwritten). With P the probabilities,
 *   dP = g·vᵀ,  dS = P ⊙ (dP − Σ_s P·dP),  dq = scale·dS·k,  dk = scale·dSᵀ·q,  dv = Pᵀ·g   (per head).
 */
export function cachedAttentionBackward(p: CachedAttentionParams, q: FloatArray, keys: FloatArray, values: FloatArray, g: FloatArray, dq: FloatArray, dkeys: FloatArray, dvalues: FloatArray): void {
  const { heads, kvHeads, headDim: d, scale } = p;
  const qw = heads * d, kw = kvHeads * d, group = heads / kvHeads;
  const probs = new Float64Array(heads * p.keys), dS = new Float64Array(heads * p.keys);
  const dk = new Float64Array(p.keys * kw), dv = new Float64Array(p.keys * kw), dqRow = new Float64Array(qw);
  for (let i = 0; i < p.queries; i++) {
    const visible = probabilities(p, q, keys, i, probs);
    for (let h = 0; h < heads; h++) {
      const go = i * qw + h * d, o = h * visible;
      let weighted = 0;
      for (let s = 0; s < visible; s++) {
        const vo = s * kw + Math.floor(h / group) * d;
        let dp = 0;
        for (let c = 0; c < d; c++) dp += g[go + c]! * values[vo + c]!;
        dS[o + s] = dp;
        weighted += probs[o + s]! * dp;
      }
      for (let s = 0; s < visible; s++) dS[o + s] = probs[o + s]! * (dS[o + s]! - weighted);
    }
    dqRow.fill(0);
    for (let s = 0; s < visible; s++) {
      for (let h = 0; h < heads; h++) {
        const ds = dS[h * visible + s]! * scale, pr = probs[h * visible + s]!;
        const ko = s * kw + Math.floor(h / group) * d, qo = i * qw + h * d;
        for (let c = 0; c < d; c++) {
          dqRow[h * d + c]! += ds * keys[ko + c]!;
          dk[ko + c]! += ds * q[qo + c]!;
          dv[ko + c]! += pr * g[qo + c]!;
        }
      }
    }
    for (let c = 0; c < qw; c++) dq[i * qw + c] = dqRow[c]!;
  }
  for (let j = 0; j < dk.length; j++) {
    dkeys[j] = dk[j]!;
    dvalues[j] = dv[j]!;
  }
}
