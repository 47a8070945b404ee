// The layouts by name, the rank program that runs one, and the parity check against the
// single-device block.
import type { FloatArray } from '../../core/dtype.js';
import { valueError } from '../../core/errors.js';
import { referenceBlock, initBlock, WEIGHT_NAMES, type WeightName } from '../block.js';
import type { Communicator } from '../communicator.js';
import { cutWeight, takeRows } from '../sharding.js';
import type { LayoutArgs, RankBlockResult } from './common.js';
import { meshDegree, meshRank } from './mesh.js';
import { tspRank } from './tsp.js';
import { ulyssesRank } from './ulysses.js';

export const LAYOUTS = ['tp', 'sp', 'ulysses', 'tpsp', 'tsp'] as const;
export type LayoutName = (typeof LAYOUTS)[number];

export interface LayoutRunArgs extends LayoutArgs {
  layout: LayoutName;
}

export function checkLayout(name: string): LayoutName {
  if (!(LAYOUTS as readonly string[]).includes(name)) throw valueError('parallel', 'layout', LAYOUTS.join(', '), name);
  return name as LayoutName;
}

/** The rank program of every layout (SPMD: all ranks run it). Module-level so worker threads can import it. */
export async function blockLayoutProgram(comm: Communicator, args: LayoutRunArgs): Promise<RankBlockResult> {
  switch (checkLayout(args.layout)) {
    case 'tp': return meshRank(comm, args, meshDegree('tp', comm.size), 'tp');
    case 'sp': return meshRank(comm, args, meshDegree('sp', comm.size), 'sp');
    case 'tpsp': return meshRank(comm, args, meshDegree('tpsp', comm.size, args.tp), 'tpsp');
    case 'ulysses': return ulyssesRank(comm, args);
    case 'tsp': return tspRank(comm, args);
  }
}

export interface ParityReport {
  /** max over outputs and gradients of max|a − b| / max|b| (per tensor, then the max). */
  maxRelDiff: number;
  maxAbsDiff: number;
  /** Per rank: the worst relative difference and the tensor it was in. */
  perRank: { rank: number; maxRelDiff: number; worst: string }[];
  /** Every weight element was covered by some rank's gradient shard. */
  gradientsCovered: boolean;
}

function relDiff(a: FloatArray, b: FloatArray): { rel: number; abs: number } {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  if (a.length !== b.length) return { rel: Infinity, abs: Infinity };
  return { rel: den > 0 ? num / den : num, abs: num };
}

/** Compare every rank's outputs and gradient shards with the single-device reference block. */
export function compareWithReference(args: LayoutArgs, results: readonly RankBlockResult[]): ParityReport {
  const { x, dy, weights } = initBlock(args.cfg, args.seed);
  const ref = referenceBlock(args.cfg, x, weights, dy);
  let maxRel = 0, maxAbs = 0;
  const covered = new Map<WeightName, Uint8Array>(WEIGHT_NAMES.map((n) => [n, new Uint8Array(weights[n].size)]));
  const perRank = results.map((r, rank) => {
    let worst = '', rankRel = 0;
    const check = (label: string, got: FloatArray, want: FloatArray): void => {
      const d = relDiff(got, want);
      if (d.rel > rankRel || worst === '') { rankRel = Math.max(rankRel, d.rel); worst = label; }
      maxRel = Math.max(maxRel, d.rel);
      maxAbs = Math.max(maxAbs, d.abs);
    };
    check('y', r.y, takeRows(ref.y, r.positions).data as FloatArray);
    check('dx', r.dx, takeRows(ref.dx, r.positions).data as FloatArray);
    for (const g of r.grads) {
      check(`d${g.spec.name}`, g.data, cutWeight(ref.grads[g.spec.name], g.spec).data as FloatArray);
      const [rows, cols] = weights[g.spec.name].shape as [number, number];
      const mark = covered.get(g.spec.name)!;
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
        const inside = g.spec.axis === null || (g.spec.axis === 1 ? j >= g.spec.lo && j < g.spec.hi : i >= g.spec.lo && i < g.spec.hi);
        if (inside) mark[i * cols + j] = 1;
      }
    }
    return { rank, maxRelDiff: rankRel, worst };
  });
  const gradientsCovered = [...covered.values()].every((m) => m.every((v) => v === 1));
  return { maxRelDiff: maxRel, maxAbsDiff: maxAbs, perRank, gradientsCovered };
}
