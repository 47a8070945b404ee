// A ModelShape from a Hugging Face config.json. Dense decoders (Llama-style keys, GPT-2 aliases) are mapped
// here; ZAYA1 (model_type "zaya") and Zamba2 (model_type "zamba2") go through their models' own config
// parsers (models/zaya1/config.ts, models/zamba2/config.ts), so each family's keys are read in one place.
// Every key is read through io's HfConfig, so errors name the file and the key.
import type { ModelShape } from '../core/modelShape.js';
import { HfConfig } from '../io/hfConfig.js';
import { parseJsonText } from '../io/jsonText.js';
import { headDim, parseZaya1Config } from '../models/zaya1/config.js';
import { parseZamba2Config } from '../models/zamba2/config.js';

const OP = 'shapeFromHfConfig';

/** `config`: parsed JSON or an HfConfig (io's readHfConfig); `where` names it in errors. */
export function shapeFromHfConfig(config: unknown, where = 'config.json'): ModelShape {
  const c = HfConfig.of(config, where, OP);
  const type = c.optionalString('model_type') ?? 'transformer';
  const source = `${c.where} (model_type ${type})`;
  if (type === 'zaya') {
    const z = parseZaya1Config(c);
    return {
      name: `ZAYA (${c.where})`, family: 'zaya1', hidden: z.hidden, layers: z.blocks, vocab: z.vocab,
      heads: z.qHeads, kvHeads: z.kvHeads, headDim: headDim(z), ffn: 0,
      experts: z.experts, expertFfn: z.expertFfn, topK: z.topK, routerDim: z.routerDim, source,
    };
  }
  if (type === 'zamba2') {
    const z = parseZamba2Config(c);
    return {
      name: `Zamba2 (${c.where})`, family: 'zamba2', hidden: z.hidden, layers: z.layers, vocab: z.vocabSize,
      heads: z.attentionHeads, kvHeads: z.kvHeads, headDim: z.attentionHeadDim, ffn: z.intermediate,
      mamba: { dInner: z.mambaInner, heads: z.mambaHeads, dState: z.mambaStateSize, groups: z.mambaGroups },
      hybridLayers: z.hybridLayerIds.length, adapterRank: z.adapterRank, source,
    };
  }
  const hidden = c.requireNumber(['hidden_size', 'd_model', 'n_embd']);
  const heads = c.requireNumber(['num_attention_heads', 'n_head']);
  return {
    name: `${type} (${c.where})`, family: 'transformer', hidden, layers: c.requireNumber(['num_hidden_layers', 'n_layer']),
    vocab: c.requireNumber('vocab_size'), heads, kvHeads: c.optionalNumber('num_key_value_heads', heads),
    headDim: c.optionalNumber('head_dim', hidden / heads),
    // SwiGLU's usual width when the file has none: 8h/3.
    ffn: c.optionalNumber(['intermediate_size', 'ffn_hidden_size'], Math.round((8 * hidden) / 3)), source,
  };
}

/**
 * A model from a settings object that is either a Hugging Face config.json (it has model_type or hidden_size:
 * read by shapeFromHfConfig) or tessera's own keys (hidden, layers, heads, ffn, vocab; optional kvHeads, name) —
 * what `tessera parallel plan --model FILE` reads and the planner page takes pasted. Errors name c.where and c.op.
 */
export function modelShapeFromConfig(c: HfConfig): ModelShape {
  if (c.has(['model_type', 'hidden_size'])) return shapeFromHfConfig(c, c.where);
  const hidden = c.requireNumber('hidden'), heads = c.requireNumber('heads');
  return {
    name: c.optionalString('name') ?? c.where, family: 'transformer', source: c.where,
    hidden, heads, headDim: hidden / heads, kvHeads: c.optionalNumber('kvHeads', heads),
    layers: c.requireNumber('layers'), ffn: c.requireNumber('ffn'), vocab: c.requireNumber('vocab'),
  };
}

/** modelShapeFromConfig of JSON text (a pasted config.json); `where` (e.g. "config.json") and `op` name it in errors. */
export function modelShapeFromConfigText(text: string, where: string, op: string): ModelShape {
  return modelShapeFromConfig(HfConfig.of(parseJsonText(text, where, op), where, op));
}
