// Folded tensor + sequence parallelism (TSP, Shyam, Golubeva & Anthony 2026) on one axis of D ranks.
// Rank r holds sequence shard r (zigzag) AND weight shard r (a/D query heads, k/D KV heads, f/D
// FFN columns), so weights and activations both shrink by D.
//   attention (forward, the paper's Algorithm 1 as reconstructed in the research note, [2nd]):
//     for j in 0..D−1: broadcast {Wq,Wk,Wv,Wo}_j from rank j; K,V of the local tokens with shard j;
//     all-gather K,V over the sequence; attention of the local queries for the heads of shard j;
//     accumulate the partial output ·Wo_j locally. No all-reduce: outputs stay sequence-sharded.
//   MLP (forward): the {Wg,Wu,Wd} shards circulate in a ring (send to r+1, receive from r−1);
//     each rank accumulates its tokens' output for every shard. Rank r ends holding shard r+1.
//   backward ([recon] in the note, documented here): nothing but X_r and H_r is kept from the
//     forward pass; each piece is recomputed ("recompute retransmission").
//     MLP: the ring runs the other way (send to r−1), each weight shard travelling with a gradient
//     accumulator that collects every rank's token contribution and lands on the shard's owner.
//     attention: for each j, re-broadcast W_j, recompute K/V and re-gather them, pull the output
//     gradient back, reduce-scatter dK/dV to their sequence owners, and reduce dW_j to owner j.
//   head buckets (args.headBuckets = B): the K/V all-gather of shard j runs per bucket of its KV
//     heads (and the matching query heads), so only 1/B of the gathered K/V is alive at a time;
//     same bytes, B times the all-gather calls.
import type { FloatArray } from '../../core/dtype.js';
import { valueError } from '../../core/errors.js';
import { concat, noGrad, slice, Tensor, zeros } from '../../tensor/index.js';
import { attendAndProject, headDim, projectKV, swiglu, type BlockConfig } from '../block.js';
import type { Communicator } from '../communicator.js';
import { localVjp } from '../localVjp.js';
import {
  asTensor, blocksToSequence, gatheredPositions, headShardSpecs, packArrays, sequenceShard, sequenceToBlocks, takeRows, unpackTensors, type ShardSpec,
} from '../sharding.js';
import { fullBlock, now, ownShards, plus, type GradShard, type LayoutArgs, type RankBlockResult } from './common.js';

const mod = (a: number, p: number): number => ((a % p) + p) % p;

/** Shapes of one rank's attention shard (packed in this order) and MLP shard. */
export function tspShardShapes(cfg: BlockConfig, D: number): { attention: [number, number][]; mlp: [number, number][] } {
  const h = cfg.hidden, d = headDim(cfg), qw = (cfg.heads / D) * d, kw = (cfg.kvHeads / D) * d, fw = cfg.ffn / D;
  return { attention: [[h, qw], [h, kw], [h, kw], [qw, h]], mlp: [[h, fw], [h, fw], [fw, h]] };
}

export async function tspRank(comm: Communicator, args: LayoutArgs): Promise<RankBlockResult> {
  const { cfg } = args;
  const D = comm.size, r = comm.rank, b = cfg.batch, mem = comm.memory;
  const specs = headShardSpecs(cfg, D, r, 'tsp'); // checks a, k, f divisible by D
  const positions = sequenceShard(cfg.seq, D, r, 'zigzag', 'tsp');
  const kPos = gatheredPositions(cfg.seq, D, 'zigzag', 'tsp');
  const B = args.headBuckets ?? 1, kvh = cfg.kvHeads / D, qh = cfg.heads / D, d = headDim(cfg);
  if (!(Number.isInteger(B) && B >= 1 && kvh % B === 0)) throw valueError('tsp', 'headBuckets', `a divisor of the KV heads per rank (${kvh})`, B);
  const n = positions.length, kvWidth = (2 * kvh * d) / B; // per bucket
  const shapes = tspShardShapes(cfg, D);
  const { x, dy, weights } = fullBlock(args);
  const own = ownShards(comm, weights, specs);
  const ownAttention = packArrays(['wq', 'wk', 'wv', 'wo'].map((k) => own.get(k)!.data as FloatArray));
  const ownMlp = packArrays(['wg', 'wu', 'wd'].map((k) => own.get(k)!.data as FloatArray));
  const xr = takeRows(x, positions), dyr = takeRows(dy, positions);
  const geom = { qPos: positions, kPos, heads: qh / B, kvHeads: kvh / B, headDim: d };
  /** Bucket u of a head shard: Wq/Wk/Wv columns and Wo rows of its query and KV heads. */
  const bucket = (ws: Tensor[], u: number): Tensor[] => noGrad(() => {
    const [wq, wk, wv, wo] = ws as [Tensor, Tensor, Tensor, Tensor];
    if (B === 1) return [wq, wk, wv, wo];
    const h = cfg.hidden, qw = (qh / B) * d, kw = (kvh / B) * d;
    return [slice(wq, [0, u * qw], [h, (u + 1) * qw]), slice(wk, [0, u * kw], [h, (u + 1) * kw]), slice(wv, [0, u * kw], [h, (u + 1) * kw]), slice(wo, [u * qw, 0], [(u + 1) * qw, h])];
  });
  await comm.barrier(); // time the schedule, not the other ranks' start-up
  const t0 = now();

  /** Shard j's attention weights, broadcast from its owner (held as a comm buffer while used). */
  const fetchAttention = async (j: number): Promise<{ ws: Tensor[]; handle: number }> => {
    const got = await comm.broadcast(j === r ? ownAttention : new (ownAttention.constructor as Float32ArrayConstructor)(ownAttention.length), j);
    return { ws: unpackTensors(got, shapes.attention), handle: mem.hold('comm', got.byteLength) };
  };
  const gatherKV = async (kv: Tensor): Promise<{ kvFull: Tensor; handle: number }> => {
    const gathered = await comm.allGather(kv.data as FloatArray);
    return { kvFull: blocksToSequence(gathered, D, b, n, kvWidth), handle: mem.hold('comm', gathered.byteLength) };
  };

  // ---- forward: attention over broadcast weight shards, local accumulation
  const h = await comm.inLayer('attention.forward', async () => {
    let acc = zeros([b, n, cfg.hidden], cfg.dtype);
    for (let j = 0; j < D; j++) {
      const { ws, handle } = await fetchAttention(j);
      for (let u = 0; u < B; u++) {
        const [wq, wk, wv, wo] = bucket(ws, u);
        const kv = noGrad(() => projectKV(xr, wk!, wv!));
        const { kvFull, handle: kvHandle } = await gatherKV(kv);
        acc = plus(acc, noGrad(() => attendAndProject(xr, wq!, kvFull, wo!, geom)));
        mem.release(kvHandle);
      }
      mem.release(handle);
    }
    return plus(xr, acc);
  });
  mem.hold('activations', xr.data.byteLength + h.data.byteLength); // the only tensors kept for backward

  // ---- forward: MLP ring, local accumulation
  const mlpLen = ownMlp.length;
  const { y, held } = await comm.inLayer('mlp.forward', async () => {
    let cur = ownMlp, acc = zeros([b, n, cfg.hidden], cfg.dtype);
    const ringHandle = mem.hold('comm', cur.byteLength);
    for (let t = 0; t < D; t++) {
      const [wg, wu, wd] = unpackTensors(cur, shapes.mlp);
      acc = plus(acc, noGrad(() => swiglu(h, wg!, wu!, wd!)));
      if (t < D - 1) cur = await comm.sendRecv(mod(r + 1, D), cur, mod(r - 1, D), mlpLen);
    }
    mem.release(ringHandle);
    return { y: plus(h, acc), held: cur }; // `held` is shard r+1
  });

  // ---- backward: MLP ring in reverse with travelling gradient accumulators
  const { dh, mlpGrad } = await comm.inLayer('mlp.backward', async () => {
    let cur = held, grad = new (held.constructor as Float32ArrayConstructor)(mlpLen) as FloatArray;
    let dhAcc = dyr; // residual path
    const ringHandle = mem.hold('comm', 2 * cur.byteLength);
    for (let t = 0; t < D; t++) {
      const [wg, wu, wd] = unpackTensors(cur, shapes.mlp);
      const [, pull] = localVjp(mem, swiglu, h, wg!, wu!, wd!);
      const [dhPart, dwg, dwu, dwd] = pull(dyr);
      dhAcc = plus(dhAcc, dhPart!);
      const local = packArrays([dwg!.data as FloatArray, dwu!.data as FloatArray, dwd!.data as FloatArray]);
      for (let i = 0; i < mlpLen; i++) grad[i]! += local[i]!;
      if (t < D - 1) {
        const got = await comm.sendRecv(mod(r - 1, D), packArrays([cur, grad]), mod(r + 1, D), 2 * mlpLen);
        cur = got.slice(0, mlpLen);
        grad = got.slice(mlpLen);
      }
    }
    mem.release(ringHandle);
    mem.hold('gradients', grad.byteLength);
    return { dh: dhAcc, mlpGrad: grad }; // cur is shard r again; grad is its full gradient
  });

  // ---- backward: attention, re-broadcast and re-gather per shard, reduce dW_j to owner j
  const { dx, attnGrad } = await comm.inLayer('attention.backward', async () => {
    let dxAcc = dh; // residual path
    let attnGrad: FloatArray | null = null;
    for (let j = 0; j < D; j++) {
      const { ws, handle } = await fetchAttention(j);
      const parts: Tensor[][] = [[], [], [], []]; // per bucket: dWq, dWk, dWv, dWo
      for (let u = 0; u < B; u++) {
        const [wq, wk, wv, wo] = bucket(ws, u);
        const [kv, pullKV] = localVjp(mem, projectKV, xr, wk!, wv!);
        const { kvFull, handle: kvHandle } = await gatherKV(kv);
        const [, pullA] = localVjp(mem, (xx, q, kvf, o) => attendAndProject(xx, q, kvf, o, geom), xr, wq!, kvFull, wo!);
        const [dxA, dwq, dkvFull, dwo] = pullA(dh);
        mem.release(kvHandle);
        const dkv = await comm.reduceScatter(sequenceToBlocks(dkvFull!, D));
        const [dxB, dwk, dwv] = pullKV(asTensor(dkv, [b, n, kvWidth]));
        dxAcc = plus(dxAcc, plus(dxA!, dxB!));
        [dwq!, dwk!, dwv!, dwo!].forEach((g, i) => parts[i]!.push(g));
      }
      const whole = noGrad(() => parts.map((p, i) => (p.length === 1 ? p[0]! : concat(p, i === 3 ? 0 : 1))));
      const reduced = await comm.reduce(packArrays(whole.map((g) => g.data as FloatArray)), j);
      if (j === r) { attnGrad = reduced; mem.hold('gradients', reduced!.byteLength); }
      mem.release(handle);
    }
    return { dx: dxAcc, attnGrad: attnGrad! };
  });

  const label = (data: FloatArray, names: ShardSpec['name'][], sh: [number, number][]): GradShard[] =>
    unpackTensors(data, sh).map((t, i) => ({ spec: specs.find((s) => s.name === names[i])!, data: t.data as FloatArray }));
  const grads = [...label(attnGrad, ['wq', 'wk', 'wv', 'wo'], shapes.attention), ...label(mlpGrad, ['wg', 'wu', 'wd'], shapes.mlp)];
  return { positions, y: y.data as FloatArray, dx: dx.data as FloatArray, grads, seconds: (now() - t0) / 1000 };
}
