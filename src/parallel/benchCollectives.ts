// The rank program of `tessera parallel bench-collectives` (nccl-tests style): for each collective
// and total size S (nccl-tests' convention: all-reduce/reduce-scatter/all-to-all/broadcast buffers
// of S bytes per rank, all-gather S bytes of output), time `iters` back-to-back calls after a
// warm-up and a barrier. Every rank returns its mean time per call; the caller takes the slowest.
import type { Communicator } from './communicator.js';
import { busBandwidth, algBandwidth, fitAlphaBeta, type CollectiveName, type CostAlgorithm } from './analytic/costModels.js';
import { now } from './layouts/common.js';

export const BENCH_COLLECTIVES = ['all-reduce', 'all-gather', 'reduce-scatter', 'broadcast', 'all-to-all'] as const;
export type BenchCollective = (typeof BENCH_COLLECTIVES)[number];

export interface BenchArgs {
  collectives: BenchCollective[];
  sizes: number[];
  iters: number;
  warmup: number;
}

export interface BenchTiming {
  collective: BenchCollective;
  bytes: number;
  seconds: number;
}

/** Elements of f32 each rank passes for a collective of total size S bytes on n ranks (a multiple of n). */
export function elementsFor(op: BenchCollective, bytes: number, n: number): number {
  const elements = Math.max(n, Math.floor(bytes / 4 / n) * n);
  return op === 'all-gather' ? elements / n : elements;
}

export async function collectiveBenchProgram(comm: Communicator, args: BenchArgs): Promise<BenchTiming[]> {
  const out: BenchTiming[] = [];
  for (const collective of args.collectives) {
    for (const bytes of args.sizes) {
      const data = new Float32Array(elementsFor(collective, bytes, comm.size)).fill(1);
      const once = async (): Promise<unknown> => {
        switch (collective) {
          case 'all-reduce': return comm.allReduce(data);
          case 'all-gather': return comm.allGather(data);
          case 'reduce-scatter': return comm.reduceScatter(data);
          case 'broadcast': return comm.broadcast(data, 0);
          case 'all-to-all': return comm.allToAll(data);
        }
      };
      for (let i = 0; i < args.warmup; i++) await once();
      await comm.barrier();
      const t0 = now();
      for (let i = 0; i < args.iters; i++) await comm.inLayer(`${collective}/${bytes}`, once);
      out.push({ collective, bytes: elementsFor(collective, bytes, comm.size) * 4 * (collective === 'all-gather' ? comm.size : 1), seconds: (now() - t0) / 1000 / args.iters });
    }
  }
  return out;
}

const ALGORITHM: Record<BenchCollective, CostAlgorithm> = { 'all-reduce': 'ring', 'all-gather': 'ring', 'reduce-scatter': 'ring', broadcast: 'binomial', 'all-to-all': 'pairwise' };

export interface BenchRow {
  collective: BenchCollective;
  ranks: number;
  bytes: number;
  seconds: number;
  algbw: number;
  busbw: number;
}

export interface BenchFit {
  collective: BenchCollective;
  ranks: number;
  algorithm: CostAlgorithm;
  alphaSeconds: number;
  bandwidthGBs: number;
  r2: number;
}

/** Rows (slowest rank per point) with algbw/busbw in GB/s, and an α–β fit per collective. */
export function summarizeBench(ranks: number, perRank: readonly BenchTiming[][]): { rows: BenchRow[]; fits: BenchFit[] } {
  const rows = perRank[0]!.map((t, i) => {
    const seconds = Math.max(...perRank.map((r) => r[i]!.seconds));
    return { collective: t.collective, ranks, bytes: t.bytes, seconds, algbw: algBandwidth(t.bytes, seconds), busbw: busBandwidth(t.collective as CollectiveName, ranks, t.bytes, seconds) };
  });
  const fits: BenchFit[] = [];
  for (const c of BENCH_COLLECTIVES) {
    const pts = rows.filter((r) => r.collective === c);
    if (pts.length < 2 || ranks < 2) continue;
    const f = fitAlphaBeta(c, ALGORITHM[c], ranks, pts.map((p) => ({ bytes: p.bytes, seconds: p.seconds })));
    fits.push({ collective: c, ranks, algorithm: ALGORITHM[c], alphaSeconds: f.alpha, bandwidthGBs: f.beta > 0 ? 1 / f.beta / 1e9 : Infinity, r2: f.r2 });
  }
  return { rows, fits };
}
