// TP(T) × SP(S) on a T×S mesh of D = T·S ranks, which also gives plain Megatron TP (S = 1) and
// plain sequence/context parallelism (T = 1, all-gather K/V with zigzag load balancing).
// Rank r = sr·T + tr: tensor group = the T ranks sharing sequence shard sr; sequence group = the
// S ranks sharing weight shard tr.
//   forward:  KV_r = X_r·[Wk|Wv]_tr → all-gather over the sequence group → attention of the local
//             queries (a/T heads) → partial·Wo_tr → all-reduce over the tensor group; H = X + attn;
//             SwiGLU on the f/T column shard → all-reduce over the tensor group; Y = H + mlp.
//   backward: Megatron's conjugates (all-reduce of the input gradients over the tensor group), the
//             K/V gradients reduce-scattered back to their sequence owners, and the weight
//             gradients summed over the sequence group (they saw different tokens).
import type { FloatArray } from '../../core/dtype.js';
import { valueError } from '../../core/errors.js';
import { Tensor } from '../../tensor/index.js';
import { attendAndProject, headDim, projectKV, swiglu } from '../block.js';
import type { Communicator } from '../communicator.js';
import { localVjp } from '../localVjp.js';
import { asTensor, blocksToSequence, gatheredPositions, headShardSpecs, sequenceShard, sequenceToBlocks, takeRows } from '../sharding.js';
import { fullBlock, now, ownShards, plus, sumOver, syncGradients, type LayoutArgs, type RankBlockResult } from './common.js';

/** The mesh's tensor-parallel degree for a layout name. */
export function meshDegree(layout: 'tp' | 'sp' | 'tpsp', ranks: number, tp?: number): number {
  if (layout === 'tp') return ranks;
  if (layout === 'sp') return 1;
  const t = tp ?? (ranks >= 4 ? 2 : ranks);
  if (!(Number.isInteger(t) && t >= 1 && ranks % t === 0)) throw valueError('tpsp', 'tp', `a divisor of the rank count ${ranks}`, t);
  return t;
}

export async function meshRank(comm: Communicator, args: LayoutArgs, T: number, layout: string): Promise<RankBlockResult> {
  const { cfg } = args;
  const D = comm.size, S = D / T;
  const tr = comm.rank % T, sr = Math.floor(comm.rank / T);
  const tpGroup = comm.split(Array.from({ length: T }, (_, i) => sr * T + i));
  const spGroup = comm.split(Array.from({ length: S }, (_, i) => i * T + tr));
  const positions = sequenceShard(cfg.seq, S, sr, 'zigzag', layout);
  const kPos = gatheredPositions(cfg.seq, S, 'zigzag', layout);
  const specs = headShardSpecs(cfg, T, tr, layout);
  const { x, dy, weights } = fullBlock(args);
  const w = ownShards(comm, weights, specs);
  const W = (n: string): Tensor => w.get(n)!;
  const xr = takeRows(x, positions), dyr = takeRows(dy, positions);
  const { batch: b } = cfg, n = positions.length, kvWidth = 2 * (cfg.kvHeads / T) * headDim(cfg);
  const geom = { qPos: positions, kPos, heads: cfg.heads / T, kvHeads: cfg.kvHeads / T, headDim: headDim(cfg) };
  await comm.barrier(); // time the schedule, not the other ranks' start-up
  const t0 = now();

  // ---- forward
  const { pullKV, pullA, h } = await comm.inLayer('attention.forward', async () => {
    const [kv, pullKV] = localVjp(comm.memory, projectKV, xr, W('wk'), W('wv')); // [b, n, kvWidth]
    const gathered = await comm.memory.during('comm', kv.data.byteLength * S, async () => spGroup.size > 1 ? spGroup.allGather(kv.data as FloatArray) : kv.data as FloatArray);
    const kvFull = blocksToSequence(gathered, S, b, n, kvWidth); // [b, s, kvWidth] in gathered order
    const [part, pullA] = localVjp(comm.memory, (xx, wq, kvf, wo) => attendAndProject(xx, wq, kvf, wo, geom), xr, W('wq'), kvFull, W('wo'));
    const attn = asTensor(await sumOver(tpGroup, part.data as FloatArray), part.shape);
    return { pullKV, pullA, h: plus(xr, attn) };
  });
  const { pullM, y } = await comm.inLayer('mlp.forward', async () => {
    const [pm, pullM] = localVjp(comm.memory, swiglu, h, W('wg'), W('wu'), W('wd'));
    return { pullM, y: plus(h, asTensor(await sumOver(tpGroup, pm.data as FloatArray), pm.shape)) };
  });

  // ---- backward
  const { dh, mlpGrads } = await comm.inLayer('mlp.backward', async () => {
    const [dhPart, dwg, dwu, dwd] = pullM(dyr);
    return { dh: plus(dyr, asTensor(await sumOver(tpGroup, dhPart!.data as FloatArray), dhPart!.shape)), mlpGrads: [dwg!, dwu!, dwd!] };
  });
  const { dx, attnGrads } = await comm.inLayer('attention.backward', async () => {
    const [dxA, dwq, dkvFull, dwo] = pullA(dh);
    const dkvData = spGroup.size > 1 ? await spGroup.reduceScatter(sequenceToBlocks(dkvFull!, S)) : dkvFull!.data as FloatArray;
    const [dxB, dwk, dwv] = pullKV(asTensor(dkvData, [b, n, kvWidth]));
    const dxLocal = plus(dxA!, dxB!);
    return { dx: plus(dh, asTensor(await sumOver(tpGroup, dxLocal.data as FloatArray), dxLocal.shape)), attnGrads: [dwq!, dwk!, dwv!, dwo!] };
  });
  const gradTensors = [...attnGrads, ...mlpGrads]; // spec order: wq wk wv wo wg wu wd
  for (const g of gradTensors) comm.memory.hold('gradients', g.data.byteLength);
  const grads = await comm.inLayer('grad-sync', () => syncGradients(spGroup, specs, gradTensors));
  return { positions, y: y.data as FloatArray, dx: dx.data as FloatArray, grads, seconds: (now() - t0) / 1000 };
}
