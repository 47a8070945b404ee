// `tessera ntk bench`: time of the infinite-width NNGP + NTK Gram matrices of the 4-layer ReLU spec
// (dense:1.4:0.1 relu ×3, dense:1.4:0.1) on n random inputs of dimension d (default 2,000 × 784, the
// issue-5 acceptance case), median over rounds, with the peak resident memory. JSON out.
import { performance } from 'node:perf_hooks';
import { key, normalValues } from '../src/core/random.js';
import { kernelFn, parseArchitecture } from '../src/infinite/index.js';
import { median } from './timing.js';

export const NTK_BENCH_ARCH = 'dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1';

export interface NtkBenchResult {
  arch: string;
  n: number;
  d: number;
  batch_size: number;
  rounds_s: number[];
  median_s: number;
  peak_rss_mib: number;
  output_mib: number;
}

export function benchNtkKernel(o: { n: number; d: number; rounds: number; batchSize: number; log?: (line: string) => void }): NtkBenchResult {
  const layer = parseArchitecture(NTK_BENCH_ARCH);
  const x = { data: normalValues(key(0), o.n * o.d, 'f64'), shape: [o.n, o.d] };
  const rounds: number[] = [];
  let peak = process.memoryUsage().rss;
  for (let r = 0; r < o.rounds; r++) {
    const t0 = performance.now();
    const k = kernelFn(layer, x, null, { batchSize: o.batchSize, onProgress: () => { peak = Math.max(peak, process.memoryUsage().rss); } });
    rounds.push((performance.now() - t0) / 1000);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (!(k.ntk[0]! > 0)) throw new Error('ntk bench: a non-positive NTK diagonal');
    o.log?.(`round ${r + 1}/${o.rounds}: ${rounds.at(-1)!.toFixed(2)} s`);
  }
  return {
    arch: NTK_BENCH_ARCH, n: o.n, d: o.d, batch_size: o.batchSize, rounds_s: rounds, median_s: median(rounds),
    peak_rss_mib: peak / 2 ** 20, output_mib: (2 * o.n * o.n * 8) / 2 ** 20,
  };
}
