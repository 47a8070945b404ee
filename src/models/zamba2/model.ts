// The Zamba2 language model (research/zamba2.md §A1, §A3, §B) on typed arrays:
//   e = embed(ids); h = e
//   Mamba layer i:  h = h + Mixer_i(RMSNorm_i(h))
//   hybrid layer i (invocation j, block b = j mod blocks):
//     a = Attn_b(RMSNorm_2h([h, e]), adapters_j)          (rotary when use_mem_rope, scale (d/2)^−1/2)
//     t = Linear_i(MLP_b(RMSNorm_h(a), adapter_j))         (no residual inside the shared block)
//     h = h + Mixer_i(RMSNorm_i(h + t))                    (residual is the original h)
//   logits = lm_head(RMSNorm(h))
// A forward call continues the cache: conv window and SSM state for every layer, keys/values for every
// hybrid invocation (keys after rotary). 'chunked' runs the SSD prefill; 'recurrent' the one-step recurrence.
import type { FloatArray } from '../../core/dtype.js';
import { TesseraError } from '../../core/errors.js';
import {
  attentionForward, gatedMlpForward, KeyValueCache, linearRows, mamba2Forward, rmsNormRows, zeroMamba2State,
  type Mamba2Dims, type Mamba2State,
} from '../../nn/sequence/index.js';
import type { Zamba2Config } from './config.js';
import type { Zamba2Weights } from './weights.js';

export interface Zamba2Cache {
  /** per layer (all L) */
  readonly mamba: Mamba2State[];
  /** per hybrid invocation j */
  readonly kv: KeyValueCache[];
  /** tokens consumed so far */
  length: number;
}

export type SsdPath = 'chunked' | 'recurrent';

export function mamba2DimsOf(c: Zamba2Config): Mamba2Dims {
  return {
    hidden: c.hidden, innerWidth: c.mambaInner, heads: c.mambaHeads, headDim: c.mambaHeadDim, stateSize: c.mambaStateSize,
    groups: c.mambaGroups, convKernel: c.mambaConvKernel, chunkSize: c.chunkSize, dtMin: c.dtMin, normEps: 1e-5,
  };
}

export class Zamba2Model {
  readonly mambaDims: Mamba2Dims;
  constructor(readonly config: Zamba2Config, readonly weights: Zamba2Weights) {
    this.mambaDims = mamba2DimsOf(config);
  }

  newCache(): Zamba2Cache {
    const c = this.config;
    return {
      mamba: c.layerTypes.map(() => zeroMamba2State(this.mambaDims)),
      kv: c.hybridLayerIds.map(() => new KeyValueCache(c.kvHeads * c.attentionHeadDim)),
      length: 0,
    };
  }

  /** Bytes the cache holds at its current length (f32 values). */
  cacheBytes(cache: Zamba2Cache): number {
    let values = 0;
    for (const s of cache.mamba) values += s.conv.length + s.ssm.length;
    for (const kv of cache.kv) values += kv.storedValues;
    return 4 * values;
  }

  private embed(ids: readonly number[]): Float32Array {
    const { hidden, vocabSize } = this.config;
    const out = new Float32Array(ids.length * hidden);
    ids.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new TesseraError('range', 'zamba2.forward', `token id at position ${t} expected an integer in [0, ${vocabSize}), got ${id}`);
      out.set(this.weights.embed.subarray(id * hidden, (id + 1) * hidden), t * hidden);
    });
    return out;
  }

  /** Run `ids` after the tokens already in `cache`; returns the final-normed hidden states [L, hidden]. */
  forwardHidden(ids: readonly number[], cache: Zamba2Cache, path: SsdPath = 'chunked'): FloatArray {
    const c = this.config, w = this.weights, L = ids.length, H = c.hidden;
    if (L === 0) throw new TesseraError('value', 'zamba2.forward', 'ids expected at least one token, got none');
    const e = this.embed(ids);
    let h: FloatArray = Float32Array.from(e);
    let j = 0;
    for (let i = 0; i < c.layers; i++) {
      const layer = w.layers[i]!;
      let mixerIn: FloatArray = h;
      if (layer.linear) {
        const block = w.blocks[j % c.numMemBlocks]!;
        const cat = new Float32Array(L * 2 * H);
        for (let t = 0; t < L; t++) {
          cat.set(h.subarray(t * H, (t + 1) * H), t * 2 * H);
          cat.set(e.subarray(t * H, (t + 1) * H), t * 2 * H + H);
        }
        const x = rmsNormRows(cat, block.inputNorm, 2 * H, c.rmsNormEps);
        const a = attentionForward({
          inWidth: 2 * H, outWidth: H, heads: c.attentionHeads, kvHeads: c.kvHeads, headDim: c.attentionHeadDim,
          scale: c.attentionScale, ropeTheta: c.useMemRope ? c.ropeTheta : null,
        }, block.attention, x, cache.kv[j]!, block.attentionAdapters.get(j) ?? null);
        const m = gatedMlpForward(block.mlp, rmsNormRows(a, block.preFfNorm, H, c.rmsNormEps), H, c.intermediate, block.mlpAdapters.get(j) ?? null);
        const t = linearRows(m, layer.linear, L, H, H);
        mixerIn = new Float32Array(L * H);
        for (let k = 0; k < mixerIn.length; k++) mixerIn[k] = h[k]! + t[k]!;
        j++;
      }
      const normed = rmsNormRows(mixerIn, layer.mamba.inputNorm, H, c.rmsNormEps);
      const out = mamba2Forward(this.mambaDims, layer.mamba.mixer, normed, cache.mamba[i]!, path);
      const next = new Float32Array(L * H);
      for (let k = 0; k < next.length; k++) next[k] = h[k]! + out[k]!;
      h = next;
    }
    cache.length += L;
    return rmsNormRows(h, w.finalNorm, H, c.rmsNormEps);
  }

  /** Logits [vocab] at the last of `ids` (run after the cache's tokens). */
  forwardLast(ids: readonly number[], cache: Zamba2Cache, path: SsdPath = 'chunked'): Float32Array {
    const H = this.config.hidden;
    const hidden = this.forwardHidden(ids, cache, path);
    const last = Float32Array.from(hidden.subarray((ids.length - 1) * H, ids.length * H));
    return linearRows(last, this.weights.lmHead, 1, H, this.config.vocabSize) as Float32Array;
  }

  /** Logits [L, vocab] at every position of `ids`. */
  forwardAll(ids: readonly number[], cache: Zamba2Cache, path: SsdPath = 'chunked'): Float32Array {
    const hidden = this.forwardHidden(ids, cache, path);
    return linearRows(Float32Array.from(hidden), this.weights.lmHead, ids.length, this.config.hidden, this.config.vocabSize) as Float32Array;
  }
}
