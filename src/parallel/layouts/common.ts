// What every layout's rank program takes and returns, and small helpers they share.
import type { FloatArray } from '../../core/dtype.js';
import { add, noGrad, Tensor } from '../../tensor/index.js';
import type { BlockConfig, BlockWeights } from '../block.js';
import { initBlock } from '../block.js';
import type { Communicator } from '../communicator.js';
import { cutWeight, packArrays, type ShardSpec } from '../sharding.js';

/** JSON-serialisable arguments of a layout's rank program (they cross into worker threads). */
export interface LayoutArgs {
  cfg: BlockConfig;
  seed: number;
  /** Tensor-parallel degree T of the tpsp mesh (T·S = ranks). */
  tp?: number;
  /** TSP only: K/V all-gather per bucket of this many KV-head groups per rank (default 1). */
  headBuckets?: number;
}

/** A gradient shard and where it sits in the full weight. */
export interface GradShard {
  spec: ShardSpec;
  data: FloatArray;
}

/** One rank's outputs: its rows of Y and dX (at `positions`), its weight-gradient shards, and time. */
export interface RankBlockResult {
  positions: number[];
  y: FloatArray;
  dx: FloatArray;
  grads: GradShard[];
  seconds: number;
}

/** Every rank builds the same full X, dY and weights from the seed (tiny test sizes), then keeps its shards. */
export function fullBlock(args: LayoutArgs): { x: Tensor; dy: Tensor; weights: BlockWeights } {
  return initBlock(args.cfg, args.seed);
}

/** Cut the shards a rank owns and record them as resident weights. */
export function ownShards(comm: Communicator, weights: BlockWeights, specs: ShardSpec[]): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const s of specs) {
    const t = cutWeight(weights[s.name], s);
    comm.memory.hold('weights', t.data.byteLength);
    out.set(s.name, t);
  }
  return out;
}

/** Sum over a group, skipping the call for a group of one. */
export async function sumOver(group: Communicator, data: FloatArray): Promise<FloatArray> {
  return group.size > 1 ? group.allReduce(data) : data;
}

export const plus = (a: Tensor, b: Tensor): Tensor => noGrad(() => add(a, b));

/** Pack gradient tensors, sum them over `group` (data-parallel style gradient sync), and label them with their specs. */
export async function syncGradients(group: Communicator, specs: ShardSpec[], grads: Tensor[]): Promise<GradShard[]> {
  const packed = await sumOver(group, packArrays(grads.map((g) => g.data as FloatArray)));
  let o = 0;
  return specs.map((spec, i) => {
    const n = grads[i]!.size;
    const data = packed.slice(o, o + n);
    o += n;
    return { spec, data };
  });
}

export const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
