// A tiny Zamba2 configuration with every feature switched on: two shared blocks (ABAB), grouped B/C,
// rotary, attention and MLP adapters, and a chunk size of 4 so that short prompts span several SSD chunks.
export function tinyZamba2ConfigJson(vocabSize: number): Record<string, unknown> {
  return {
    architectures: ['Zamba2ForCausalLM'], model_type: 'zamba2', vocab_size: vocabSize, hidden_size: 32, num_hidden_layers: 5,
    layers_block_type: ['mamba', 'hybrid', 'mamba', 'hybrid', 'hybrid'], hybrid_layer_ids: [1, 3, 4],
    num_mem_blocks: 2, num_attention_heads: 4, num_key_value_heads: 4, attention_head_dim: 16, intermediate_size: 48,
    mamba_d_state: 8, mamba_d_conv: 4, mamba_expand: 2, mamba_headdim: 8, n_mamba_heads: 8, mamba_ngroups: 2, chunk_size: 4,
    use_mem_rope: true, rope_theta: 10000, use_shared_attention_adapter: true, use_shared_mlp_adapter: true, adapter_rank: 4,
    rms_norm_eps: 1e-5, hidden_act: 'gelu', tie_word_embeddings: true, use_conv_bias: true, add_bias_linear: false,
    max_position_embeddings: 4096, bos_token_id: 1, eos_token_id: 2, pad_token_id: 0, torch_dtype: 'float32',
  };
}
