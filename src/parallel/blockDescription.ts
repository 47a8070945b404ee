// What a parallel layout needs to know about a block, so that one TP×SP mesh program (layouts/mesh.ts) and
// one TSP program (layouts/tsp.ts) run any block built from the engine's sequence layers: the generic
// transformer block (block.ts) and Zamba2's shared block (zamba2Block.ts). A block is two sublayers,
// attention then MLP, each of the form
//   u = pre(x)                token-wise, replicated weights (e.g. an RMSNorm); identity when null     [b, n, c]
//   s = Σ_shards core_i(u)    the part that splits over weight shards (heads, FFN columns)           [b, n, hidden]
//   y = post(s) (+ x)         token-wise, replicated weights (e.g. Zamba2's per-layer linear); optional residual
// Σ_i core_i(u) = core(u) because every core ends in a linear map whose input rows (heads, FFN columns) the
// shards split (Megatron's column/row pairing), so any layout that sums the shards' outputs is exact.
// The attention core splits once more, for the sequence layouts:
//   kv_i = keysValues(u, W_i, positions)   K (position-encoded at the tokens' global positions) | V of
//                                          the local tokens [b, n, 2·kvHeads_i·headDim], gathered over the sequence
//   core_i = attend(u, W_i, kv_i, geom)     queries of the local tokens, causal attention, output projection
// Weights inside a core are of two kinds: `shardWeights` are cut by `shardSpecs` (their gradient covers the
// shard), `coreWeights` are replicated (e.g. LoRA down projections) and get a partial gradient from every
// shard. Gradient sums a layout must do (T = tensor-parallel group, S = sequence group):
//   shard weights   over ranks with the same shard and other tokens          (mesh: S;   TSP: to the owner)
//   core weights    over every rank (other shards and other tokens)           (mesh: all; TSP: all)
//   pre/post        over ranks with other tokens (a TP rank runs them on full, all-reduced tensors)
//                                                                             (mesh: S;   TSP: all)
import type { FloatDType } from '../core/dtype.js';
import type { AttentionGeometry } from '../nn/sequence/index.js';
import type { Tensor } from '../tensor/index.js';
import type { ShardSpec } from './sharding.js';

/** Tensors by weight name (full weights, or one rank's shards and replicated copies). */
export type Weights = Readonly<Record<string, Tensor>>;

/** A token-wise stage with replicated weights. */
export interface TokenStage {
  readonly weights: readonly string[];
  apply(x: Tensor, w: Weights): Tensor;
}

export interface SublayerParts {
  readonly pre: TokenStage | null;
  /** Weights cut into shards, in the order a TSP broadcast or ring packs them. */
  readonly shardWeights: readonly string[];
  /** Replicated weights used inside the core (partial gradient per shard). */
  readonly coreWeights: readonly string[];
  readonly post: TokenStage | null;
  /** y = x + post(s) (input and output widths equal) instead of y = post(s). */
  readonly residual: boolean;
}

export interface AttentionParts extends SublayerParts {
  /** Query and KV heads and head dim of the whole block (shards take heads/parts, kvHeads/parts). */
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** softmax scale (default 1/√headDim) */
  readonly scale?: number;
  /** u [b, n, c] of the tokens at `positions` → K | V [b, n, 2·k·headDim] for the k KV heads of the shard in `w`. */
  keysValues(u: Tensor, w: Weights, positions: readonly number[]): Tensor;
  /** u [b, n, c], kv [b, n_k, 2·k·headDim] at geom.kPos → the shard's partial output [b, n, hidden]. */
  attend(u: Tensor, w: Weights, kv: Tensor, geom: AttentionGeometry): Tensor;
}

export interface MlpParts extends SublayerParts {
  /** u [b, n, c] → the shard's partial output [b, n, hidden]. */
  apply(u: Tensor, w: Weights): Tensor;
}

/** A block as the layouts run it (see the top of this file). */
export interface LayoutBlock {
  readonly kind: string;
  readonly batch: number;
  readonly seq: number;
  readonly hidden: number;
  readonly dtype: FloatDType;
  /** The block input X [b, s, Σ widths] is these inputs side by side on the last axis (dX likewise). */
  readonly inputs: readonly { name: string; width: number }[];
  /** Every weight (full shapes) in a fixed order. */
  readonly weightShapes: Readonly<Record<string, readonly number[]>>;
  /** Deterministic X, the output cotangent dY [b, s, hidden] and the full weights from `seed`. */
  init(seed: number): { x: Tensor; dy: Tensor; weights: Weights };
  /** The whole block on one device, written as a straight line of the engine's layers (the reference). */
  forward(x: Tensor, w: Weights): Tensor;
  /** A spec for every weight (axis null: replicated) of weight shard `index` of `parts`; uneven cuts are errors naming `layout`. */
  shardSpecs(parts: number, index: number, layout: string): ShardSpec[];
  readonly attention: AttentionParts;
  readonly mlp: MlpParts;
}

/** Width of the block input X. */
export function inputWidth(block: LayoutBlock): number {
  return block.inputs.reduce((s, p) => s + p.width, 0);
}

/** The weights a sublayer's core reads (shards and replicated), and those of its token-wise stages. */
export function coreNames(part: SublayerParts): string[] {
  return [...part.shardWeights, ...part.coreWeights];
}

export function stageNames(part: SublayerParts): string[] {
  return [...(part.pre?.weights ?? []), ...(part.post?.weights ?? [])];
}
