// The layouts by name, the rank program that runs one, and the parity check against the
// single-device block.
import type { FloatArray } from '../../core/dtype.js';
import { valueError } from '../../core/errors.js';
import { slice, type Tensor } from '../../tensor/index.js';
import { referenceGradients } from '../block.js';
import { inputWidth } from '../blockDescription.js';
import type { Communicator } from '../communicator.js';
import { asTensor, cutWeight, specCovers, takeRows } from '../sharding.js';
import { layoutBlock, type LayoutArgs, type RankBlockResult } from './common.js';
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
    case 'ulysses':
      if ((args.block?.kind ?? 'transformer') !== 'transformer') throw valueError('ulysses', 'block', 'the transformer block (the other blocks run under tp, sp, tpsp and tsp)', args.block!.kind);
      return ulyssesRank(comm, args);
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

/** Compare every rank's outputs and gradient shards with the single-device reference of the block. */
export function compareWithReference(args: LayoutArgs, results: readonly RankBlockResult[]): ParityReport {
  const block = layoutBlock(args);
  const { x, dy, weights } = block.init(args.seed);
  const ref = referenceGradients((xx, w) => block.forward(xx, w), x, weights, dy);
  const width = inputWidth(block);
  let maxRel = 0, maxAbs = 0;
  const covered = new Map<string, Uint8Array>(Object.keys(weights).map((n) => [n, new Uint8Array(weights[n]!.size)]));
  const perRank = results.map((r, rank) => {
    let worst = '', rankRel = 0;
    const check = (label: string, got: FloatArray, want: FloatArray): void => {
      const d = relDiff(got, want);
      if (d.rel > rankRel || worst === '') { rankRel = Math.max(rankRel, d.rel); worst = label; }
      maxRel = Math.max(maxRel, d.rel);
      maxAbs = Math.max(maxAbs, d.abs);
    };
    check('y', r.y, takeRows(ref.y, r.positions).data as FloatArray);
    // dX per block input (dx; or dh and de of Zamba2's [h | e]): columns [lo, lo + width) of the rank's rows
    const n = r.positions.length, dxWant = takeRows(ref.dx, r.positions);
    if (r.dx.length !== dxWant.size) check('dx', r.dx, dxWant.data as FloatArray); // a wrong length is an infinite difference
    else {
      const dxGot = asTensor(r.dx, dxWant.shape);
      let lo = 0;
      for (const part of block.inputs) {
        const cols = (t: Tensor): FloatArray => (part.width === width ? t : slice(t, [0, 0, lo], [block.batch, n, lo + part.width])).data as FloatArray;
        check(`d${part.name}`, cols(dxGot), cols(dxWant));
        lo += part.width;
      }
    }
    for (const g of r.grads) {
      const full = weights[g.spec.name]!;
      check(`d${g.spec.name}`, g.data, cutWeight(ref.grads[g.spec.name]!, g.spec).data as FloatArray);
      const [rows, cols] = full.rank === 2 ? full.shape as [number, number] : [1, full.size];
      const mark = covered.get(g.spec.name)!;
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (specCovers(g.spec, rows, cols, i, j)) mark[i * cols + j] = 1;
    }
    return { rank, maxRelDiff: rankRel, worst };
  });
  const gradientsCovered = [...covered.values()].every((m) => m.every((v) => v === 1));
  return { maxRelDiff: maxRel, maxAbsDiff: maxAbs, perRank, gradientsCovered };
}
