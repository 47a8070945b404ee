// The blocks the layouts run, by name: the generic transformer block (block.ts, the default) and Zamba2's
// shared block (zamba2Block.ts), each as a LayoutBlock (blockDescription.ts).
import { valueError } from '../core/errors.js';
import { attendAndProject, blockForward, headDim, initBlock, projectKV, swiglu, validateBlockConfig, WEIGHT_NAMES, weightShapes, type BlockConfig, type BlockWeights } from './block.js';
import type { LayoutBlock } from './blockDescription.js';
import { headShardSpecs } from './sharding.js';
import { zamba2LayoutBlock, type Zamba2BlockChoice } from './zamba2Block.js';

/** Which block a layout runs (JSON, it crosses into worker threads); BlockConfig gives the dims. */
export type BlockChoice = { kind: 'transformer' } | Zamba2BlockChoice;
export const BLOCK_KINDS = ['transformer', 'zamba2'] as const;

/** The transformer block: H = X + Attn(X), Y = H + SwiGLU(H); every weight cut by heads or FFN columns. */
export function transformerLayoutBlock(cfg: BlockConfig): LayoutBlock {
  validateBlockConfig(cfg);
  return {
    kind: 'transformer', batch: cfg.batch, seq: cfg.seq, hidden: cfg.hidden, dtype: cfg.dtype,
    inputs: [{ name: 'x', width: cfg.hidden }],
    weightShapes: weightShapes(cfg),
    init: (seed) => initBlock(cfg, seed),
    forward: (x, w) => blockForward(cfg, x, w as BlockWeights),
    shardSpecs: (parts, index, layout) => headShardSpecs(cfg, parts, index, layout),
    attention: {
      pre: null, post: null, residual: true, shardWeights: WEIGHT_NAMES.slice(0, 4), coreWeights: [],
      heads: cfg.heads, kvHeads: cfg.kvHeads, headDim: headDim(cfg),
      keysValues: (u, w) => projectKV(u, w.wk!, w.wv!),
      attend: (u, w, kv, g) => attendAndProject(u, w.wq!, kv, w.wo!, g),
    },
    mlp: {
      pre: null, post: null, residual: true, shardWeights: WEIGHT_NAMES.slice(4), coreWeights: [],
      apply: (u, w) => swiglu(u, w.wg!, w.wu!, w.wd!),
    },
  };
}

export function describeBlock(cfg: BlockConfig, choice: BlockChoice = { kind: 'transformer' }): LayoutBlock {
  switch (choice.kind) {
    case 'transformer': return transformerLayoutBlock(cfg);
    case 'zamba2': return zamba2LayoutBlock(cfg, choice);
    default: throw valueError('parallel', 'block', BLOCK_KINDS.join(' or '), (choice as { kind: unknown }).kind);
  }
}
