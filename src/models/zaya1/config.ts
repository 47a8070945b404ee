// The ZAYA1 configuration: what every ZAYA1 module reads, a loader for Hugging Face config.json
// (model_type "zaya", Zyphra/transformers models/zaya/configuration_zaya.py) and for tessera's own JSON,
// the ZAYA1-base preset and a tiny config for tests and the character-level demo.
//
// Structure (parallelism.md B.5): `blocks` repetitions of [CCA attention sub-layer, MoE sub-layer].
import { TesseraError } from '../../core/errors.js';
import { HfConfig } from '../../io/hfConfig.js';

export interface Zaya1Config {
  vocab: number;
  hidden: number;
  /** CCA + MoE block pairs (ZAYA1-base: 40, i.e. 80 sub-layers). */
  blocks: number;
  /** Attention heads before compression: d_h = hidden / heads (ZAYA1: 16 → 128). */
  heads: number;
  /** Compressed query heads (8) and key/value heads (2). */
  qHeads: number;
  kvHeads: number;
  /** Experts per MoE layer, the post-activation expert width f (fc1 is h → 2f, fc2 f → h), top-k. */
  experts: number;
  expertFfn: number;
  topK: number;
  /** Router latent R (down-projection width). */
  routerDim: number;
  /** Causal conv kernel sizes of CCA's depthwise and grouped convolutions. */
  convKernels: [number, number];
  /** Fraction of each head's channels that get RoPE. */
  rotaryFraction: number;
  ropeTheta: number;
  normEps: number;
  /** Depth averaging of router states (EDA), residual scaling, tied embeddings, biases on attention linears. */
  useEda: boolean;
  scaleResidual: boolean;
  tiedEmbeddings: boolean;
  attentionBias: boolean;
}

export const ZAYA1_BASE: Zaya1Config = {
  vocab: 262_272, hidden: 2048, blocks: 40, heads: 16, qHeads: 8, kvHeads: 2, experts: 16, expertFfn: 2048, topK: 1,
  routerDim: 256, convKernels: [2, 2], rotaryFraction: 0.5, ropeTheta: 10_000, normEps: 1e-5,
  useEda: true, scaleResidual: true, tiedEmbeddings: true, attentionBias: false,
};

/** A model small enough to train on two cores in a test: same structure, tiny widths. */
export const ZAYA1_TINY: Zaya1Config = {
  ...ZAYA1_BASE, vocab: 64, hidden: 32, blocks: 2, heads: 4, qHeads: 2, kvHeads: 1, experts: 4, expertFfn: 32, routerDim: 16,
};

export function headDim(c: Zaya1Config): number {
  return c.hidden / c.heads;
}

const KEYS = Object.keys(ZAYA1_BASE) as (keyof Zaya1Config)[];

const OP = 'loadZaya1Config';

function fail(where: string, msg: string): never {
  throw new TesseraError('format', OP, `${where}: ${msg}`);
}

/** Check the structural constraints; returns the config. */
export function validateZaya1Config(c: Zaya1Config, where = 'config'): Zaya1Config {
  for (const k of KEYS) {
    const v = c[k], d = ZAYA1_BASE[k];
    if (typeof v !== typeof d || (Array.isArray(d) && !(Array.isArray(v) && v.length === 2))) fail(where, `${k} expected ${Array.isArray(d) ? 'two numbers' : typeof d}, got ${JSON.stringify(v)}`);
  }
  const positive = ['vocab', 'hidden', 'blocks', 'heads', 'qHeads', 'kvHeads', 'experts', 'expertFfn', 'topK', 'routerDim'] as const;
  for (const k of positive) if (!Number.isInteger(c[k]) || c[k] < 1) fail(where, `${k} expected a positive integer, got ${c[k]}`);
  if (c.hidden % c.heads !== 0) fail(where, `hidden (${c.hidden}) expected divisible by heads (${c.heads})`);
  if (c.qHeads % c.kvHeads !== 0) fail(where, `qHeads (${c.qHeads}) expected a multiple of kvHeads (${c.kvHeads})`);
  if ((c.kvHeads * headDim(c)) % 2 !== 0) fail(where, `kvHeads·d_h expected even (the value is two halves), got ${c.kvHeads * headDim(c)}`);
  if (c.topK > c.experts) fail(where, `topK (${c.topK}) expected at most experts (${c.experts})`);
  return c;
}

/**
 * A config from parsed JSON (or an HfConfig from io's readHfConfig): either tessera's own field names (any subset; the rest from ZAYA1_BASE) or a
 * Hugging Face ZAYA config.json (model_type "zaya": zaya_layers, cca_num_q_heads, ffn_hidden_size_list, …).
 */
export function parseZaya1Config(json: unknown, where = 'config.json'): Zaya1Config {
  const c = HfConfig.of(json, where, OP);
  if (c.values.model_type !== 'zaya') {
    const unknown = Object.keys(c.values).filter((k) => !KEYS.includes(k as keyof Zaya1Config));
    if (unknown.length > 0) fail(c.where, `unknown fields ${unknown.join(', ')} (expected tessera's fields ${KEYS.join(', ')} or a Hugging Face config with model_type "zaya")`);
    return validateZaya1Config({ ...ZAYA1_BASE, ...(c.values as Partial<Zaya1Config>) }, c.where);
  }
  const num = (k: string, fallback: number) => c.optionalNumber(k, fallback);
  const moeLayers = c.optionalList('zaya_layers')?.filter((x) => typeof x === 'number');
  const fc1 = c.firstPositive('ffn_hidden_size_list') ?? num('ffn_hidden_size', 2 * ZAYA1_BASE.expertFfn);
  return validateZaya1Config({
    vocab: num('vocab_size', ZAYA1_BASE.vocab), hidden: num('hidden_size', ZAYA1_BASE.hidden),
    blocks: moeLayers ? moeLayers.length : num('num_hidden_layers', 2 * ZAYA1_BASE.blocks) / 2,
    heads: num('num_attention_heads', ZAYA1_BASE.heads),
    qHeads: c.firstPositive('cca_num_q_heads') ?? num('num_attention_heads', ZAYA1_BASE.heads) / 2,
    kvHeads: c.firstPositive('num_query_groups_list') ?? num('num_key_value_heads', ZAYA1_BASE.kvHeads),
    experts: (moeLayers?.[0] as number | undefined) ?? ZAYA1_BASE.experts,
    expertFfn: c.optionalBoolean('gated_linear_unit', true) ? fc1 / 2 : fc1, topK: num('moe_router_topk', 1),
    routerDim: c.firstPositive('zaya_mlp_expansion') ?? ZAYA1_BASE.routerDim,
    convKernels: [2, 2], rotaryFraction: num('partial_rotary_factor', 0.5), ropeTheta: num('rope_theta', 10_000), normEps: num('norm_epsilon', 1e-5),
    useEda: c.optionalBoolean('zaya_use_eda', true), scaleResidual: c.optionalBoolean('scale_residual_merge', true),
    tiedEmbeddings: c.optionalBoolean('tie_word_embeddings', true), attentionBias: c.optionalBoolean('attention_bias', false),
  }, c.where);
}
