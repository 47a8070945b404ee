// α–β time models of the collectives (research note §D; Thakur, Rabenseifner & Gropp 2005) and the
// nccl-tests bandwidth conventions (§C.4): algbw = S/t with S the total array bytes (GB = 1e9),
// busbw = algbw × a per-collective factor. A least-squares fit recovers α and β from timings.
import { valueError } from '../../core/errors.js';

export type CollectiveName = 'all-reduce' | 'all-gather' | 'reduce-scatter' | 'broadcast' | 'reduce' | 'all-to-all' | 'p2p';

/** α: seconds per message; β: seconds per byte (1/bandwidth); γ: seconds per byte reduced. */
export interface AlphaBeta {
  alpha: number;
  beta: number;
  gamma?: number;
}

/** Algorithms of §D. */
export type CostAlgorithm =
  | 'ring' | 'recursive-doubling' | 'recursive-halving' | 'rabenseifner' | 'double-binary-tree'
  | 'binomial' | 'scatter-allgather' | 'pipelined-chain' | 'pairwise' | 'bruck' | 'direct';

/** [latency coefficient a, bandwidth coefficient c, reduction coefficient g]: t = a·α + c·n·β + g·n·γ. */
export function costCoefficients(op: CollectiveName, algorithm: CostAlgorithm, p: number, chunks = 1): [number, number, number] {
  const lg = Math.log2(p), f = (p - 1) / p;
  const key = `${op}/${algorithm}`;
  switch (key) {
    case 'all-gather/ring': return [p - 1, f, 0];
    case 'all-gather/recursive-doubling': return [lg, f, 0];
    case 'reduce-scatter/ring': return [p - 1, f, f];
    case 'reduce-scatter/recursive-halving': return [lg, f, f];
    case 'all-reduce/ring': return [2 * (p - 1), 2 * f, f];
    case 'all-reduce/rabenseifner': return [2 * lg, 2 * f, f];
    case 'all-reduce/recursive-doubling': return [lg, lg, lg];
    case 'all-reduce/double-binary-tree': return [2 * lg, 2, 0]; // approximate, unverified (§D)
    case 'broadcast/binomial': case 'reduce/binomial': return [Math.ceil(lg), Math.ceil(lg), op === 'reduce' ? Math.ceil(lg) : 0];
    case 'broadcast/scatter-allgather': return [lg + p - 1, 2 * f, 0];
    case 'broadcast/pipelined-chain': return [p + chunks - 2, (p + chunks - 2) / chunks, 0];
    case 'all-to-all/pairwise': return [p - 1, f, 0];
    case 'all-to-all/bruck': return [lg, lg / 2, 0];
    case 'p2p/direct': return [1, 1, 0];
    default: throw valueError('collectiveTime', 'algorithm', `one of §D's algorithms for ${op}`, algorithm);
  }
}

/**
 * Predicted time (s) of one collective on p ranks moving n bytes (the full vector for all-reduce,
 * the total output for all-gather, the bytes each rank sends for all-to-all).
 */
export function collectiveTime(op: CollectiveName, algorithm: CostAlgorithm, p: number, nBytes: number, m: AlphaBeta, chunks = 1): number {
  if (p === 1) return 0;
  const [a, c, g] = costCoefficients(op, algorithm, p, chunks);
  return a * m.alpha + c * nBytes * m.beta + g * nBytes * (m.gamma ?? 0);
}

/** The nccl-tests busbw factor of a collective on n ranks. */
export function busBandwidthFactor(op: CollectiveName | 'all-reduce-in-network', n: number): number {
  switch (op) {
    case 'all-reduce': return (2 * (n - 1)) / n;
    case 'all-reduce-in-network': return (n - 1) / (n + 1);
    case 'all-gather': case 'reduce-scatter': case 'all-to-all': return (n - 1) / n;
    case 'broadcast': case 'reduce': case 'p2p': return 1;
  }
}

/** algbw in GB/s (1e9) for S total bytes in t seconds. */
export function algBandwidth(totalBytes: number, seconds: number): number {
  return totalBytes / seconds / 1e9;
}

/** busbw in GB/s. */
export function busBandwidth(op: CollectiveName | 'all-reduce-in-network', n: number, totalBytes: number, seconds: number): number {
  return algBandwidth(totalBytes, seconds) * busBandwidthFactor(op, n);
}

/**
 * Least-squares α, β for one collective and algorithm from (bytes, seconds) samples: t = a·α + c·n·β
 * (γ folded into β). Negative estimates are clamped to 0 and the other refitted.
 */
export function fitAlphaBeta(op: CollectiveName, algorithm: CostAlgorithm, p: number, samples: readonly { bytes: number; seconds: number }[]): AlphaBeta & { r2: number } {
  if (samples.length < 2) throw valueError('fitAlphaBeta', 'samples', 'at least two (bytes, seconds) points', samples.length);
  const [a, c] = costCoefficients(op, algorithm, p);
  const xs = samples.map((s) => [a, c * s.bytes] as const), ys = samples.map((s) => s.seconds);
  let s11 = 0, s12 = 0, s22 = 0, t1 = 0, t2 = 0;
  xs.forEach(([x1, x2], i) => { s11 += x1 * x1; s12 += x1 * x2; s22 += x2 * x2; t1 += x1 * ys[i]!; t2 += x2 * ys[i]!; });
  const det = s11 * s22 - s12 * s12;
  let alpha = det !== 0 ? (t1 * s22 - t2 * s12) / det : 0;
  let beta = det !== 0 ? (s11 * t2 - s12 * t1) / det : t2 / s22;
  if (alpha < 0) { alpha = 0; beta = t2 / s22; }
  if (beta < 0) { beta = 0; alpha = t1 / s11; }
  const mean = ys.reduce((x, y) => x + y, 0) / ys.length;
  const ssTot = ys.reduce((acc, y) => acc + (y - mean) ** 2, 0);
  const ssRes = xs.reduce((acc, [x1, x2], i) => acc + (ys[i]! - x1 * alpha - x2 * beta) ** 2, 0);
  return { alpha, beta, r2: ssTot > 0 ? 1 - ssRes / ssTot : 1 };
}
