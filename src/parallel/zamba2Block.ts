// Zamba2's shared transformer block (research/zamba2.md §A3) with the hybrid layer's own linear and the
// adapters of one invocation j, as the parallel layouts run it (h = hidden, a/k query/KV heads,
// d = 2h/a the attention head dim, I = intermediate, r = adapter rank, L = b·s tokens):
//   x = RMSNorm_2h([h, e])                                                               [b, s, 2h]
//   q = x·Wqᵀ + (x·Aqᵀ)·Bqᵀ, k and v likewise (LoRA before RoPE)                          [b, s, a·d], [b, s, k·d]
//   q, k ← rotate-half RoPE over the full head dim at the global positions (when ropeTheta is set)
//   a = causalAttention(q, k, v; scale (d/2)^−1/2, GQA)·Woᵀ                               [b, s, h]
//   m = gatedMlp(RMSNorm_h(a); gate_up [2I, h] gate rows first, down [h, I], GELU, LoRA (mA, mB) on gate_up)
//   t = m·Lᵀ (the hybrid layer's linear [h, h]); no residual inside the block               [b, s, h]
// Weights are PyTorch Linears [out, in] as in the checkpoint (§A5). The block input X is [h | e] on the
// last axis, so dX holds dh | de. model.ts runs the same layers with a KV cache (models/ may not be
// imported here; the PyTorch golden of test/zamba2/blockGolden.test.ts checks both).
// Sharding (layout description in blockDescription.ts): q, k, v, Bq, Bk, Bv by rows and Wo by columns
// with their heads; gate_up and mB by rows as gate and up halves (blocks = 2), down by columns, with the
// FFN columns; the norms, the LoRA down projections (Aq, Ak, Av, mA) and the linear replicated.
import type { FloatDType } from '../core/dtype.js';
import { valueError } from '../core/errors.js';
import { rmsNorm } from '../nn/norm.js';
import { addLora, applyRotary, causalAttention, gatedMlp, positions, rotaryTables, rotaryTablesAt, type RotaryTables } from '../nn/sequence/index.js';
import { concat, matmul, random, reshape, slice, type Tensor } from '../tensor/index.js';
import { attentionCore, type BlockConfig } from './block.js';
import type { LayoutBlock, Weights } from './blockDescription.js';
import { evenRange, type ShardSpec } from './sharding.js';

/** The Zamba2 settings beyond BlockConfig's dims (hidden, heads, kvHeads, ffn = intermediate). */
export interface Zamba2BlockChoice {
  kind: 'zamba2';
  /** rank r of the LoRA adapters (adapter_rank) */
  adapterRank: number;
  /** RoPE base (rope_theta), or null for no RoPE (use_mem_rope false) */
  ropeTheta: number | null;
  /** RMSNorm eps (rms_norm_eps), default 1e-5 */
  eps?: number;
}

export const ZAMBA2_WEIGHT_NAMES = ['inNorm', 'q', 'k', 'v', 'o', 'qA', 'kA', 'vA', 'qB', 'kB', 'vB', 'ffNorm', 'gateUp', 'down', 'mA', 'mB', 'linear'] as const;
export type Zamba2WeightName = (typeof ZAMBA2_WEIGHT_NAMES)[number];

export interface Zamba2Dims {
  hidden: number;
  heads: number;
  kvHeads: number;
  /** attention head dim 2·hidden/heads */
  headDim: number;
  ffn: number;
  rank: number;
  ropeTheta: number | null;
  eps: number;
  /** softmax scale (headDim/2)^−1/2 */
  scale: number;
  dtype: FloatDType;
}

export function zamba2Dims(cfg: BlockConfig, choice: Zamba2BlockChoice): Zamba2Dims {
  for (const k of ['batch', 'seq', 'hidden', 'heads', 'kvHeads', 'ffn'] as const) {
    if (!(Number.isInteger(cfg[k]) && cfg[k] >= 1)) throw valueError('zamba2 block', k, 'a positive integer', cfg[k]);
  }
  if ((2 * cfg.hidden) % cfg.heads !== 0) throw valueError('zamba2 block', 'heads', `a divisor of the attention width 2·hidden (${2 * cfg.hidden})`, cfg.heads);
  if (cfg.heads % cfg.kvHeads !== 0) throw valueError('zamba2 block', 'kvHeads', `a divisor of heads (${cfg.heads})`, cfg.kvHeads);
  if (cfg.dtype !== 'f32' && cfg.dtype !== 'f64') throw valueError('zamba2 block', 'dtype', 'f32 or f64', cfg.dtype);
  if (!(Number.isInteger(choice.adapterRank) && choice.adapterRank >= 1)) throw valueError('zamba2 block', 'adapterRank', 'a positive integer', choice.adapterRank);
  const headDim = (2 * cfg.hidden) / cfg.heads;
  if (choice.ropeTheta !== null && !(choice.ropeTheta > 0 && headDim % 2 === 0)) throw valueError('zamba2 block', 'ropeTheta', `null or a positive base with an even head dim (head dim ${headDim})`, choice.ropeTheta);
  return {
    hidden: cfg.hidden, heads: cfg.heads, kvHeads: cfg.kvHeads, headDim, ffn: cfg.ffn, rank: choice.adapterRank,
    ropeTheta: choice.ropeTheta, eps: choice.eps ?? 1e-5, scale: 1 / Math.sqrt(headDim / 2), dtype: cfg.dtype,
  };
}

/** Full weight shapes (PyTorch Linear [out, in]; norms [width]). */
export function zamba2WeightShapes(z: Zamba2Dims): Record<Zamba2WeightName, number[]> {
  const h = z.hidden, w = 2 * h, qd = z.heads * z.headDim, kd = z.kvHeads * z.headDim, I = z.ffn, r = z.rank;
  return {
    inNorm: [w], q: [qd, w], k: [kd, w], v: [kd, w], o: [h, qd], qA: [r, w], kA: [r, w], vA: [r, w], qB: [qd, r], kB: [kd, r], vB: [kd, r],
    ffNorm: [h], gateUp: [2 * I, h], down: [h, I], mA: [r, h], mB: [2 * I, r], linear: [h, h],
  };
}

/** t [b, n, heads·d] with rotate-half RoPE on every head (identity without tables). */
function rotate(t: Tensor, heads: number, d: number, tables: RotaryTables | null): Tensor {
  if (!tables) return t;
  const [b, n] = t.shape as [number, number, number];
  return reshape(applyRotary(reshape(t, [b, n, heads, d]), tables), [b, n, heads * d]);
}

/** x·Wᵀ + (x·Aᵀ)·Bᵀ: a projection with its LoRA adapter (the model's q/k/v projections). */
const adapted = (x: Tensor, w: Tensor, down: Tensor, up: Tensor): Tensor => addLora(matmul(x, w, { transB: true }), x, { down, up });

/** The shared block on one device (the reference): h, e [b, s, hidden] at positions 0 … s−1 → t [b, s, hidden]. */
export function zamba2SharedBlock(h: Tensor, e: Tensor, w: Weights, z: Zamba2Dims): Tensor {
  const [, s, H] = h.shape as [number, number, number];
  const { heads, kvHeads, headDim: d } = z;
  const x = rmsNorm(concat([h, e], 2), [2 * H], w.inNorm!, z.eps);
  const tables = z.ropeTheta === null ? null : rotaryTables(s, d, z.ropeTheta, 0, z.dtype);
  const q = rotate(adapted(x, w.q!, w.qA!, w.qB!), heads, d, tables);
  const k = rotate(adapted(x, w.k!, w.kA!, w.kB!), kvHeads, d, tables);
  const pos = positions(0, s);
  const a = causalAttention(q, k, adapted(x, w.v!, w.vA!, w.vB!), { qPos: pos, kPos: pos, heads, kvHeads, headDim: d, scale: z.scale });
  const attn = matmul(a, w.o!, { transB: true });
  const m = gatedMlp(rmsNorm(attn, [H], w.ffNorm!, z.eps), { gateUp: w.gateUp!, down: w.down! }, 'gelu', { down: w.mA!, up: w.mB! });
  return matmul(m, w.linear!, { transB: true });
}

/** The Zamba2 shared block as the layouts run it (blockDescription.ts). */
export function zamba2LayoutBlock(cfg: BlockConfig, choice: Zamba2BlockChoice): LayoutBlock {
  const z = zamba2Dims(cfg, choice);
  const { hidden: H, headDim: d } = z;
  const shapes = zamba2WeightShapes(z);
  const tablesAt = (pos: readonly number[]): RotaryTables | null => (z.ropeTheta === null ? null : rotaryTablesAt(pos, d, z.ropeTheta, z.dtype));

  const shardSpecs = (parts: number, index: number, layout: string): ShardSpec[] => {
    const [q0, q1] = evenRange(z.heads, parts, index, 'heads', layout).map((v) => v * d) as [number, number];
    const [k0, k1] = evenRange(z.kvHeads, parts, index, 'kvHeads', layout).map((v) => v * d) as [number, number];
    const [f0, f1] = evenRange(z.ffn, parts, index, 'ffn', layout);
    const rows = (lo: number, hi: number, blocks = 1) => ({ axis: 0 as const, lo, hi, blocks });
    const replicated = { axis: null, lo: 0, hi: 0 };
    const cut: Record<Zamba2WeightName, Omit<ShardSpec, 'name'>> = {
      inNorm: replicated, q: rows(q0, q1), k: rows(k0, k1), v: rows(k0, k1), o: { axis: 1, lo: q0, hi: q1 },
      qA: replicated, kA: replicated, vA: replicated, qB: rows(q0, q1), kB: rows(k0, k1), vB: rows(k0, k1),
      ffNorm: replicated, gateUp: rows(f0, f1, 2), down: { axis: 1, lo: f0, hi: f1 }, mA: replicated, mB: rows(f0, f1, 2), linear: replicated,
    };
    return ZAMBA2_WEIGHT_NAMES.map((name) => ({ name, ...cut[name] }));
  };

  return {
    kind: 'zamba2', batch: cfg.batch, seq: cfg.seq, hidden: H, dtype: cfg.dtype,
    inputs: [{ name: 'h', width: H }, { name: 'e', width: H }],
    weightShapes: shapes,
    init(seed) {
      const keys = random.split(random.key(seed), 2 + ZAMBA2_WEIGHT_NAMES.length);
      const x = random.normal(keys[0]!, [cfg.batch, cfg.seq, 2 * H], { dtype: cfg.dtype });
      const dy = random.normal(keys[1]!, [cfg.batch, cfg.seq, H], { dtype: cfg.dtype });
      const weights = Object.fromEntries(ZAMBA2_WEIGHT_NAMES.map((n, i) => {
        const shape = shapes[n], key = keys[2 + i]!;
        // norms near 1 (so their gradients matter), matrices with unit-variance outputs; LoRA ups non-zero
        return [n, shape.length === 1 ? random.normal(key, shape, { dtype: cfg.dtype, mean: 1, std: 0.2 }) : random.normal(key, shape, { dtype: cfg.dtype, std: 1 / Math.sqrt(shape[1]!) })];
      }));
      return { x, dy, weights };
    },
    forward(x, w) {
      const [b, s] = x.shape as [number, number, number];
      return zamba2SharedBlock(slice(x, [0, 0, 0], [b, s, H]), slice(x, [0, 0, H], [b, s, 2 * H]), w, z);
    },
    shardSpecs,
    attention: {
      pre: { weights: ['inNorm'], apply: (x, w) => rmsNorm(x, [2 * H], w.inNorm!, z.eps) },
      shardWeights: ['q', 'k', 'v', 'o', 'qB', 'kB', 'vB'],
      coreWeights: ['qA', 'kA', 'vA'],
      post: null,
      residual: false,
      heads: z.heads, kvHeads: z.kvHeads, headDim: d, scale: z.scale,
      keysValues(u, w, pos) {
        const tables = tablesAt(pos);
        return concat([rotate(adapted(u, w.k!, w.kA!, w.kB!), w.k!.shape[0]! / d, d, tables), adapted(u, w.v!, w.vA!, w.vB!)], 2);
      },
      attend(u, w, kv, g) {
        const q = rotate(adapted(u, w.q!, w.qA!, w.qB!), g.heads, d, tablesAt(g.qPos));
        return matmul(attentionCore(q, kv, g), w.o!, { transB: true });
      },
    },
    mlp: {
      pre: { weights: ['ffNorm'], apply: (a, w) => rmsNorm(a, [H], w.ffNorm!, z.eps) },
      shardWeights: ['gateUp', 'down', 'mB'],
      coreWeights: ['mA'],
      post: { weights: ['linear'], apply: (m, w) => matmul(m, w.linear!, { transB: true }) },
      residual: false,
      apply: (u, w) => gatedMlp(u, { gateUp: w.gateUp!, down: w.down! }, 'gelu', { down: w.mA!, up: w.mB! }),
    },
  };
}
