// CCA — compressed convolutional attention (ZAYA1's attention; arXiv 2510.04476, code class `CCA` and
// `ZayaAttention` in Zyphra/transformers models/zaya/modeling_zaya.py; parallelism.md B.5).
//
// x [B, S, h]; d_h = h / heads; qH compressed query heads, kv key/value heads, C = (qH + kv)·d_h.
//   q = linear_q(x) [B,S,qH·d_h];  k = linear_k(x) [B,S,kv·d_h]
//   mean_q = (q + k repeated over its GQA group)/2 per query head;  mean_k = mean_q averaged over each group
//   [q;k] → causal depthwise conv (kernel k0, groups C, bias) → causal grouped conv (kernel k1, groups qH+kv, bias)
//   query = conv_q + mean_q;  key = conv_k + mean_k                                    (per head [.., d_h])
//   value = concat(val_proj1(x_t), val_proj2(x_{t−1}))  (x_{−1} = 0)                   [B,S,kv,d_h]
//   query ← √d_h · query/‖query‖;  key ← √d_h · key/‖key‖ · temp[kv head]               (temp init 0, as the code)
//   RoPE on the first rotaryFraction·d_h channels of query and key
//   causal softmax(query·keyᵀ/√d_h) · value with query head j reading kv head ⌊j/(qH/kv)⌋ (the engine's causalAttention), then o_proj.
// Decode state per layer: conv_state [B, C, k0+k1−2] (the last pre-conv [q;k] vectors), prev_hs [B, h]
// (x_{t−1} for the shifted value half), and the key/value cache (keys after RoPE).
import { split, type Key } from '../../core/random.js';
import { TesseraError } from '../../core/errors.js';
import {
  Tensor, add, concat, conv1d, div, mean, mul, reshape, slice, sqrt, sum, transpose, zeros,
} from '../../tensor/index.js';
import { Linear, Module } from '../../nn/index.js';
import { applyRotary, causalAttention, positions, rotaryTables } from '../../nn/sequence/index.js';
import { normalInit } from '../../nn/init.js';
import { headDim, type Zaya1Config } from './config.js';

export interface CcaState {
  /** Last k0+k1−2 pre-convolution [q;k] vectors, oldest first: [B, C, k0+k1−2]. */
  conv: Tensor;
  /** x_{t−1}: [B, h]. */
  prev: Tensor;
  /** Keys (after RoPE) and values so far: [B, T, kv, d_h]. */
  keys: Tensor;
  values: Tensor;
  /** Tokens seen. */
  position: number;
}

export class CCA extends Module {
  readonly dh: number;
  readonly C: number;
  readonly context: number;

  constructor(readonly config: Zaya1Config, key: Key) {
    super();
    const c = config, h = c.hidden;
    this.dh = headDim(c);
    this.C = (c.qHeads + c.kvHeads) * this.dh;
    this.context = c.convKernels[0] + c.convKernels[1] - 2;
    const [kq, kk, kv1, kv2, ko, kc0, kc1] = split(key, 7);
    const bias = c.attentionBias;
    this.addChild('linear_q', new Linear(h, c.qHeads * this.dh, { key: kq!, bias }));
    this.addChild('linear_k', new Linear(h, c.kvHeads * this.dh, { key: kk!, bias }));
    this.addChild('val_proj1', new Linear(h, (c.kvHeads * this.dh) / 2, { key: kv1!, bias }));
    this.addChild('val_proj2', new Linear(h, (c.kvHeads * this.dh) / 2, { key: kv2!, bias }));
    this.addChild('o_proj', new Linear(c.qHeads * this.dh, h, { key: ko!, bias }));
    const groups = c.qHeads + c.kvHeads, perGroup = this.C / groups;
    this.addParameter('conv0.weight', normalInit(kc0!, [this.C, 1, c.convKernels[0]], { std: 1 / Math.sqrt(c.convKernels[0]) }));
    this.addParameter('conv0.bias', zeros([this.C]));
    this.addParameter('conv1.weight', normalInit(kc1!, [this.C, perGroup, c.convKernels[1]], { std: 1 / Math.sqrt(perGroup * c.convKernels[1]) }));
    this.addParameter('conv1.bias', zeros([this.C]));
    this.addParameter('temp', zeros([c.kvHeads]));
  }

  private lin(name: string, x: Tensor): Tensor {
    const [B, S, h] = x.shape as [number, number, number];
    const y = (this.children[name] as Linear).forward(reshape(x, [B * S, h]));
    return reshape(y, [B, S, y.shape[1]!]);
  }

  /** The two causal convolutions over [q;k] given `history` earlier pre-conv vectors: qk [B,S,C] → [B,S,C]. */
  private convolve(qk: Tensor, history: Tensor): Tensor {
    const c = this.config;
    const seq = concat([history, transpose(qk, [0, 2, 1])], 2); // [B, C, context + S]
    const a = conv1d(seq, this.param('conv0.weight'), { groups: this.C });
    const a1 = add(a, reshape(this.param('conv0.bias'), [1, this.C, 1]));
    const b = conv1d(a1, this.param('conv1.weight'), { groups: c.qHeads + c.kvHeads });
    return transpose(add(b, reshape(this.param('conv1.bias'), [1, this.C, 1])), [0, 2, 1]);
  }

  /** Query, key (after normalisation, temperature and RoPE) and value of S new tokens. */
  private qkv(x: Tensor, state: CcaState): { q: Tensor; k: Tensor; v: Tensor; qkPre: Tensor } {
    const c = this.config, [B, S] = x.shape as [number, number, number], dh = this.dh;
    const g = c.qHeads / c.kvHeads;
    const q = this.lin('linear_q', x), k = this.lin('linear_k', x);
    const qk = concat([q, k], 2);
    const qHeads = reshape(q, [B, S, c.qHeads, dh]);
    const kRep = reshape(concat(Array.from({ length: g }, () => reshape(k, [B, S, c.kvHeads, 1, dh])), 3), [B, S, c.qHeads, dh]); // repeat_interleave over groups
    const meanQ = mul(add(qHeads, kRep), 0.5);
    const meanK = mean(reshape(meanQ, [B, S, c.kvHeads, g, dh]), 3);
    const conv = this.convolve(qk, state.conv);
    let query = add(reshape(slice(conv, [0, 0, 0], [B, S, c.qHeads * dh]), [B, S, c.qHeads, dh]), meanQ);
    let key = add(reshape(slice(conv, [0, 0, c.qHeads * dh], [B, S, this.C]), [B, S, c.kvHeads, dh]), meanK);
    const scale = Math.sqrt(dh);
    query = mul(div(query, sqrt(sum(mul(query, query), 3, true))), scale);
    key = mul(mul(div(key, sqrt(sum(mul(key, key), 3, true))), scale), reshape(this.param('temp'), [1, 1, c.kvHeads, 1]));
    const shifted = concat([reshape(state.prev, [B, 1, c.hidden]), slice(x, [0, 0, 0], [B, S - 1, c.hidden])], 1);
    const v = concat([this.lin('val_proj1', x), this.lin('val_proj2', shifted)], 2);
    const rotary = 2 * Math.floor((c.rotaryFraction * dh) / 2);
    const tables = rotaryTables(S, rotary, c.ropeTheta, state.position, x.dtype === 'f64' ? 'f64' : 'f32');
    return { q: applyRotary(query, tables), k: applyRotary(key, tables), v: reshape(v, [B, S, c.kvHeads, dh]), qkPre: qk };
  }

  /** A fresh decode state for batch B. */
  initialState(B: number): CcaState {
    const c = this.config;
    return { conv: zeros([B, this.C, this.context]), prev: zeros([B, c.hidden]), keys: zeros([B, 0, c.kvHeads, this.dh]), values: zeros([B, 0, c.kvHeads, this.dh]), position: 0 };
  }

  /** x [B, S, h] → [B, S, h]; with `state`, continues it (prefill or decode) and returns the new state. */
  step(x: Tensor, state: CcaState): { y: Tensor; state: CcaState } {
    const c = this.config, [B, S, h] = x.shape as [number, number, number], dh = this.dh;
    if (h !== c.hidden) throw new TesseraError('shape', 'CCA', `x expected [B, S, ${c.hidden}], got [${x.shape.join(', ')}]`);
    const { q, k, v, qkPre } = this.qkv(x, state);
    const keys = concat([state.keys, k], 1), values = concat([state.values, v], 1);
    const T = keys.shape[1]!;
    const merged = causalAttention(reshape(q, [B, S, c.qHeads * dh]), reshape(keys, [B, T, c.kvHeads * dh]), reshape(values, [B, T, c.kvHeads * dh]), {
      qPos: positions(state.position, S), kPos: positions(0, T), heads: c.qHeads, kvHeads: c.kvHeads, headDim: dh,
    });
    const y = this.lin('o_proj', merged);
    const history = concat([state.conv, transpose(qkPre, [0, 2, 1])], 2);
    const next: CcaState = {
      conv: slice(history, [0, 0, history.shape[2]! - this.context], [B, this.C, history.shape[2]!]),
      prev: reshape(slice(x, [0, S - 1, 0], [B, S, h]), [B, h]), keys, values, position: state.position + S,
    };
    return { y, state: next };
  }

  forward(x: Tensor): Tensor {
    return this.step(x, this.initialState(x.shape[0]!)).y;
  }
}

