// The Zamba2 language model (research/zamba2.md §A1, §A3, §B) on the engine's Tensors and sequence layers:
//   e = embed(ids); h = e
//   Mamba layer i:  h = h + Mixer_i(RMSNorm_i(h))
//   hybrid layer i (invocation j, block b = j mod blocks):
//     a = Attn_b(RMSNorm_2h([h, e]), adapters_j)          (rotate-half RoPE when use_mem_rope, scale (d/2)^−1/2)
//     t = Linear_i(MLP_b(RMSNorm_h(a), adapter_j))         (no residual inside the shared block)
//     h = h + Mixer_i(RMSNorm_i(h + t))                    (residual is the original h)
//   logits = lm_head(RMSNorm(h))
// A forward call continues the cache: conv window and SSM state for every layer, keys/values for every
// hybrid invocation (keys after rotary); the cache owns its states, and a recurrent step without a tape updates
// the SSM states in place. 'chunked' runs the SSD prefill; 'recurrent' the one-step recurrence.
// The parameters are the checkpoint's tensors under their canonical names, so autograd, optimizers and
// state dicts see the Hugging Face names. forward() differentiates; forwardLast/forwardAll run without a tape.
import type { FloatArray, FloatDType } from '../../core/dtype.js';
import { TesseraError } from '../../core/errors.js';
import { rmsNorm } from '../../nn/norm.js';
import { embedRows, isHalfWeight, linear, weightBytes, type LinearWeight } from '../../nn/storedWeight.js';
import { Module } from '../../nn/module.js';
import {
  addLora, applyRotary, causalAttention, gatedMlp, KeyValueCache, mamba2Mixer, positions, rotaryTables, zeroMamba2State,
  type Mamba2Dims, type Mamba2State, type SsdPath,
} from '../../nn/sequence/index.js';
import { Tensor, add, concat, noGrad, reshape, slice } from '../../tensor/index.js';
import type { Zamba2Config } from './config.js';
import { blockHomeLayer } from './tensors.js';
import type { AttentionAdapters, Zamba2SharedBlockWeights, Zamba2Weights } from './weights.js';

export type { SsdPath } from '../../nn/sequence/index.js';

export interface Zamba2Cache {
  /** per layer (all L) */
  readonly mamba: Mamba2State[];
  /** per hybrid invocation j */
  readonly kv: KeyValueCache[];
  /** tokens consumed so far */
  length: number;
}

export function mamba2DimsOf(c: Zamba2Config): Mamba2Dims {
  return {
    hidden: c.hidden, innerWidth: c.mambaInner, heads: c.mambaHeads, headDim: c.mambaHeadDim, stateSize: c.mambaStateSize,
    groups: c.mambaGroups, convKernel: c.mambaConvKernel, chunkSize: c.chunkSize, dtMin: c.dtMin, normEps: 1e-5,
  };
}

export class Zamba2Model extends Module {
  readonly mambaDims: Mamba2Dims;
  readonly dtype: FloatDType;

  constructor(readonly config: Zamba2Config, readonly weights: Zamba2Weights) {
    super();
    this.mambaDims = mamba2DimsOf(config);
    this.dtype = weights.finalNorm.dtype as FloatDType;
    // Float tensors are the parameters; 16-bit words kept as stored (a served model) are buffers.
    for (const [name, w] of weights.named) {
      if (isHalfWeight(w)) this.addBuffer(name, w.words);
      else this.addParameter(name, w);
    }
  }

  newCache(): Zamba2Cache {
    const c = this.config;
    return {
      mamba: c.layerTypes.map(() => zeroMamba2State(this.mambaDims, this.dtype)),
      kv: c.hybridLayerIds.map(() => new KeyValueCache(c.kvHeads * c.attentionHeadDim, 16, this.dtype)),
      length: 0,
    };
  }

  /** Bytes the cache holds at its current length (in the model's dtype). */
  cacheBytes(cache: Zamba2Cache): number {
    let values = 0;
    for (const s of cache.mamba) values += s.conv.size + s.ssm.size;
    for (const kv of cache.kv) values += kv.storedValues;
    return (this.dtype === 'f64' ? 8 : 4) * values;
  }

  /**
   * Bytes one decode step reads: every weight once per use (a shared block's tensors once per invocation,
   * the tied embedding once, as the lm_head), and the cache (KV rows of every invocation, conv and SSM state).
   */
  decodeReadBytes(cache: Zamba2Cache): number {
    const c = this.config;
    let bytes = this.cacheBytes(cache);
    for (const [name, w] of this.weights.named) {
      const shared = /^model\.layers\.(\d+)\.shared_transformer\./.exec(name);
      const uses = shared && !name.includes('_adapter_list.') ? c.hybridLayerIds.filter((_, j) => blockHomeLayer(c, j % c.numMemBlocks) === Number(shared[1])).length : 1;
      bytes += uses * weightBytes(w);
    }
    return bytes;
  }

  private embed(ids: readonly number[]): Tensor {
    const { vocabSize } = this.config;
    ids.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new TesseraError('range', 'zamba2.forward', `token id at position ${t} expected an integer in [0, ${vocabSize}), got ${id}`);
    });
    return embedRows(this.weights.embed, new Tensor(Int32Array.from(ids), [ids.length])); // [L, hidden]
  }

  /** The shared block's attention for x [L, 2h] at positions start … start + L − 1 (appends to `kv`). */
  private attention(block: Zamba2SharedBlockWeights, x: Tensor, kv: KeyValueCache, start: number, adapters: AttentionAdapters | null): Tensor {
    const c = this.config, L = x.shape[0]!, d = c.attentionHeadDim;
    const project = (w: LinearWeight, lora: AttentionAdapters['q'] | undefined) => {
      const y = linear(x, w);
      return lora ? addLora(y, x, lora) : y;
    };
    let q = project(block.attention.q, adapters?.q), k = project(block.attention.k, adapters?.k);
    const v = project(block.attention.v, adapters?.v);
    if (c.useMemRope) {
      const tables = rotaryTables(L, d, c.ropeTheta, start, this.dtype);
      q = applyRotary(reshape(q, [1, L, c.attentionHeads, d]), tables);
      k = applyRotary(reshape(k, [1, L, c.kvHeads, d]), tables);
    }
    const cached = kv.extend(reshape(k, [1, L, c.kvHeads * d]), reshape(v, [1, L, c.kvHeads * d]));
    const o = causalAttention(reshape(q, [1, L, c.attentionHeads * d]), cached.keys, cached.values, {
      qPos: positions(start, L), kPos: positions(0, kv.length), heads: c.attentionHeads, kvHeads: c.kvHeads, headDim: d, scale: c.attentionScale,
    });
    return linear(reshape(o, [L, c.attentionHeads * d]), block.attention.o);
  }

  /** Final-normed hidden states [L, hidden] of `ids` run after the tokens already in `cache` (differentiable). */
  forwardHidden(ids: readonly number[], cache: Zamba2Cache, path: SsdPath = 'chunked'): Tensor {
    const c = this.config, w = this.weights, H = c.hidden, eps = c.rmsNormEps;
    if (ids.length === 0) throw new TesseraError('value', 'zamba2.forward', 'ids expected at least one token, got none');
    const e = this.embed(ids);
    let h = e;
    let j = 0;
    for (let i = 0; i < c.layers; i++) {
      const layer = w.layers[i]!;
      let mixerIn = h;
      if (layer.linear) {
        const block = w.blocks[j % c.numMemBlocks]!;
        const x = rmsNorm(concat([h, e], 1), [2 * H], block.inputNorm, eps);
        const a = this.attention(block, x, cache.kv[j]!, cache.length, block.attentionAdapters.get(j) ?? null);
        const m = gatedMlp(rmsNorm(a, [H], block.preFfNorm, eps), block.mlp, 'gelu', block.mlpAdapters.get(j) ?? null);
        mixerIn = add(h, linear(m, layer.linear));
        j++;
      }
      const mixed = mamba2Mixer(this.mambaDims, layer.mamba.mixer, rmsNorm(mixerIn, [H], layer.mamba.inputNorm, eps), cache.mamba[i]!, path, { inPlaceState: true });
      cache.mamba[i] = mixed.state;
      h = add(h, mixed.y);
    }
    cache.length += ids.length;
    return rmsNorm(h, [H], w.finalNorm, eps);
  }

  /** Logits [L, vocab] of `ids` from a fresh cache (differentiable: training and gradient checks). */
  forward(ids: Tensor): Tensor {
    const list = Array.from(ids.data, Number);
    return linear(this.forwardHidden(list, this.newCache()), this.weights.lmHead);
  }

  /** Logits [vocab] at the last of `ids` (run after the cache's tokens), without a tape. */
  forwardLast(ids: readonly number[], cache: Zamba2Cache, path: SsdPath = 'chunked'): FloatArray {
    return noGrad(() => {
      const hidden = this.forwardHidden(ids, cache, path);
      const last = slice(hidden, [ids.length - 1, 0], [ids.length, this.config.hidden]);
      return linear(last, this.weights.lmHead).data as FloatArray;
    });
  }

  /** Logits [L, vocab] at every position of `ids`, without a tape. */
  forwardAll(ids: readonly number[], cache: Zamba2Cache, path: SsdPath = 'chunked'): FloatArray {
    return noGrad(() => linear(this.forwardHidden(ids, cache, path), this.weights.lmHead).data as FloatArray);
  }
}
