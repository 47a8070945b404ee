// The tensors of a Zamba2 checkpoint in the Hugging Face "layers" layout, with shapes, from the config alone
// (research/zamba2.md §A5); the parameter count and the generation-cache sizes follow from them.
// Shared blocks are listed once, under the first hybrid layer that uses each block; adapters are keyed by the
// hybrid invocation j and owned by block j mod num_mem_blocks. lm_head.weight is listed only when untied.
import type { Zamba2Config } from './config.js';

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Names and shapes of a Mamba layer's tensors under `prefix` (e.g. "model.layers.3."). */
export function mambaTensorSpecs(c: Zamba2Config, prefix: string): TensorSpec[] {
  const m = `${prefix}mamba.`;
  return [
    { name: `${prefix}input_layernorm.weight`, shape: [c.hidden] },
    { name: `${m}in_proj.weight`, shape: [c.inProjWidth, c.hidden] },
    { name: `${m}conv1d.weight`, shape: [c.convDim, 1, c.mambaConvKernel] },
    { name: `${m}conv1d.bias`, shape: [c.convDim] },
    { name: `${m}dt_bias`, shape: [c.mambaHeads] },
    { name: `${m}A_log`, shape: [c.mambaHeads] },
    { name: `${m}D`, shape: [c.mambaHeads] },
    { name: `${m}norm.weight`, shape: [c.mambaInner] },
    { name: `${m}out_proj.weight`, shape: [c.hidden, c.mambaInner] },
  ];
}

/** The hybrid layer that stores shared block b (the first hybrid layer using it). */
export const blockHomeLayer = (c: Zamba2Config, block: number): number => c.hybridLayerIds[block]!;

/** Shared block b's tensors under "model.layers.{home}.shared_transformer.", adapters for its invocations. */
export function sharedBlockTensorSpecs(c: Zamba2Config, block: number, home = blockHomeLayer(c, block)): TensorSpec[] {
  const p = `model.layers.${home}.shared_transformer.`;
  const a = c.attentionHiddenSize, qw = c.attentionHeads * c.attentionHeadDim, kvw = c.kvHeads * c.attentionHeadDim, r = c.adapterRank;
  const specs: TensorSpec[] = [
    { name: `${p}input_layernorm.weight`, shape: [a] },
    { name: `${p}self_attn.q_proj.weight`, shape: [qw, a] },
    { name: `${p}self_attn.k_proj.weight`, shape: [kvw, a] },
    { name: `${p}self_attn.v_proj.weight`, shape: [kvw, a] },
    { name: `${p}self_attn.o_proj.weight`, shape: [c.hidden, qw] },
    { name: `${p}pre_ff_layernorm.weight`, shape: [c.hidden] },
    { name: `${p}feed_forward.gate_up_proj.weight`, shape: [2 * c.intermediate, c.hidden] },
    { name: `${p}feed_forward.down_proj.weight`, shape: [c.hidden, c.intermediate] },
  ];
  for (let j = block; j < c.hybridLayerIds.length; j += c.numMemBlocks) {
    if (c.useSharedAttentionAdapter) {
      for (const [x, w] of [['q', qw], ['k', kvw], ['v', kvw]] as const) {
        specs.push({ name: `${p}self_attn.linear_${x}_adapter_list.${j}.0.weight`, shape: [r, a] });
        specs.push({ name: `${p}self_attn.linear_${x}_adapter_list.${j}.1.weight`, shape: [w, r] });
      }
    }
    if (c.useSharedMlpAdapter) {
      specs.push({ name: `${p}feed_forward.gate_up_proj_adapter_list.${j}.0.weight`, shape: [r, c.hidden] });
      specs.push({ name: `${p}feed_forward.gate_up_proj_adapter_list.${j}.1.weight`, shape: [2 * c.intermediate, r] });
    }
  }
  return specs;
}

/** Every tensor of the canonical checkpoint (shared blocks once). */
export function zamba2TensorSpecs(c: Zamba2Config): TensorSpec[] {
  const specs: TensorSpec[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, c.hidden] }];
  for (let i = 0; i < c.layers; i++) {
    if (c.layerTypes[i] === 'hybrid') {
      specs.push({ name: `model.layers.${i}.linear.weight`, shape: [c.hidden, c.hidden] });
      specs.push(...mambaTensorSpecs(c, `model.layers.${i}.mamba_decoder.`));
    } else {
      specs.push(...mambaTensorSpecs(c, `model.layers.${i}.`));
    }
  }
  for (let b = 0; b < Math.min(c.numMemBlocks, c.hybridLayerIds.length); b++) specs.push(...sharedBlockTensorSpecs(c, b));
  specs.push({ name: 'model.final_layernorm.weight', shape: [c.hidden] });
  if (!c.tieWordEmbeddings) specs.push({ name: 'lm_head.weight', shape: [c.vocabSize, c.hidden] });
  return specs;
}

export interface ParameterBreakdown {
  readonly total: number;
  readonly embedding: number;
  /** one Mamba2 mixer (without its input RMSNorm) */
  readonly mixer: number;
  /** one shared block without adapters */
  readonly sharedBlock: number;
  /** one MLP adapter (A and B) */
  readonly mlpAdapter: number;
  /** one set of q, k, v attention adapters (0 when unused) */
  readonly attentionAdapters: number;
}

/** Parameter counts from the config alone (tied embeddings counted once). */
export function countZamba2Parameters(c: Zamba2Config): ParameterBreakdown {
  const total = zamba2TensorSpecs(c).reduce((n, s) => n + count(s.shape), 0);
  const mixer = mambaTensorSpecs(c, '').slice(1).reduce((n, s) => n + count(s.shape), 0);
  const blockSpecs = c.hybridLayerIds.length ? sharedBlockTensorSpecs(c, 0).slice(0, 8) : [];
  const r = c.adapterRank, qw = c.attentionHeads * c.attentionHeadDim, kvw = c.kvHeads * c.attentionHeadDim;
  return {
    total,
    embedding: c.vocabSize * c.hidden,
    mixer,
    sharedBlock: blockSpecs.reduce((n, s) => n + count(s.shape), 0),
    mlpAdapter: c.useSharedMlpAdapter ? r * c.hidden + 2 * c.intermediate * r : 0,
    attentionAdapters: c.useSharedAttentionAdapter ? r * c.attentionHiddenSize * 3 + r * (qw + 2 * kvw) : 0,
  };
}

export interface CacheSizes {
  /** conv window values per layer: convDim · K */
  readonly convPerLayer: number;
  /** SSM state values per layer: H · P · N */
  readonly ssmPerLayer: number;
  /** all layers' recurrent state (values), independent of the context length */
  readonly recurrentTotal: number;
  /** KV values per token: 2 · hybrid invocations · kvHeads · headDim */
  readonly kvPerToken: number;
}

/** Generation-cache sizes in values (× bytes per value for bytes), research/zamba2.md §B. */
export function zamba2CacheSizes(c: Zamba2Config): CacheSizes {
  const convPerLayer = c.convDim * c.mambaConvKernel;
  const ssmPerLayer = c.mambaHeads * c.mambaHeadDim * c.mambaStateSize;
  return {
    convPerLayer, ssmPerLayer,
    recurrentTotal: c.layers * (convPerLayer + ssmPerLayer),
    kvPerToken: 2 * c.hybridLayerIds.length * c.kvHeads * c.attentionHeadDim,
  };
}

/** Cache bytes at `tokens` positions: recurrent state + KV, at `bytesPerValue` (4 f32, 2 bf16). */
export const zamba2CacheBytes = (c: Zamba2Config, tokens: number, bytesPerValue: number): number => {
  const s = zamba2CacheSizes(c);
  return (s.recurrentTotal + tokens * s.kvPerToken) * bytesPerValue;
};
