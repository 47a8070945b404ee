// What every layout's rank program takes and returns, and small helpers they share.
import type { FloatArray } from '../../core/dtype.js';
import { TesseraError } from '../../core/errors.js';
import { add, noGrad, Tensor } from '../../tensor/index.js';
import type { BlockConfig, BlockWeights } from '../block.js';
import { initBlock } from '../block.js';
import type { LayoutBlock, SublayerParts, Weights } from '../blockDescription.js';
import { describeBlock, type BlockChoice } from '../blocks.js';
import type { Communicator } from '../communicator.js';
import { localVjp } from '../localVjp.js';
import type { MemoryMeter } from '../meters.js';
import { cutWeight, packArrays, type ShardSpec } from '../sharding.js';

/** JSON-serialisable arguments of a layout's rank program (they cross into worker threads). */
export interface LayoutArgs {
  cfg: BlockConfig;
  /** The block to run (default the transformer block); tp, sp, tpsp and tsp run any, ulysses the transformer. */
  block?: BlockChoice;
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

/** The block a run describes. */
export function layoutBlock(args: LayoutArgs): LayoutBlock {
  return describeBlock(args.cfg, args.block);
}

/** Every rank builds the same full X, dY and weights from the seed (tiny test sizes), then keeps its shards. */
export function fullBlock(args: LayoutArgs): { x: Tensor; dy: Tensor; weights: BlockWeights } {
  return initBlock(args.cfg, args.seed);
}

/** Cut the shards a rank owns (whole tensors for replicated weights) and record them as resident weights. */
export function ownShards(comm: Communicator, weights: Weights, specs: ShardSpec[]): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const s of specs) {
    const t = cutWeight(weights[s.name]!, s);
    comm.memory.hold('weights', t.data.byteLength);
    out.set(s.name, t);
  }
  return out;
}

/** Cotangents of a piece: of its leading tensors in order, and of its weights by name. */
export interface PieceCotangents {
  lead: Tensor[];
  grads: Record<string, Tensor>;
}

/** localVjp of fn(lead tensors, named weights) with every weight in `names` differentiated. */
export function vjpWith(mem: MemoryMeter, fn: (lead: Tensor[], w: Weights) => Tensor, lead: Tensor[], names: readonly string[], w: Weights): [Tensor, (g: Tensor) => PieceCotangents] {
  const n = lead.length;
  const [out, pull] = localVjp(mem, (...args) => fn(args.slice(0, n), Object.fromEntries(names.map((name, i) => [name, args[n + i]!]))), ...lead, ...names.map((name) => w[name]!));
  return [out, (g) => {
    const all = pull(g);
    return { lead: all.slice(0, n), grads: Object.fromEntries(names.map((name, i) => [name, all[n + i]!])) };
  }];
}

/** A token-wise stage (pre or post) run with its pullback; the identity when the sublayer has none. */
export function stageVjp(mem: MemoryMeter, stage: SublayerParts['pre'], x: Tensor, w: Weights): [Tensor, (g: Tensor) => PieceCotangents] {
  if (!stage) return [x, (g) => ({ lead: [g], grads: {} })];
  return vjpWith(mem, ([xx], ww) => stage.apply(xx!, ww), [x], stage.weights, w);
}

/** Gradients summed by weight name. */
export class GradientSums {
  readonly sums = new Map<string, Tensor>();
  add(grads: Readonly<Record<string, Tensor>>): void {
    for (const [name, g] of Object.entries(grads)) {
      const prev = this.sums.get(name);
      this.sums.set(name, prev ? plus(prev, g) : g);
    }
  }
  get(name: string): Tensor {
    const g = this.sums.get(name);
    if (!g) throw new TesseraError('value', 'parallel layout', `no gradient was computed for weight ${name}`);
    return g;
  }
}

/** Sum over a group, skipping the call for a group of one. */
export async function sumOver(group: Communicator, data: FloatArray): Promise<FloatArray> {
  return group.size > 1 ? group.allReduce(data) : data;
}

export const plus = (a: Tensor, b: Tensor): Tensor => noGrad(() => add(a, b));

/** Pack gradient tensors, sum them over `group` (data-parallel style gradient sync), and label them with their specs. */
export async function syncGradients(group: Communicator, specs: ShardSpec[], grads: Tensor[]): Promise<GradShard[]> {
  if (specs.length === 0) return [];
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
