// Folded tensor + sequence parallelism (TSP, Shyam, Golubeva & Anthony 2026) on one axis of D ranks, for
// any block of blockDescription.ts (the transformer block, Zamba2's shared block).
// Rank r holds sequence shard r (zigzag) AND weight shard r (a/D query heads, k/D KV heads, f/D
// FFN columns), so weights and activations both shrink by D; replicated weights (norms, LoRA downs,
// Zamba2's linear) are small and held by every rank, their pre/post stages run on the local tokens.
//   attention (forward, the paper's Algorithm 1 as reconstructed in the research note, [2nd]):
//     for j in 0..D−1: broadcast {Wq,Wk,Wv,Wo}_j from rank j; K,V of the local tokens with shard j;
//     all-gather K,V over the sequence; attention of the local queries for the heads of shard j;
//     accumulate the partial output ·Wo_j locally. No all-reduce: outputs stay sequence-sharded.
//   MLP (forward): the {Wg,Wu,Wd} shards circulate in a ring (send to r+1, receive from r−1);
//     each rank accumulates its tokens' output for every shard. Rank r ends holding shard r+1.
//   backward ([recon] in the note, documented here): nothing but X_r and H_r (and the summed core
//     output when a post stage follows it) is kept from the forward pass; each piece is recomputed
//     ("recompute retransmission").
//     MLP: the ring runs the other way (send to r−1), each weight shard travelling with a gradient
//     accumulator that collects every rank's token contribution and lands on the shard's owner.
//     attention: for each j, re-broadcast W_j, recompute K/V and re-gather them, pull the output
//     gradient back, reduce-scatter dK/dV to their sequence owners, and reduce dW_j to owner j.
//     Replicated weights: every rank's gradient covers its tokens (and, inside a core, every shard),
//     so they are all-reduced at the end ('grad-sync'; nothing for the transformer block).
//   head buckets (args.headBuckets = B): the K/V all-gather of shard j runs per bucket of its KV
//     heads (and the matching query heads), so only 1/B of the gathered K/V is alive at a time;
//     same bytes, B times the all-gather calls.
import type { FloatArray } from '../../core/dtype.js';
import { valueError } from '../../core/errors.js';
import { noGrad, Tensor, zeros } from '../../tensor/index.js';
import type { BlockConfig } from '../block.js';
import { coreNames, type Weights } from '../blockDescription.js';
import { transformerLayoutBlock } from '../blocks.js';
import type { Communicator } from '../communicator.js';
import {
  asTensor, blocksToSequence, evenPiece, gatheredPositions, joinPieces, packArrays, sequenceShard, sequenceToBlocks, shardShape, takeRows, unpackTensors, type ShardSpec,
} from '../sharding.js';
import { GradientSums, layoutBlock, now, ownShards, plus, stageVjp, syncGradients, vjpWith, type GradShard, type LayoutArgs, type RankBlockResult } from './common.js';

const mod = (a: number, p: number): number => ((a % p) + p) % p;
const pick = (grads: Readonly<Record<string, Tensor>>, names: readonly string[]): Record<string, Tensor> => Object.fromEntries(names.map((n) => [n, grads[n]!]));

/** Shapes of one rank's attention shard (packed in this order) and MLP shard, for the transformer block. */
export function tspShardShapes(cfg: BlockConfig, D: number): { attention: [number, number][]; mlp: [number, number][] } {
  const block = transformerLayoutBlock(cfg), specs = block.shardSpecs(D, 0, 'tsp');
  const shapes = (names: readonly string[]) => names.map((n) => shardShape(specs.find((s) => s.name === n)!, block.weightShapes[n]!) as [number, number]);
  return { attention: shapes(block.attention.shardWeights), mlp: shapes(block.mlp.shardWeights) };
}

export async function tspRank(comm: Communicator, args: LayoutArgs): Promise<RankBlockResult> {
  const block = layoutBlock(args);
  const { attention: att, mlp } = block;
  const D = comm.size, r = comm.rank, b = block.batch, mem = comm.memory;
  const specs = block.shardSpecs(D, r, 'tsp'); // checks a, k, f divisible by D
  const specOf = (name: string): ShardSpec => specs.find((s) => s.name === name)!;
  const positions = sequenceShard(block.seq, D, r, 'zigzag', 'tsp');
  const kPos = gatheredPositions(block.seq, D, 'zigzag', 'tsp');
  const B = args.headBuckets ?? 1, kvh = att.kvHeads / D, qh = att.heads / D, d = att.headDim;
  if (!(Number.isInteger(B) && B >= 1 && kvh % B === 0)) throw valueError('tsp', 'headBuckets', `a divisor of the KV heads per rank (${kvh})`, B);
  const n = positions.length, kvWidth = (2 * kvh * d) / B; // per bucket
  const shapesOf = (names: readonly string[]) => names.map((name) => shardShape(specOf(name), block.weightShapes[name]!));
  const attnShapes = shapesOf(att.shardWeights), mlpShapes = shapesOf(mlp.shardWeights);
  const { x, dy, weights } = block.init(args.seed);
  const own = ownShards(comm, weights, specs);
  const replicated: Weights = Object.fromEntries(specs.filter((s) => s.axis === null).map((s) => [s.name, own.get(s.name)!]));
  const packOwn = (names: readonly string[]) => packArrays(names.map((k) => own.get(k)!.data as FloatArray));
  const ownAttention = packOwn(att.shardWeights), ownMlp = packOwn(mlp.shardWeights);
  /** A core's weights: shard tensors (in `names` order) and the replicated ones. */
  const coreWeights = (names: readonly string[], shard: Tensor[]): Weights => ({ ...replicated, ...Object.fromEntries(names.map((k, i) => [k, shard[i]!])) });
  const xr = takeRows(x, positions), dyr = takeRows(dy, positions);
  const geom = { qPos: positions, kPos, heads: qh / B, kvHeads: kvh / B, headDim: d, scale: att.scale };
  /** Bucket u of a head shard: every attention shard weight cut to the bucket's query and KV heads. */
  const bucket = (ws: Tensor[], u: number): Weights => coreWeights(att.shardWeights, ws.map((t, i) => evenPiece(t, specOf(att.shardWeights[i]!), B, u)));
  const replicatedGrads = new GradientSums();
  await comm.barrier(); // time the schedule, not the other ranks' start-up
  const t0 = now();

  /** Shard j's attention weights, broadcast from its owner (held as a comm buffer while used). */
  const fetchAttention = async (j: number): Promise<{ ws: Tensor[]; handle: number }> => {
    const got = await comm.broadcast(j === r ? ownAttention : new (ownAttention.constructor as Float32ArrayConstructor)(ownAttention.length), j);
    return { ws: unpackTensors(got, attnShapes), handle: mem.hold('comm', got.byteLength) };
  };
  const gatherKV = async (kv: Tensor): Promise<{ kvFull: Tensor; handle: number }> => {
    const gathered = await comm.allGather(kv.data as FloatArray);
    return { kvFull: blocksToSequence(gathered, D, b, n, kvWidth), handle: mem.hold('comm', gathered.byteLength) };
  };

  // ---- forward: attention over broadcast weight shards, local accumulation
  const { h, attnSum } = await comm.inLayer('attention.forward', async () => {
    const u = att.pre ? noGrad(() => att.pre!.apply(xr, replicated)) : xr;
    let acc = zeros([b, n, block.hidden], block.dtype);
    for (let j = 0; j < D; j++) {
      const { ws, handle } = await fetchAttention(j);
      for (let k = 0; k < B; k++) {
        const w = bucket(ws, k);
        const kv = noGrad(() => att.keysValues(u, w, positions));
        const { kvFull, handle: kvHandle } = await gatherKV(kv);
        acc = plus(acc, noGrad(() => att.attend(u, w, kvFull, geom)));
        mem.release(kvHandle);
      }
      mem.release(handle);
    }
    const o = att.post ? noGrad(() => att.post!.apply(acc, replicated)) : acc;
    return { h: att.residual ? plus(xr, o) : o, attnSum: acc };
  });
  // The only tensors kept for backward (and a core's sum when a post stage needs it).
  mem.hold('activations', xr.data.byteLength + h.data.byteLength + (att.post ? attnSum.data.byteLength : 0));

  // ---- forward: MLP ring, local accumulation
  const mlpLen = ownMlp.length;
  const { y, held, mlpSum } = await comm.inLayer('mlp.forward', async () => {
    const u = mlp.pre ? noGrad(() => mlp.pre!.apply(h, replicated)) : h;
    let cur = ownMlp, acc = zeros([b, n, block.hidden], block.dtype);
    const ringHandle = mem.hold('comm', cur.byteLength);
    for (let t = 0; t < D; t++) {
      const w = coreWeights(mlp.shardWeights, unpackTensors(cur, mlpShapes));
      acc = plus(acc, noGrad(() => mlp.apply(u, w)));
      if (t < D - 1) cur = await comm.sendRecv(mod(r + 1, D), cur, mod(r - 1, D), mlpLen);
    }
    mem.release(ringHandle);
    const o = mlp.post ? noGrad(() => mlp.post!.apply(acc, replicated)) : acc;
    return { y: mlp.residual ? plus(h, o) : o, held: cur, mlpSum: acc }; // `held` is shard r+1
  });
  if (mlp.post) mem.hold('activations', mlpSum.data.byteLength);

  // ---- backward: MLP ring in reverse with travelling gradient accumulators
  const { dh, mlpGrad } = await comm.inLayer('mlp.backward', async () => {
    const post = stageVjp(mem, mlp.post, mlpSum, replicated)[1](dyr);
    const ds = post.lead[0]!;
    const [u, pullPre] = stageVjp(mem, mlp.pre, h, replicated);
    let cur = held, grad = new (held.constructor as Float32ArrayConstructor)(mlpLen) as FloatArray;
    let du: Tensor | null = null;
    const ringHandle = mem.hold('comm', 2 * cur.byteLength);
    for (let t = 0; t < D; t++) {
      const [, pull] = vjpWith(mem, ([uu], w) => mlp.apply(uu!, w), [u], coreNames(mlp), coreWeights(mlp.shardWeights, unpackTensors(cur, mlpShapes)));
      const c = pull(ds);
      du = du ? plus(du, c.lead[0]!) : c.lead[0]!;
      replicatedGrads.add(pick(c.grads, mlp.coreWeights));
      const local = packArrays(mlp.shardWeights.map((k) => c.grads[k]!.data as FloatArray));
      for (let i = 0; i < mlpLen; i++) grad[i]! += local[i]!;
      if (t < D - 1) {
        const got = await comm.sendRecv(mod(r - 1, D), packArrays([cur, grad]), mod(r + 1, D), 2 * mlpLen);
        cur = got.slice(0, mlpLen);
        grad = got.slice(mlpLen);
      }
    }
    mem.release(ringHandle);
    mem.hold('gradients', grad.byteLength);
    const pre = pullPre(du!);
    replicatedGrads.add(post.grads);
    replicatedGrads.add(pre.grads);
    return { dh: mlp.residual ? plus(dyr, pre.lead[0]!) : pre.lead[0]!, mlpGrad: grad }; // cur is shard r again; grad is its full gradient
  });

  // ---- backward: attention, re-broadcast and re-gather per shard, reduce dW_j to owner j
  const { dx, attnGrad } = await comm.inLayer('attention.backward', async () => {
    const post = stageVjp(mem, att.post, attnSum, replicated)[1](dh);
    const ds = post.lead[0]!;
    const [u, pullPre] = stageVjp(mem, att.pre, xr, replicated);
    let du: Tensor | null = null;
    let attnGrad: FloatArray | null = null;
    for (let j = 0; j < D; j++) {
      const { ws, handle } = await fetchAttention(j);
      const parts: Tensor[][] = att.shardWeights.map(() => []); // per weight: one gradient per bucket
      for (let k = 0; k < B; k++) {
        const w = bucket(ws, k);
        const [kv, pullKV] = vjpWith(mem, ([uu], ww) => att.keysValues(uu!, ww, positions), [u], coreNames(att), w);
        const { kvFull, handle: kvHandle } = await gatherKV(kv);
        const [, pullA] = vjpWith(mem, ([uu, kvf], ww) => att.attend(uu!, ww, kvf!, geom), [u, kvFull], coreNames(att), w);
        const a = pullA(ds);
        mem.release(kvHandle);
        const dkv = await comm.reduceScatter(sequenceToBlocks(a.lead[1]!, D));
        const kvc = pullKV(asTensor(dkv, [b, n, kvWidth]));
        const duPart = plus(a.lead[0]!, kvc.lead[0]!);
        du = du ? plus(du, duPart) : duPart;
        att.shardWeights.forEach((name, i) => parts[i]!.push(plus(a.grads[name]!, kvc.grads[name]!)));
        replicatedGrads.add(pick(a.grads, att.coreWeights));
        replicatedGrads.add(pick(kvc.grads, att.coreWeights));
      }
      const whole = att.shardWeights.map((name, i) => joinPieces(parts[i]!, specOf(name)));
      const reduced = await comm.reduce(packArrays(whole.map((g) => g.data as FloatArray)), j);
      if (j === r) { attnGrad = reduced; mem.hold('gradients', reduced!.byteLength); }
      mem.release(handle);
    }
    const pre = pullPre(du!);
    replicatedGrads.add(post.grads);
    replicatedGrads.add(pre.grads);
    return { dx: att.residual ? plus(dh, pre.lead[0]!) : pre.lead[0]!, attnGrad: attnGrad! };
  });

  // ---- replicated weights: every rank's gradient covers its tokens, so sum over all ranks
  const replicatedSpecs = specs.filter((s) => s.axis === null);
  for (const s of replicatedSpecs) mem.hold('gradients', replicatedGrads.get(s.name).data.byteLength);
  const synced = await comm.inLayer('grad-sync', () => syncGradients(comm, replicatedSpecs, replicatedSpecs.map((s) => replicatedGrads.get(s.name))));

  const label = (data: FloatArray, names: readonly string[], sh: number[][]): GradShard[] =>
    unpackTensors(data, sh).map((t, i) => ({ spec: specOf(names[i]!), data: t.data as FloatArray }));
  const grads = [...label(attnGrad, att.shardWeights, attnShapes), ...label(mlpGrad, mlp.shardWeights, mlpShapes), ...synced];
  return { positions, y: y.data as FloatArray, dx: dx.data as FloatArray, grads, seconds: (now() - t0) / 1000 };
}
