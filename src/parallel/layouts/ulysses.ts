// DeepSpeed-Ulysses sequence parallelism on D ranks: tokens are sharded contiguously, weights are
// replicated. Q, K, V of the local tokens (all heads) are exchanged by one all-to-all so each rank
// holds the full sequence for a/D query heads and k/D KV heads; attention runs locally; a second
// all-to-all returns the output to sequence shards. Backward runs the two all-to-alls in reverse and
// sums the (replicated) weight gradients over all ranks. Needs a and k divisible by D (GQA with
// k < D would need KV-head replication, which is rejected here with a clear error).
import type { FloatArray } from '../../core/dtype.js';
import { add, concat, matmul, noGrad, reshape, slice, transpose, Tensor } from '../../tensor/index.js';
import { attentionCore, headDim, swiglu } from '../block.js';
import type { Communicator } from '../communicator.js';
import { localVjp } from '../localVjp.js';
import { asTensor, evenRange, fullSpecs, sequenceShard, takeRows } from '../sharding.js';
import { fullBlock, now, ownShards, plus, syncGradients, type LayoutArgs, type RankBlockResult } from './common.js';

export async function ulyssesRank(comm: Communicator, args: LayoutArgs): Promise<RankBlockResult> {
  const { cfg } = args;
  const D = comm.size, b = cfg.batch, d = headDim(cfg);
  evenRange(cfg.heads, D, 0, 'heads', 'ulysses');
  evenRange(cfg.kvHeads, D, 0, 'kvHeads', 'ulysses');
  const positions = sequenceShard(cfg.seq, D, comm.rank, 'contiguous', 'ulysses');
  const all = Array.from({ length: cfg.seq }, (_, i) => i);
  const n = positions.length, s = cfg.seq;
  const qw = (cfg.heads / D) * d, kw = (cfg.kvHeads / D) * d, width = qw + 2 * kw; // per-head-shard widths
  const { x, dy, weights } = fullBlock(args);
  const specs = fullSpecs(weights);
  const w = ownShards(comm, weights, specs);
  const W = (name: string): Tensor => w.get(name)!;
  const xr = takeRows(x, positions), dyr = takeRows(dy, positions);
  const geom = { qPos: all, kPos: all, heads: cfg.heads / D, kvHeads: cfg.kvHeads / D, headDim: d };
  await comm.barrier(); // time the schedule, not the other ranks' start-up
  const t0 = now();

  // [b, n, D, width] per head shard (q | k | v columns of shard j) → flat [D, b, n, width] for the all-to-all.
  const toHeadBlocks = (qkv: Tensor): FloatArray => noGrad(() => {
    const part = (lo: number, hi: number, per: number) => reshape(slice(qkv, [0, 0, lo], [b, n, hi]), [b, n, D, per]);
    const qh = part(0, D * qw, qw), kh = part(D * qw, D * (qw + kw), kw), vh = part(D * (qw + kw), D * width, kw);
    return transpose(concat([qh, kh, vh], 3), [2, 0, 1, 3]).data as FloatArray;
  });
  // The inverse, from blocks [D, b, n, width] (one per head shard) to [b, n, (a + 2k)·d].
  const fromHeadBlocks = (data: FloatArray): Tensor => noGrad(() => {
    const t = transpose(asTensor(data, [D, b, n, width]), [1, 2, 0, 3]); // [b, n, D, width]
    const take = (lo: number, hi: number) => reshape(slice(t, [0, 0, 0, lo], [b, n, D, hi]), [b, n, D * (hi - lo)]);
    return concat([take(0, qw), take(qw, qw + kw), take(qw + kw, width)], 2);
  });
  // Sequence blocks [D, b, n, c] ↔ [b, s, c].
  const seqFromBlocks = (data: FloatArray, c: number): Tensor => noGrad(() => reshape(transpose(asTensor(data, [D, b, n, c]), [1, 0, 2, 3]), [b, s, c]));
  const seqToBlocks = (t: Tensor): FloatArray => noGrad(() => transpose(reshape(t, [b, D, n, t.shape[2]!]), [1, 0, 2, 3]).data as FloatArray);

  // ---- forward
  const fwd = await comm.inLayer('attention.forward', async () => {
    const [qkv, pullQKV] = localVjp(comm.memory, (xx, wq, wk, wv) => concat([matmul(xx, wq), matmul(xx, wk), matmul(xx, wv)], 2), xr, W('wq'), W('wk'), W('wv'));
    const mine = seqFromBlocks(await comm.memory.during('comm', qkv.data.byteLength, () => comm.allToAll(toHeadBlocks(qkv))), width); // [b, s, width]
    const [o, pullCore] = localVjp(comm.memory, (m) => attentionCore(slice(m, [0, 0, 0], [b, s, qw]), slice(m, [0, 0, qw], [b, s, width]), geom), mine);
    const back = await comm.allToAll(seqToBlocks(o)); // [D (head shard), b, n, qw]
    const attnOut = noGrad(() => reshape(transpose(asTensor(back, [D, b, n, qw]), [1, 2, 0, 3]), [b, n, D * qw]));
    const [h, pullO] = localVjp(comm.memory, (xx, a, wo) => add(xx, matmul(a, wo)), xr, attnOut, W('wo'));
    return { pullQKV, pullCore, pullO, h };
  });
  const { y, pullM } = await comm.inLayer('mlp.forward', async () => {
    const [y, pullM] = localVjp(comm.memory, (hh, wg, wu, wd) => add(hh, swiglu(hh, wg, wu, wd)), fwd.h, W('wg'), W('wu'), W('wd'));
    return { y, pullM };
  });

  // ---- backward
  const [dh, dwg, dwu, dwd] = pullM(dyr);
  const bwd = await comm.inLayer('attention.backward', async () => {
    const [dxRes, dAttn, dwo] = fwd.pullO(dh!);
    const dAttnBlocks = noGrad(() => transpose(reshape(dAttn!, [b, n, D, qw]), [2, 0, 1, 3]).data as FloatArray);
    const dO = seqFromBlocks(await comm.allToAll(dAttnBlocks), qw); // [b, s, qw]
    const [dMine] = fwd.pullCore(dO);
    const dqkv = fromHeadBlocks(await comm.allToAll(seqToBlocks(dMine!)));
    const [dxB, dwq, dwk, dwv] = fwd.pullQKV(dqkv);
    return { dx: plus(dxRes!, dxB!), grads: [dwq!, dwk!, dwv!, dwo!] };
  });
  const gradTensors = [...bwd.grads, dwg!, dwu!, dwd!];
  for (const g of gradTensors) comm.memory.hold('gradients', g.data.byteLength);
  const grads = await comm.inLayer('grad-sync', () => syncGradients(comm, specs, gradTensors));
  return { positions, y: y.data as FloatArray, dx: bwd.dx.data as FloatArray, grads, seconds: (now() - t0) / 1000 };
}
