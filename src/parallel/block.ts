// The transformer block every layout shards, and its single-device reference:
//   H = X + Attn(X),  Y = H + SwiGLU(H),  Attn = causal (grouped-query) attention, no biases.
// Shapes: X [b, s, h]; Wq [h, a·d]; Wk, Wv [h, k·d]; Wo [a·d, h]; Wg, Wu [h, f]; Wd [f, h];
// d = h/a, k = KV heads (k divides a; query head i reads KV head ⌊i/(a/k)⌋).
// Norms are left out: they are token-wise, so every layout applies them locally, and they would
// add only an h-element gradient sum to the sequence-sharded layouts.
// The pieces (projectKV, attendAndProject, swiglu) are the engine's sequence layers (nn/sequence:
// causalAttention, gatedProduct), so the gradients come from autograd; the layouts call the same pieces on
// their shards.
import type { FloatDType } from '../core/dtype.js';
import { valueError } from '../core/errors.js';
import { causalAttention, gatedProduct, type AttentionGeometry } from '../nn/sequence/index.js';
import { add, concat, cotangents, matmul, random, slice, Tensor } from '../tensor/index.js';

export type { AttentionGeometry } from '../nn/sequence/index.js';

export interface BlockConfig {
  batch: number;
  seq: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  dtype: FloatDType;
}

export const WEIGHT_NAMES = ['wq', 'wk', 'wv', 'wo', 'wg', 'wu', 'wd'] as const;
export type WeightName = (typeof WEIGHT_NAMES)[number];
export type BlockWeights = Record<WeightName, Tensor>;

export function headDim(cfg: BlockConfig): number {
  return cfg.hidden / cfg.heads;
}

/** Check the block's own constraints (layout-specific divisibility is checked by each layout). */
export function validateBlockConfig(cfg: BlockConfig): void {
  for (const k of ['batch', 'seq', 'hidden', 'heads', 'kvHeads', 'ffn'] as const) {
    if (!(Number.isInteger(cfg[k]) && cfg[k] >= 1)) throw valueError('block', k, 'a positive integer', cfg[k]);
  }
  if (cfg.hidden % cfg.heads !== 0) throw valueError('block', 'hidden', `a multiple of heads (${cfg.heads})`, cfg.hidden);
  if (cfg.heads % cfg.kvHeads !== 0) throw valueError('block', 'kvHeads', `a divisor of heads (${cfg.heads})`, cfg.kvHeads);
  if (cfg.dtype !== 'f32' && cfg.dtype !== 'f64') throw valueError('block', 'dtype', 'f32 or f64', cfg.dtype);
}

/** Weight shapes of the full block. */
export function weightShapes(cfg: BlockConfig): Record<WeightName, [number, number]> {
  const { hidden: h, ffn: f } = cfg, d = headDim(cfg), qd = cfg.heads * d, kd = cfg.kvHeads * d;
  return { wq: [h, qd], wk: [h, kd], wv: [h, kd], wo: [qd, h], wg: [h, f], wu: [h, f], wd: [f, h] };
}

/** Parameters of one block. */
export function blockParameterCount(cfg: BlockConfig): number {
  return Object.values(weightShapes(cfg)).reduce((s, [r, c]) => s + r * c, 0);
}

/** Deterministic input X, output cotangent dY and weights from `seed` (every rank makes the same). */
export function initBlock(cfg: BlockConfig, seed: number): { x: Tensor; dy: Tensor; weights: BlockWeights } {
  validateBlockConfig(cfg);
  const keys = random.split(random.key(seed), 2 + WEIGHT_NAMES.length);
  const shape = [cfg.batch, cfg.seq, cfg.hidden];
  const x = random.normal(keys[0]!, shape, { dtype: cfg.dtype });
  const dy = random.normal(keys[1]!, shape, { dtype: cfg.dtype });
  const shapes = weightShapes(cfg);
  const weights = Object.fromEntries(WEIGHT_NAMES.map((n, i) => [n, random.normal(keys[2 + i]!, shapes[n], { dtype: cfg.dtype, std: 1 / Math.sqrt(shapes[n][0]) })])) as BlockWeights;
  return { x, dy, weights };
}

/** K and V of `x` [b, n, h] packed on the last axis: [b, n, 2·kh·d] (K first). */
export function projectKV(x: Tensor, wk: Tensor, wv: Tensor): Tensor {
  return concat([matmul(x, wk), matmul(x, wv)], 2);
}

/**
 * Causal attention of queries q [b, n_q, hq·d] against packed kv [b, n_k, 2·hk·d] (K first): the engine's
 * causalAttention on the two halves. Returns [b, n_q, hq·d].
 */
export function attentionCore(q: Tensor, kv: Tensor, g: AttentionGeometry): Tensor {
  const [b, nk] = kv.shape as [number, number, number];
  const kw = g.kvHeads * g.headDim;
  return causalAttention(q, slice(kv, [0, 0, 0], [b, nk, kw]), slice(kv, [0, 0, kw], [b, nk, 2 * kw]), g);
}

/** Attention of the local tokens x [b, n, h] for one head shard, projected by Wo (rows of the shard): [b, n, h]. */
export function attendAndProject(x: Tensor, wq: Tensor, kv: Tensor, wo: Tensor, g: AttentionGeometry): Tensor {
  return matmul(attentionCore(matmul(x, wq), kv, g), wo);
}

/** The gated MLP on a column shard of Wg, Wu and the matching row shard of Wd: (silu(h·Wg) ⊙ h·Wu)·Wd. */
export function swiglu(h: Tensor, wg: Tensor, wu: Tensor, wd: Tensor): Tensor {
  return matmul(gatedProduct(matmul(h, wg), matmul(h, wu), 'silu'), wd);
}

/** The whole block on one device. */
export function blockForward(cfg: BlockConfig, x: Tensor, w: BlockWeights): Tensor {
  const pos = Array.from({ length: cfg.seq }, (_, i) => i);
  const g: AttentionGeometry = { qPos: pos, kPos: pos, heads: cfg.heads, kvHeads: cfg.kvHeads, headDim: headDim(cfg) };
  const h = add(x, attendAndProject(x, w.wq, projectKV(x, w.wk, w.wv), w.wo, g));
  return add(h, swiglu(h, w.wg, w.wu, w.wd));
}

/**
 * The single-device reference of any block `forward` over named weights: Y, and dX and every weight gradient
 * for the cotangent dY (autograd through the engine's layers).
 */
export function referenceGradients(
  forward: (x: Tensor, w: Readonly<Record<string, Tensor>>) => Tensor, x: Tensor, weights: Readonly<Record<string, Tensor>>, dy: Tensor,
): { y: Tensor; dx: Tensor; grads: Record<string, Tensor> } {
  const names = Object.keys(weights);
  const leaf = (t: Tensor): Tensor => new Tensor(t.data, t.shape, { requiresGrad: true });
  const xl = leaf(x), wl = Object.fromEntries(names.map((n) => [n, leaf(weights[n]!)]));
  const y = forward(xl, wl);
  const grads = cotangents(y, dy);
  const g = (t: Tensor): Tensor => grads.get(t) ?? new Tensor(new (t.data.constructor as Float32ArrayConstructor)(t.size), t.shape);
  return { y: new Tensor(y.data, y.shape), dx: g(xl), grads: Object.fromEntries(names.map((n) => [n, g(wl[n]!)])) };
}

/** The single-device reference of the transformer block: Y, and dX and every weight gradient for the cotangent dY. */
export function referenceBlock(cfg: BlockConfig, x: Tensor, w: BlockWeights, dy: Tensor): { y: Tensor; dx: Tensor; grads: BlockWeights } {
  const r = referenceGradients((xx, ww) => blockForward(cfg, xx, ww as BlockWeights), x, w, dy);
  return { y: r.y, dx: r.dx, grads: r.grads as BlockWeights };
}
