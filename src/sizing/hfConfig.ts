// A ModelShape from a Hugging Face config.json (already parsed): Llama-style dense decoders, ZAYA1
// (model_type "zaya") and Zamba2 (model_type "zamba2", new and legacy keys).
import { TesseraError } from '../core/errors.js';
import type { ModelShape } from '../core/modelShape.js';

type Json = Record<string, unknown>;

function num(c: Json, keys: readonly string[], where: string, fallback?: number): number {
  for (const k of keys) {
    const v = c[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  if (fallback !== undefined) return fallback;
  throw new TesseraError('format', 'shapeFromHfConfig', `${where}: expected a number under ${keys.map((k) => JSON.stringify(k)).join(' or ')}, got none`);
}

/** First positive entry of a per-layer list (ZAYA1 stores CCA and MoE widths per sub-layer, 0 where absent). */
function firstPositive(c: Json, key: string, where: string): number | undefined {
  const v = c[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new TesseraError('format', 'shapeFromHfConfig', `${where}: ${key} expected a list of numbers, got ${typeof v}`);
  return v.find((x): x is number => typeof x === 'number' && x > 0);
}

export function shapeFromHfConfig(config: unknown, where = 'config.json'): ModelShape {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TesseraError('format', 'shapeFromHfConfig', `${where}: expected a JSON object, got ${Array.isArray(config) ? 'an array' : typeof config}`);
  }
  const c = config as Json;
  const type = typeof c.model_type === 'string' ? c.model_type : 'transformer';
  const hidden = num(c, ['hidden_size', 'd_model', 'n_embd'], where);
  const vocab = num(c, ['vocab_size'], where);
  const heads = num(c, ['num_attention_heads', 'n_head'], where);
  const source = `${where} (model_type ${type})`;
  if (type === 'zaya') {
    const layers = Array.isArray(c.zaya_layers) ? c.zaya_layers.filter((x) => typeof x === 'number').length : num(c, ['num_hidden_layers'], where) / 2;
    const qHeads = firstPositive(c, 'cca_num_q_heads', where) ?? heads / 2;
    const kvHeads = firstPositive(c, 'num_query_groups_list', where) ?? num(c, ['num_key_value_heads'], where);
    const fc1 = firstPositive(c, 'ffn_hidden_size_list', where) ?? num(c, ['ffn_hidden_size'], where);
    const experts = Array.isArray(c.zaya_layers) ? (c.zaya_layers.find((x) => typeof x === 'number') as number | undefined) ?? 16 : num(c, ['num_experts'], where, 16);
    return {
      name: `ZAYA (${where})`, family: 'zaya1', hidden, layers, vocab, heads: qHeads, kvHeads, headDim: hidden / heads, ffn: 0,
      experts, expertFfn: c.gated_linear_unit === false ? fc1 : fc1 / 2, topK: num(c, ['moe_router_topk'], where, 1),
      routerDim: firstPositive(c, 'zaya_mlp_expansion', where) ?? 256, source,
    };
  }
  if (type === 'zamba2') {
    const layers = num(c, ['num_hidden_layers'], where);
    const dInner = num(c, ['mamba_expand'], where, 2) * hidden;
    const hybridIds = Array.isArray(c.hybrid_layer_ids) ? c.hybrid_layer_ids.length
      : Array.isArray(c.layers_block_type) ? c.layers_block_type.filter((t) => t === 'hybrid' || t === 'g').length : 0;
    return {
      name: `Zamba2 (${where})`, family: 'zamba2', hidden, layers, vocab, heads, kvHeads: num(c, ['num_key_value_heads'], where, heads),
      headDim: num(c, ['attention_head_dim'], where, (2 * hidden) / heads), ffn: num(c, ['intermediate_size', 'ffn_hidden_size'], where),
      mamba: { dInner, heads: num(c, ['n_mamba_heads'], where, dInner / num(c, ['mamba_headdim'], where, 64)), dState: num(c, ['mamba_d_state', 'state_size'], where), groups: num(c, ['mamba_ngroups'], where, 1) },
      hybridLayers: hybridIds, adapterRank: num(c, ['adapter_rank', 'lora_rank'], where, 128), source,
    };
  }
  const kvHeads = num(c, ['num_key_value_heads'], where, heads);
  return {
    name: `${type} (${where})`, family: 'transformer', hidden, layers: num(c, ['num_hidden_layers', 'n_layer'], where), vocab, heads, kvHeads,
    headDim: num(c, ['head_dim'], where, hidden / heads), ffn: num(c, ['intermediate_size', 'ffn_hidden_size'], where, Math.round((8 * hidden) / 3)), source,
  };
}
