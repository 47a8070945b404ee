// Zamba2 configuration: parse a Hugging Face config.json in either key scheme and derive every dimension
// (research/zamba2.md §A4, §F1).
//   new (transformers ≥ 4.48):  mamba_d_state, mamba_d_conv, mamba_expand, n_mamba_heads, intermediate_size,
//       hybrid_layer_ids or layers_block_type ("mamba"/"hybrid", newest: "linear_attention"/"hybrid"),
//       attention_head_dim (or head_dim), use_shared_attention_adapter, adapter_rank
//   legacy (Zyphra, 4.43.dev):  state_size, conv_dimension, expansion_factor, ffn_hidden_size,
//       layers_block_type ("m"/"g" or "mamba"/"hybrid"), use_shared_attention_lora, use_shared_block_lora, lora_rank
// Derived: dIn = expand·hidden, P = mamba_headdim (default dIn/H), H = n_mamba_heads (default dIn/P),
// convDim = dIn + 2·G·N, in_proj width = dIn + convDim + H, attention width 2·hidden,
// attention head dim = 2·hidden/heads, softmax scale (head_dim/2)^−1/2, block of invocation j = j mod blocks.
import { HfConfig } from '../../io/hfConfig.js';

export type Zamba2LayerType = 'mamba' | 'hybrid';

export interface Zamba2Config {
  readonly vocabSize: number;
  readonly hidden: number;
  readonly layers: number;
  readonly layerTypes: readonly Zamba2LayerType[];
  readonly hybridLayerIds: readonly number[];
  readonly numMemBlocks: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly attentionHiddenSize: number;
  readonly attentionHeadDim: number;
  readonly attentionScale: number;
  readonly intermediate: number;
  readonly mambaInner: number;
  readonly mambaHeads: number;
  readonly mambaHeadDim: number;
  readonly mambaStateSize: number;
  readonly mambaGroups: number;
  readonly mambaConvKernel: number;
  readonly convDim: number;
  readonly inProjWidth: number;
  readonly chunkSize: number;
  readonly useMemRope: boolean;
  readonly ropeTheta: number;
  readonly useSharedAttentionAdapter: boolean;
  readonly useSharedMlpAdapter: boolean;
  readonly adapterRank: number;
  readonly rmsNormEps: number;
  readonly tieWordEmbeddings: boolean;
  /** dt clamp below (HF torch path's time_step_min) or null (original Zamba2: no clamp; the default). */
  readonly dtMin: number | null;
  readonly maxPositionEmbeddings: number;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  /** Which key scheme the file used. */
  readonly scheme: 'new' | 'legacy';
}

export interface ConfigOptions {
  /** Clamp dt below at time_step_min as HF's CPU path does (default false, as the original code). */
  readonly clampDt?: boolean;
}

const OP = 'zamba2Config';

const LAYER_TYPE: Record<string, Zamba2LayerType> = { mamba: 'mamba', m: 'mamba', linear_attention: 'mamba', hybrid: 'hybrid', g: 'hybrid' };

function layerTypes(c: HfConfig, layers: number): Zamba2LayerType[] {
  const list = c.optionalList(['layers_block_type', 'layer_types']);
  const ids = c.optionalList('hybrid_layer_ids');
  if (list) {
    const types = list.map((t, i) => {
      const v = typeof t === 'string' ? LAYER_TYPE[t] : undefined;
      if (!v) throw c.error(`layers_block_type[${i}] expected "mamba", "hybrid", "m", "g" or "linear_attention", got ${JSON.stringify(t)}`);
      return v;
    });
    if (types.length !== layers) throw c.error(`layers_block_type expected ${layers} entries (num_hidden_layers), got ${types.length}`);
    if (ids) {
      const fromList = types.flatMap((t, i) => (t === 'hybrid' ? [i] : []));
      if (fromList.join(',') !== ids.join(',')) throw c.error(`hybrid_layer_ids [${ids.join(', ')}] expected to match layers_block_type's hybrid layers [${fromList.join(', ')}]`);
    }
    return types;
  }
  if (ids) {
    const types: Zamba2LayerType[] = new Array(layers).fill('mamba');
    for (const id of ids) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= layers) throw c.error(`hybrid_layer_ids entry expected an integer in [0, ${layers}), got ${JSON.stringify(id)}`);
      types[id] = 'hybrid';
    }
    return types;
  }
  throw c.error('expected "layers_block_type" (or "layer_types") or "hybrid_layer_ids", got neither');
}

/**
 * Parse a Zamba2 config.json (parsed JSON, or an HfConfig from io's readHfConfig; either key scheme) and
 * derive all dimensions.
 */
export function parseZamba2Config(raw: unknown, options: ConfigOptions = {}): Zamba2Config {
  const c = HfConfig.of(raw, 'config.json', OP);
  const modelType = c.optionalString('model_type');
  if (modelType !== undefined && modelType !== 'zamba2') throw c.error(`model_type expected "zamba2", got ${JSON.stringify(modelType)}`);
  const legacy = c.has(['state_size', 'ffn_hidden_size', 'use_shared_block_lora', 'lora_rank']);
  const hidden = c.requireInteger(['hidden_size']);
  const layers = c.requireInteger(['num_hidden_layers']);
  const types = layerTypes(c, layers);
  const expand = c.optionalInteger(['mamba_expand', 'expansion_factor'], 2);
  const inner = expand * hidden;
  const mambaHeadDim = c.has('mamba_headdim') ? c.requireInteger(['mamba_headdim']) : inner / c.requireInteger(['n_mamba_heads']);
  const mambaHeads = c.has('n_mamba_heads') ? c.requireInteger(['n_mamba_heads']) : inner / mambaHeadDim;
  if (!Number.isInteger(mambaHeads) || mambaHeads * mambaHeadDim !== inner) {
    throw c.error(`n_mamba_heads × mamba_headdim expected mamba_expand × hidden_size = ${inner}, got ${mambaHeads} × ${mambaHeadDim}`);
  }
  const groups = c.optionalInteger(['mamba_ngroups'], 1);
  if (mambaHeads % groups !== 0) throw c.error(`n_mamba_heads ${mambaHeads} expected a multiple of mamba_ngroups ${groups}`);
  const stateSize = c.requireInteger(['mamba_d_state', 'state_size']);
  const convKernel = c.optionalInteger(['mamba_d_conv', 'conv_dimension'], 4);
  const heads = c.requireInteger(['num_attention_heads']);
  const kvHeads = c.optionalInteger(['num_key_value_heads', 'num_query_groups'], heads);
  const attentionHiddenSize = c.optionalInteger(['attention_hidden_size'], 2 * hidden);
  const attentionHeadDim = c.optionalInteger(['attention_head_dim', 'head_dim'], attentionHiddenSize / heads);
  if (!Number.isInteger(attentionHeadDim)) throw c.error(`attention head dim 2·hidden/heads expected an integer, got ${attentionHiddenSize}/${heads}`);
  if (heads % kvHeads !== 0) throw c.error(`num_attention_heads ${heads} expected a multiple of num_key_value_heads ${kvHeads}`);
  const intermediate = c.optionalInteger(['intermediate_size', 'ffn_hidden_size'], 4 * hidden);
  const numMemBlocks = c.optionalInteger(['num_mem_blocks'], 1);
  if (numMemBlocks < 1) throw c.error(`num_mem_blocks expected ≥ 1, got ${numMemBlocks}`);
  const act = c.optionalString('hidden_act');
  if (act !== undefined && act !== 'gelu') throw c.error(`hidden_act expected "gelu" (the only activation Zamba2 uses), got ${JSON.stringify(act)}`);
  if (c.optionalBoolean(['add_bias_linear'], false)) throw c.error('add_bias_linear expected false (Zamba2 checkpoints have no linear biases), got true');
  if (!c.optionalBoolean(['use_conv_bias'], true)) throw c.error('use_conv_bias expected true (Zamba2 conv1d has a bias), got false');
  let ropeTheta = c.optionalNumber(['rope_theta'], 10000);
  if (c.optionalBoolean(['use_long_context'], false)) ropeTheta *= 8 ** (attentionHeadDim / (attentionHeadDim - 2));
  const convDim = inner + 2 * groups * stateSize;
  return {
    vocabSize: c.optionalInteger(['vocab_size'], 32000),
    hidden, layers, layerTypes: types,
    hybridLayerIds: types.flatMap((t, i) => (t === 'hybrid' ? [i] : [])),
    numMemBlocks, attentionHeads: heads, kvHeads, attentionHiddenSize, attentionHeadDim,
    attentionScale: 1 / Math.sqrt(attentionHeadDim / 2),
    intermediate, mambaInner: inner, mambaHeads, mambaHeadDim, mambaStateSize: stateSize, mambaGroups: groups,
    mambaConvKernel: convKernel, convDim, inProjWidth: inner + convDim + mambaHeads,
    chunkSize: c.optionalInteger(['chunk_size'], 256),
    useMemRope: c.optionalBoolean(['use_mem_rope'], false),
    ropeTheta,
    useSharedAttentionAdapter: c.optionalBoolean(['use_shared_attention_adapter', 'use_shared_attention_lora'], false),
    useSharedMlpAdapter: c.optionalBoolean(['use_shared_mlp_adapter', 'use_shared_block_lora'], true),
    adapterRank: c.optionalInteger(['adapter_rank', 'lora_rank'], 128),
    rmsNormEps: c.optionalNumber(['rms_norm_eps'], 1e-5),
    tieWordEmbeddings: c.optionalBoolean(['tie_word_embeddings'], true),
    dtMin: options.clampDt ? c.optionalNumber(['time_step_min'], 1e-3) : null,
    maxPositionEmbeddings: c.optionalInteger(['max_position_embeddings'], 4096),
    bosTokenId: c.optionalInteger(['bos_token_id'], 1),
    eosTokenId: c.optionalInteger(['eos_token_id'], 2),
    padTokenId: c.optionalInteger(['pad_token_id'], 0),
    scheme: legacy ? 'legacy' : 'new',
  };
}

/** The shared block used by hybrid invocation j (the j-th hybrid layer): j mod num_mem_blocks. */
export const blockOfInvocation = (c: Zamba2Config, j: number): number => j % c.numMemBlocks;
