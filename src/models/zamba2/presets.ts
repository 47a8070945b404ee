// The three released Zamba2 base models as config.json objects in the new (transformers ≥ 4.48) key scheme
// (research/zamba2.md §A4). Used for parameter counts, cache-size tables and the random-weight benchmark.
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function layerList(layers: number, hybrid: readonly number[]): string[] {
  return range(layers).map((i) => (hybrid.includes(i) ? 'hybrid' : 'mamba'));
}

const common = {
  model_type: 'zamba2', vocab_size: 32000, max_position_embeddings: 4096, num_key_value_heads: 32, num_attention_heads: 32,
  mamba_d_conv: 4, mamba_expand: 2, mamba_headdim: 64, chunk_size: 256, adapter_rank: 128, rms_norm_eps: 1e-5,
  rope_theta: 10000, hidden_act: 'gelu', tie_word_embeddings: true, use_conv_bias: true, add_bias_linear: false,
  bos_token_id: 1, eos_token_id: 2, pad_token_id: 0,
} as const;

export const ZAMBA2_PRESETS = {
  '1.2B': {
    ...common, hidden_size: 2048, num_hidden_layers: 38, layers_block_type: layerList(38, [5, 11, 17, 23, 29, 35]),
    num_mem_blocks: 1, intermediate_size: 8192, attention_head_dim: 128, mamba_d_state: 128, n_mamba_heads: 64, mamba_ngroups: 1,
    use_mem_rope: true, use_shared_attention_adapter: true,
  },
  '2.7B': {
    ...common, hidden_size: 2560, num_hidden_layers: 54, layers_block_type: layerList(54, [6, 12, 18, 24, 30, 36, 42, 47, 51]),
    num_mem_blocks: 2, intermediate_size: 10240, attention_head_dim: 160, mamba_d_state: 64, n_mamba_heads: 80, mamba_ngroups: 1,
    use_mem_rope: false, use_shared_attention_adapter: false,
  },
  '7B': {
    ...common, hidden_size: 3584, num_hidden_layers: 81,
    layers_block_type: layerList(81, [6, 11, 17, 23, 29, 35, 41, 47, 53, 59, 65, 71, 77]),
    num_mem_blocks: 2, intermediate_size: 14336, attention_head_dim: 224, mamba_d_state: 64, n_mamba_heads: 112, mamba_ngroups: 2,
    use_mem_rope: true, use_shared_attention_adapter: false,
  },
} as const;

export type Zamba2PresetName = keyof typeof ZAMBA2_PRESETS;
