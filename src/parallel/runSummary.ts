// What `tessera parallel run` reports: per rank the parity with the single-device block, the bytes
// moved per collective, the peak memory by category and the time, beside the analytic predictions.
import type { ModelShape } from '../core/modelShape.js';
import { totalTraffic, layoutTraffic } from './analytic/volume.js';
import { compareWithReference, type LayoutRunArgs } from './layouts/index.js';
import type { RankBlockResult } from './layouts/common.js';
import { meshDegree } from './layouts/mesh.js';
import { layoutMemory } from './planner.js';
import type { RankRun } from './transports/simulated.js';
import type { MemoryCategory } from './meters.js';

export interface LayoutRunSummary {
  layout: string;
  ranks: number;
  tp: number;
  maxRelDiff: number;
  maxAbsDiff: number;
  perRank: {
    rank: number;
    maxRelDiff: number;
    worst: string;
    bytesSent: number;
    bytesRecv: number;
    byCollective: Record<string, { bytesSent: number; bytesRecv: number; calls: number }>;
    peakBytes: number;
    peakByCategory: Record<MemoryCategory, number>;
    seconds: number;
  }[];
  /** The analytic models' figures (they describe the transformer block; null for another block). */
  predicted: { bytesSentPerRank: number[]; bytesRecvPerRank: number[]; peakBytesPerRank: number[] } | null;
}

export function summarizeLayoutRun(args: LayoutRunArgs, runs: readonly RankRun<RankBlockResult>[]): LayoutRunSummary {
  const D = runs.length, e = args.cfg.dtype === 'f64' ? 8 : 4;
  const T = args.layout === 'tpsp' || args.layout === 'tp' || args.layout === 'sp' ? meshDegree(args.layout, D, args.tp) : D;
  const parity = compareWithReference(args, runs.map((r) => r.result));
  const modelled = (args.block?.kind ?? 'transformer') === 'transformer';
  const { cfg } = args;
  const predict = () => {
    const traffic = runs.map((r) => totalTraffic(layoutTraffic(args.layout, cfg, D, r.rank, { tp: T, headBuckets: args.headBuckets })));
    const model: ModelShape = {
      name: 'block', family: 'transformer', hidden: cfg.hidden, layers: 1, heads: cfg.heads, kvHeads: cfg.kvHeads, headDim: cfg.hidden / cfg.heads,
      ffn: cfg.ffn, vocab: 0, source: 'the block that ran',
    };
    const memory = layoutMemory(args.layout, model, D, args.layout === 'ulysses' ? 1 : T, {
      seq: cfg.seq, batch: cfg.batch, stateBytesPerParam: 2 * e, activationBytes: e, recompute: false, mfu: 1, overheadBytes: 0, usableFraction: 1,
    });
    return { bytesSentPerRank: traffic.map((t) => t.sent * e), bytesRecvPerRank: traffic.map((t) => t.recv * e), peakBytesPerRank: runs.map(() => Math.round(memory.total)) };
  };
  return {
    layout: args.layout, ranks: D, tp: T, maxRelDiff: parity.maxRelDiff, maxAbsDiff: parity.maxAbsDiff,
    perRank: runs.map((r) => ({
      rank: r.rank, maxRelDiff: parity.perRank[r.rank]!.maxRelDiff, worst: parity.perRank[r.rank]!.worst,
      bytesSent: r.bytesSent, bytesRecv: r.bytesRecv,
      byCollective: Object.fromEntries(r.traffic.reduce((m, t) => {
        const o = m.get(t.collective) ?? { bytesSent: 0, bytesRecv: 0, calls: 0 };
        m.set(t.collective, { bytesSent: o.bytesSent + t.bytesSent, bytesRecv: o.bytesRecv + t.bytesRecv, calls: o.calls + t.calls });
        return m;
      }, new Map<string, { bytesSent: number; bytesRecv: number; calls: number }>())),
      peakBytes: r.memory.peakTotal, peakByCategory: r.memory.peak, seconds: r.result.seconds,
    })),
    predicted: modelled ? predict() : null,
  };
}

/** The --json output contract of `tessera parallel run`. */
export function runJsonContract(s: LayoutRunSummary) {
  return {
    layout: s.layout,
    ranks: s.ranks,
    max_rel_diff: s.maxRelDiff,
    per_rank: s.perRank.map((r) => ({ rank: r.rank, bytes_sent: r.bytesSent, bytes_recv: r.bytesRecv, peak_bytes: r.peakBytes })),
    predicted: s.predicted ? { bytes_sent_per_rank: s.predicted.bytesSentPerRank, peak_bytes_per_rank: s.predicted.peakBytesPerRank } : null,
  };
}
