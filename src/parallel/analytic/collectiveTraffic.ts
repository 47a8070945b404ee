// Elements one rank sends and receives in each collective algorithm of ../collectives.ts, as
// closed forms of (n, p, rank). The layout volume model adds these up; a test holds the meters
// to them exactly.
import { binomialChildren, ringChunkBounds, type CollectiveAlgorithm } from '../collectives.js';

export interface Traffic {
  sent: number;
  recv: number;
}

export const NONE: Traffic = { sent: 0, recv: 0 };

export function addTraffic(a: Traffic, b: Traffic, times = 1): Traffic {
  return { sent: a.sent + times * b.sent, recv: a.recv + times * b.recv };
}

const mod = (a: number, p: number): number => ((a % p) + p) % p;

/** All-reduce of n elements. ring: reduce-scatter sends every chunk but the rank's own, the all-gather every chunk but the next one's. */
export function allReduceTraffic(n: number, p: number, rank: number, algorithm: CollectiveAlgorithm = 'ring'): Traffic {
  if (p === 1) return NONE;
  if (algorithm === 'tree') return addTraffic(reduceTraffic(n, p, rank, 0, 'tree'), broadcastTraffic(n, p, rank, 0, 'tree'));
  const b = ringChunkBounds(n, p);
  const len = (c: number): number => b[mod(c, p) + 1]! - b[mod(c, p)]!;
  return { sent: 2 * n - len(rank) - len(rank + 1), recv: 2 * n - len(rank - 1) - len(rank) };
}

/** Ring all-gather of a block of m elements per rank (or reduce-scatter of p·m): (p−1)·m each way. */
export function allGatherTraffic(m: number, p: number): Traffic {
  return { sent: (p - 1) * m, recv: (p - 1) * m };
}

export const reduceScatterTraffic = allGatherTraffic;

/** Pairwise all-to-all of a buffer of n elements (n/p to each peer). */
export function allToAllTraffic(n: number, p: number): Traffic {
  return { sent: ((p - 1) * n) / p, recv: ((p - 1) * n) / p };
}

/** Broadcast of n elements from root: tree = binomial (a rank sends to each child), ring = a chain. */
export function broadcastTraffic(n: number, p: number, rank: number, root: number, algorithm: CollectiveAlgorithm = 'tree'): Traffic {
  if (p === 1) return NONE;
  const v = mod(rank - root, p);
  if (algorithm === 'ring') return { sent: v < p - 1 ? n : 0, recv: v > 0 ? n : 0 };
  return { sent: binomialChildren(v, p) * n, recv: v > 0 ? n : 0 };
}

/**
 * Reduce of n elements to root. ring: the chain reversed. tree: the binomial reduce of
 * ../collectives.ts — relative rank v receives from v + mask for every mask below its lowest set
 * bit (all masks for the root) with v + mask < p, then sends once to its parent.
 */
export function reduceTraffic(n: number, p: number, rank: number, root: number, algorithm: CollectiveAlgorithm = 'tree'): Traffic {
  if (p === 1) return NONE;
  const v = mod(rank - root, p);
  if (algorithm === 'ring') return { sent: v > 0 ? n : 0, recv: v < p - 1 ? n : 0 };
  let children = 0;
  for (let mask = 1; mask < p && (v & mask) === 0; mask <<= 1) if (v + mask < p) children++;
  return { sent: v > 0 ? n : 0, recv: children * n };
}
