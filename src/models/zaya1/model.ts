// The ZAYA1 language model: tied embeddings, `blocks` × [CCA sub-layer, MoE sub-layer], final RMSNorm,
// logits = x · Eᵀ.
//
// Each sub-layer with residual scaling (ZAYA1-8B report eq. 6; `scale_residual_merge`):
//   x ← RS_res(x) + RS_out(Layer(RMSNorm(x))),   RS(x) = α ⊙ x + β,  α init 1, β init 0 (4·h parameters)
// Without scaleResidual it is the plain pre-norm residual x + Layer(RMSNorm(x)).
// Router states flow from each MoE layer to the next (EDA).
import { split, type Key } from '../../core/random.js';
import { TesseraError } from '../../core/errors.js';
import { Tensor, add, matmul, mul, ones, reshape, zeros } from '../../tensor/index.js';
import { Embedding, Module, RMSNorm } from '../../nn/index.js';
import { validateZaya1Config, type Zaya1Config } from './config.js';
import { CCA, type CcaState } from './cca.js';
import { ZayaMoE } from './moe.js';

export class ResidualScaling extends Module {
  constructor(hidden: number) {
    super();
    this.addParameter('residual_scale', ones([hidden]));
    this.addParameter('residual_bias', zeros([hidden]));
    this.addParameter('output_scale', ones([hidden]));
    this.addParameter('output_bias', zeros([hidden]));
  }

  /** RS_res(residual) + RS_out(output). */
  merge(residual: Tensor, output: Tensor): Tensor {
    return add(add(mul(residual, this.param('residual_scale')), this.param('residual_bias')), add(mul(output, this.param('output_scale')), this.param('output_bias')));
  }

  forward(x: Tensor): Tensor {
    return this.merge(x, zeros([...x.shape]));
  }
}

export interface Zaya1Output {
  logits: Tensor;
  /** Tokens per expert, per MoE layer, in this call. */
  expertCounts: number[][];
}

export interface Zaya1DecodeState {
  attention: CcaState[];
}

export class Zaya1Model extends Module {
  readonly attention: CCA[] = [];
  readonly moe: ZayaMoE[] = [];

  constructor(readonly config: Zaya1Config, key: Key) {
    super();
    validateZaya1Config(config);
    const c = config;
    const [ke, ...kb] = split(key, 2 * c.blocks + 1);
    this.addChild('embed_tokens', new Embedding(c.vocab, c.hidden, { key: ke!, std: 1 / Math.sqrt(c.hidden) }));
    for (let l = 0; l < c.blocks; l++) {
      this.attention.push(this.addChild(`layers.${2 * l}.self_attn`, new CCA(c, kb[2 * l]!)));
      this.addChild(`layers.${2 * l}.input_norm`, new RMSNorm(c.hidden, { eps: c.normEps }));
      this.moe.push(this.addChild(`layers.${2 * l + 1}.zaya_block`, new ZayaMoE(c, l === 0, kb[2 * l + 1]!)));
      this.addChild(`layers.${2 * l + 1}.input_norm`, new RMSNorm(c.hidden, { eps: c.normEps }));
      if (c.scaleResidual) {
        this.addChild(`layers.${2 * l}.res_scale`, new ResidualScaling(c.hidden));
        this.addChild(`layers.${2 * l + 1}.res_scale`, new ResidualScaling(c.hidden));
      }
    }
    this.addChild('final_norm', new RMSNorm(c.hidden, { eps: c.normEps }));
  }

  private merge(layer: number, x: Tensor, out: Tensor): Tensor {
    const rs = this.children[`layers.${layer}.res_scale`] as ResidualScaling | undefined;
    return rs ? rs.merge(x, out) : add(x, out);
  }

  initialState(batch: number): Zaya1DecodeState {
    return { attention: this.attention.map((a) => a.initialState(batch)) };
  }

  /** ids [B, S] (i32) → logits [B, S, V]; with `state`, continues a decode (prefill or one token at a time). */
  run(ids: Tensor, state?: Zaya1DecodeState): Zaya1Output & { state: Zaya1DecodeState } {
    const c = this.config;
    if (ids.rank !== 2 || ids.dtype !== 'i32') throw new TesseraError('shape', 'Zaya1Model', `ids expected i32 [B, S], got ${ids.dtype} [${ids.shape.join(', ')}]`);
    const [B, S] = ids.shape as [number, number];
    const st = state ?? this.initialState(B);
    let x = this.children['embed_tokens']!.forward(ids); // [B, S, h]
    let routerState: Tensor | null = null;
    const expertCounts: number[][] = [];
    const next: CcaState[] = [];
    for (let l = 0; l < c.blocks; l++) {
      const a = this.attention[l]!.step(this.children[`layers.${2 * l}.input_norm`]!.forward(x), st.attention[l]!);
      next.push(a.state);
      x = this.merge(2 * l, x, a.y);
      const flat = reshape(this.children[`layers.${2 * l + 1}.input_norm`]!.forward(x), [B * S, c.hidden]);
      const m = this.moe[l]!.apply(flat, routerState);
      routerState = m.routing.state;
      expertCounts.push(m.routing.counts);
      x = this.merge(2 * l + 1, x, reshape(m.y, [B, S, c.hidden]));
    }
    const h = reshape(this.children['final_norm']!.forward(x), [B * S, c.hidden]);
    const logits = reshape(matmul(h, this.children['embed_tokens']!.namedParameters()['weight']!, { transB: true }), [B, S, c.vocab]);
    return { logits, expertCounts, state: { attention: next } };
  }

  forward(ids: Tensor): Tensor {
    return this.run(ids).logits;
  }

  /** One bias-balancing step of every router from the expert counts of a training step. */
  updateRouterBiases(expertCounts: readonly (readonly number[])[], lr: number): void {
    expertCounts.forEach((counts, l) => this.moe[l]!.router.updateBiases(counts, lr));
  }
}
