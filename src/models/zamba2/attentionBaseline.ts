// The comparison model of `tessera bench zamba2`: a pure-attention transformer with (about) the same number
// of parameters as a Zamba2 config, built from the same engine layers (nn/sequence attention with rotary,
// gated GELU MLP, RMSNorm) at Zamba2's width: per layer h = h + Attn(RMSNorm(h)); h = h + MLP(RMSNorm(h)), attention
// h → h with the same head count (head dim h/heads, scale head_dim^−1/2), MLP intermediate as the config's.
// The layer count is the one whose total parameter count is nearest to the Zamba2 model's.
import type { FloatArray } from '../../core/dtype.js';
import * as random from '../../core/random.js';
import { rmsNorm } from '../../nn/norm.js';
import { embedRows, halfWeight, linear, weightBytes, type LinearWeight } from '../../nn/storedWeight.js';
import { encodeHalf } from '../../core/halfFloat.js';
import { applyRotary, causalAttention, gatedMlp, KeyValueCache, positions, rotaryTables } from '../../nn/sequence/index.js';
import { Tensor, add, noGrad, reshape, slice } from '../../tensor/index.js';
import type { Zamba2Config } from './config.js';
import { countZamba2Parameters } from './tensors.js';

export interface BaselineLayerWeights {
  readonly attnNorm: Tensor;
  /** q, k, v, o [h, h] */
  readonly q: LinearWeight;
  readonly k: LinearWeight;
  readonly v: LinearWeight;
  readonly o: LinearWeight;
  readonly mlpNorm: Tensor;
  /** [2I, h] */
  readonly gateUp: LinearWeight;
  /** [h, I] */
  readonly down: LinearWeight;
}

export function baselineLayerParameters(c: Zamba2Config): number {
  return 4 * c.hidden * c.hidden + 2 * c.hidden + 3 * c.hidden * c.intermediate;
}

/** Layers giving the parameter count nearest to the Zamba2 model's (embedding tied, final norm). */
export function baselineLayerCount(c: Zamba2Config): number {
  const budget = countZamba2Parameters(c).total - c.vocabSize * c.hidden - c.hidden;
  return Math.max(1, Math.round(budget / baselineLayerParameters(c)));
}

/**
 * KV-cache bytes of the baseline at `tokens` positions: every one of its layers keeps keys and values of width
 * hidden (all heads, head dim hidden/heads) — 2 · layers · hidden · tokens values at `bytesPerValue` (4 f32).
 * The same as cacheBytes(cache) of a baseline that has run `tokens` tokens.
 */
export function baselineCacheBytes(c: Zamba2Config, tokens: number, bytesPerValue: number, layerCount = baselineLayerCount(c)): number {
  return 2 * layerCount * c.hidden * tokens * bytesPerValue;
}

export class AttentionBaseline {
  readonly layers: BaselineLayerWeights[];
  readonly embed: LinearWeight;
  readonly finalNorm: Tensor;
  readonly headDim: number;
  readonly parameterCount: number;

  /** Random weights: each matrix a scaled window of a shared pool of normal values (timing-only), in f32 or as bf16 words. */
  constructor(readonly config: Zamba2Config, seed: number, layerCount = baselineLayerCount(config), dtype: 'f32' | 'bf16' = 'f32') {
    const c = config, h = c.hidden;
    const pool = random.normalValues(random.key(seed), 1 << 20, 'f32');
    let offset = 0;
    const tensor = (shape: number[], std: number): LinearWeight => {
      const n = shape[0]! * (shape[1] ?? 1);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = pool[(offset + i * 7) % pool.length]! * std;
      offset += 104729;
      if (dtype === 'f32') return new Tensor(out, shape);
      const bytes = encodeHalf(out, 'BF16');
      return halfWeight(new Uint16Array(bytes.buffer, bytes.byteOffset, n), shape, 'bf16');
    };
    const ones = () => new Tensor(new Float32Array(h).fill(1), [h]);
    this.embed = tensor([c.vocabSize, h], 1);
    this.finalNorm = ones();
    this.layers = Array.from({ length: layerCount }, () => ({
      attnNorm: ones(),
      q: tensor([h, h], 1 / Math.sqrt(h)), k: tensor([h, h], 1 / Math.sqrt(h)), v: tensor([h, h], 1 / Math.sqrt(h)), o: tensor([h, h], 1 / Math.sqrt(h)),
      mlpNorm: ones(),
      gateUp: tensor([2 * c.intermediate, h], 1 / Math.sqrt(h)), down: tensor([h, c.intermediate], 1 / Math.sqrt(c.intermediate)),
    }));
    this.headDim = h / c.attentionHeads;
    this.parameterCount = c.vocabSize * h + h + layerCount * baselineLayerParameters(c);
  }

  newCache(): KeyValueCache[] {
    return this.layers.map(() => new KeyValueCache(this.config.hidden));
  }

  cacheBytes(cache: readonly KeyValueCache[]): number {
    return 4 * cache.reduce((n, kv) => n + kv.storedValues, 0);
  }

  /** Bytes one decode step reads: every weight once (the tied embedding as the lm_head) and the KV cache. */
  decodeReadBytes(cache: readonly KeyValueCache[]): number {
    const norms = 4 * this.config.hidden * (2 * this.layers.length + 1);
    const matrices = this.layers.reduce((n, w) => n + [w.q, w.k, w.v, w.o, w.gateUp, w.down].reduce((m, x) => m + weightBytes(x), 0), 0);
    return this.cacheBytes(cache) + norms + matrices + weightBytes(this.embed);
  }

  /** Logits [vocab] at the last of `ids`, continuing `cache`. */
  forwardLast(ids: readonly number[], cache: KeyValueCache[]): FloatArray {
    return noGrad(() => {
      const c = this.config, h = c.hidden, L = ids.length, heads = c.attentionHeads, d = this.headDim, eps = c.rmsNormEps;
      const start = cache[0]!.length;
      const tables = rotaryTables(L, d, c.ropeTheta, start);
      let x = embedRows(this.embed, new Tensor(Int32Array.from(ids), [L]));
      this.layers.forEach((w, i) => {
        const n = rmsNorm(x, [h], w.attnNorm, eps);
        const q = applyRotary(reshape(linear(n, w.q), [1, L, heads, d]), tables);
        const k = applyRotary(reshape(linear(n, w.k), [1, L, heads, d]), tables);
        const kv = cache[i]!.extend(reshape(k, [1, L, h]), reshape(linear(n, w.v), [1, L, h]));
        const a = causalAttention(reshape(q, [1, L, h]), kv.keys, kv.values, { qPos: positions(start, L), kPos: positions(0, start + L), heads, kvHeads: heads, headDim: d });
        const mid = add(x, linear(reshape(a, [L, h]), w.o));
        x = add(mid, gatedMlp(rmsNorm(mid, [h], w.mlpNorm, eps), w, 'gelu'));
      });
      const last = rmsNorm(slice(x, [L - 1, 0], [L, h]), [h], this.finalNorm, eps);
      return linear(last, this.embed).data as FloatArray;
    });
  }
}
