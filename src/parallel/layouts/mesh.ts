// TP(T) × SP(S) on a T×S mesh of D = T·S ranks, which also gives plain Megatron TP (S = 1) and
// plain sequence/context parallelism (T = 1, all-gather K/V with zigzag load balancing), for any block
// of blockDescription.ts (the transformer block, Zamba2's shared block).
// Rank r = sr·T + tr: tensor group = the T ranks sharing sequence shard sr; sequence group = the
// S ranks sharing weight shard tr.
//   forward, per sublayer: u = pre(X_r) locally; attention: KV_r = keysValues(u, W_tr) at the local
//             positions → all-gather over the sequence group → attend (the local queries, a/T heads,
//             output projection rows of the shard); MLP: the core on the f/T shard; the partial output is
//             all-reduced over the tensor group; then post and the residual locally.
//   backward: Megatron's conjugates (all-reduce of the core's input gradient over the tensor group, then
//             pre's pullback on the full gradient), the K/V gradients reduce-scattered back to their
//             sequence owners, and the weight gradients summed over the sequence group (they saw
//             different tokens); replicated weights inside a core (LoRA downs) are partial per shard
//             too, so they are summed over every rank.
import type { FloatArray } from '../../core/dtype.js';
import type { Tensor } from '../../tensor/index.js';
import { valueError } from '../../core/errors.js';
import { coreNames } from '../blockDescription.js';
import type { Communicator } from '../communicator.js';
import { asTensor, blocksToSequence, gatheredPositions, sequenceShard, sequenceToBlocks, takeRows, type ShardSpec } from '../sharding.js';
import { GradientSums, layoutBlock, now, ownShards, plus, stageVjp, sumOver, syncGradients, vjpWith, type LayoutArgs, type RankBlockResult } from './common.js';

/** The mesh's tensor-parallel degree for a layout name. */
export function meshDegree(layout: 'tp' | 'sp' | 'tpsp', ranks: number, tp?: number): number {
  if (layout === 'tp') return ranks;
  if (layout === 'sp') return 1;
  const t = tp ?? (ranks >= 4 ? 2 : ranks);
  if (!(Number.isInteger(t) && t >= 1 && ranks % t === 0)) throw valueError('tpsp', 'tp', `a divisor of the rank count ${ranks}`, t);
  return t;
}

export async function meshRank(comm: Communicator, args: LayoutArgs, T: number, layout: string): Promise<RankBlockResult> {
  const block = layoutBlock(args);
  const { attention: att, mlp } = block, mem = comm.memory;
  const D = comm.size, S = D / T;
  const tr = comm.rank % T, sr = Math.floor(comm.rank / T);
  const tpGroup = comm.split(Array.from({ length: T }, (_, i) => sr * T + i));
  const spGroup = comm.split(Array.from({ length: S }, (_, i) => i * T + tr));
  const positions = sequenceShard(block.seq, S, sr, 'zigzag', layout);
  const kPos = gatheredPositions(block.seq, S, 'zigzag', layout);
  const specs = block.shardSpecs(T, tr, layout);
  const { x, dy, weights } = block.init(args.seed);
  const w = Object.fromEntries(ownShards(comm, weights, specs));
  const xr = takeRows(x, positions), dyr = takeRows(dy, positions);
  const b = block.batch, n = positions.length, kvWidth = 2 * (att.kvHeads / T) * att.headDim;
  const geom = { qPos: positions, kPos, heads: att.heads / T, kvHeads: att.kvHeads / T, headDim: att.headDim, scale: att.scale };
  /** The full sum over the tensor group of a partial [b, n, c]. */
  const overTensorGroup = async (t: Tensor): Promise<Tensor> => asTensor(await sumOver(tpGroup, t.data as FloatArray), t.shape);
  await comm.barrier(); // time the schedule, not the other ranks' start-up
  const t0 = now();

  // ---- forward
  const A = await comm.inLayer('attention.forward', async () => {
    const [u, pullPre] = stageVjp(mem, att.pre, xr, w);
    const [kv, pullKV] = vjpWith(mem, ([uu], ws) => att.keysValues(uu!, ws, positions), [u], coreNames(att), w); // [b, n, kvWidth]
    const gathered = await mem.during('comm', kv.data.byteLength * S, async () => spGroup.size > 1 ? spGroup.allGather(kv.data as FloatArray) : kv.data as FloatArray);
    const kvFull = blocksToSequence(gathered, S, b, n, kvWidth); // [b, s, kvWidth] in gathered order
    const [part, pullA] = vjpWith(mem, ([uu, kvf], ws) => att.attend(uu!, ws, kvf!, geom), [u, kvFull], coreNames(att), w);
    const [o, pullPost] = stageVjp(mem, att.post, await overTensorGroup(part), w);
    return { pullPre, pullKV, pullA, pullPost, h: att.residual ? plus(xr, o) : o };
  });
  const M = await comm.inLayer('mlp.forward', async () => {
    const [u, pullPre] = stageVjp(mem, mlp.pre, A.h, w);
    const [part, pullM] = vjpWith(mem, ([uu], ws) => mlp.apply(uu!, ws), [u], coreNames(mlp), w);
    const [o, pullPost] = stageVjp(mem, mlp.post, await overTensorGroup(part), w);
    return { pullPre, pullM, pullPost, y: mlp.residual ? plus(A.h, o) : o };
  });

  // ---- backward
  const grads = new GradientSums();
  const dh = await comm.inLayer('mlp.backward', async () => {
    const post = M.pullPost(dyr);
    const core = M.pullM(post.lead[0]!);
    const pre = M.pullPre(await overTensorGroup(core.lead[0]!));
    [post, core, pre].forEach((c) => grads.add(c.grads));
    return mlp.residual ? plus(dyr, pre.lead[0]!) : pre.lead[0]!;
  });
  const dx = await comm.inLayer('attention.backward', async () => {
    const post = A.pullPost(dh);
    const core = A.pullA(post.lead[0]!);
    const [duA, dkvFull] = core.lead as [Tensor, Tensor];
    const dkvData = spGroup.size > 1 ? await spGroup.reduceScatter(sequenceToBlocks(dkvFull, S)) : dkvFull.data as FloatArray;
    const kv = A.pullKV(asTensor(dkvData, [b, n, kvWidth]));
    const pre = A.pullPre(await overTensorGroup(plus(duA, kv.lead[0]!)));
    [post, core, kv, pre].forEach((c) => grads.add(c.grads));
    return att.residual ? plus(dh, pre.lead[0]!) : pre.lead[0]!;
  });
  // Shards and token-wise stages: summed over the sequence group; replicated core weights: over every rank.
  const shared = new Set([...att.coreWeights, ...mlp.coreWeights]);
  const bySequence = specs.filter((s) => !shared.has(s.name)), byAll = specs.filter((s) => shared.has(s.name));
  const gradsOf = (ss: ShardSpec[]): Tensor[] => ss.map((s) => grads.get(s.name));
  for (const s of specs) mem.hold('gradients', grads.get(s.name).data.byteLength);
  const out = await comm.inLayer('grad-sync', async () => [
    ...await syncGradients(spGroup, bySequence, gradsOf(bySequence)),
    ...await syncGradients(comm, byAll, gradsOf(byAll)),
  ]);
  return { positions, y: M.y.data as FloatArray, dx: dx.data as FloatArray, grads: out, seconds: (now() - t0) / 1000 };
}
