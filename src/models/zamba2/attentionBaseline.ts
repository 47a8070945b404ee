// The comparison model of `tessera bench zamba2`: a pure-attention transformer with (about) the same number
// of parameters as a Zamba2 config, built from the same layers (nn/sequence attention with rotary, gated
// GELU MLP, RMSNorm) at Zamba2's width: per layer h = h + Attn(RMSNorm(h)); h = h + MLP(RMSNorm(h)), attention
// h → h with the same head count (head dim h/heads, scale head_dim^−1/2), MLP intermediate as the config's.
// The layer count is the one whose total parameter count is nearest to the Zamba2 model's.
import type { FloatArray } from '../../core/dtype.js';
import * as random from '../../core/random.js';
import { attentionForward, gatedMlpForward, KeyValueCache, linearRows, rmsNormRows, type AttentionDims } from '../../nn/sequence/index.js';
import type { Zamba2Config } from './config.js';
import { countZamba2Parameters } from './tensors.js';

export interface BaselineLayerWeights {
  readonly attnNorm: Float32Array;
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly o: Float32Array;
  readonly mlpNorm: Float32Array;
  readonly gateUp: Float32Array;
  readonly down: Float32Array;
}

export function baselineLayerParameters(c: Zamba2Config): number {
  return 4 * c.hidden * c.hidden + 2 * c.hidden + 3 * c.hidden * c.intermediate;
}

/** Layers giving the parameter count nearest to the Zamba2 model's (embedding tied, final norm). */
export function baselineLayerCount(c: Zamba2Config): number {
  const budget = countZamba2Parameters(c).total - c.vocabSize * c.hidden - c.hidden;
  return Math.max(1, Math.round(budget / baselineLayerParameters(c)));
}

export class AttentionBaseline {
  readonly layers: BaselineLayerWeights[];
  readonly embed: Float32Array;
  readonly finalNorm: Float32Array;
  readonly dims: AttentionDims;
  readonly parameterCount: number;

  /** Random weights: each tensor a scaled window of a shared pool of normal values (timing-only). */
  constructor(readonly config: Zamba2Config, seed: number, layerCount = baselineLayerCount(config)) {
    const c = config, h = c.hidden;
    const pool = random.normalValues(random.key(seed), 1 << 20, 'f32');
    let offset = 0;
    const tensor = (n: number, std: number): Float32Array => {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = pool[(offset + i * 7) % pool.length]! * std;
      offset += 104729;
      return out;
    };
    this.embed = tensor(c.vocabSize * h, 1);
    this.finalNorm = new Float32Array(h).fill(1);
    this.layers = Array.from({ length: layerCount }, () => ({
      attnNorm: new Float32Array(h).fill(1),
      q: tensor(h * h, 1 / Math.sqrt(h)), k: tensor(h * h, 1 / Math.sqrt(h)), v: tensor(h * h, 1 / Math.sqrt(h)), o: tensor(h * h, 1 / Math.sqrt(h)),
      mlpNorm: new Float32Array(h).fill(1),
      gateUp: tensor(2 * c.intermediate * h, 1 / Math.sqrt(h)), down: tensor(h * c.intermediate, 1 / Math.sqrt(c.intermediate)),
    }));
    const headDim = h / c.attentionHeads;
    this.dims = { inWidth: h, outWidth: h, heads: c.attentionHeads, kvHeads: c.attentionHeads, headDim, scale: 1 / Math.sqrt(headDim), ropeTheta: c.ropeTheta };
    this.parameterCount = c.vocabSize * h + h + layerCount * baselineLayerParameters(c);
  }

  newCache(): KeyValueCache[] {
    return this.layers.map(() => new KeyValueCache(this.config.hidden));
  }

  cacheBytes(cache: readonly KeyValueCache[]): number {
    return 4 * cache.reduce((n, kv) => n + kv.storedValues, 0);
  }

  /** Logits [vocab] at the last of `ids`, continuing `cache`. */
  forwardLast(ids: readonly number[], cache: KeyValueCache[]): Float32Array {
    const c = this.config, h = c.hidden, L = ids.length;
    let x: FloatArray = new Float32Array(L * h);
    ids.forEach((id, t) => (x as Float32Array).set(this.embed.subarray(id * h, (id + 1) * h), t * h));
    this.layers.forEach((w, i) => {
      const a = attentionForward(this.dims, w, rmsNormRows(x, w.attnNorm, h, c.rmsNormEps), cache[i]!);
      const mid = Float32Array.from(x, (v, k) => v + a[k]!);
      const m = gatedMlpForward(w, rmsNormRows(mid, w.mlpNorm, h, c.rmsNormEps), h, c.intermediate);
      x = Float32Array.from(mid, (v, k) => v + m[k]!);
    });
    const last = rmsNormRows(x.subarray((L - 1) * h), this.finalNorm, h, c.rmsNormEps);
    return linearRows(last, this.embed, 1, h, c.vocabSize) as Float32Array;
  }
}
