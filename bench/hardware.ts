// `tessera size bench`: microbenchmarks of the machine at hand, and the sizing model fitted to them.
//
//   GEMM sweep   C[m, n] = A[m, k]·B[k, n] through tessera's wasm backend around 256 (n = 248…264 with
//                m = k = 256; m = 248…264 with n = k = 256), 1 thread and all threads: GFLOP/s per shape.
//                The wasm kernel computes 4×8 output tiles (edge tiles on a padded scratch tile) and splits
//                4-row strips over threads — the CPU analogue of a GPU's tiles and compute units.
//   STREAM       copy a=b, scale a=q·b, add a=b+c, triad a=b+q·c over Float64Array(2^22) (32 MB each),
//                GB/s with STREAM's byte counts (16, 16, 24, 24 bytes per element).
//   fit          the GEMM model of src/sizing/gemm.ts with units = threads and each candidate tile
//                (tm × tn ∈ {1,2,4,8,16}²): peak = median(measured / efficiency), score = mean |error|; the
//                best tile is reported beside the kernel's true 4×8.
import { availableParallelism } from 'node:os';
import * as T from '../src/tensor/index.js';
import { setBackend } from '../src/index.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { gemmEfficiency, type GemmDevice } from '../src/sizing/index.js';
import { median, timeMs } from './timing.js';

export interface GemmPoint { m: number; n: number; k: number; threads: number; gflops: number }
export interface TileFit { tile: [number, number]; peakGflops: number; meanAbsError: number }
export interface HardwareBenchResult {
  gemm: GemmPoint[];
  stream: { copy: number; scale: number; add: number; triad: number };
  fit: { best: TileFit; kernelTile: TileFit; candidates: number };
  meta: { quick: boolean; threads: number; node: string; date: string };
}

function stream(n: number, reps: number): HardwareBenchResult['stream'] {
  const a = new Float64Array(n), b = new Float64Array(n).fill(1), c = new Float64Array(n).fill(2), q = 3;
  const gbps = (bytes: number, fn: () => void) => (bytes * n) / (timeMs(fn, reps, 3) * 1e6);
  return {
    copy: gbps(16, () => { for (let i = 0; i < n; i++) a[i] = b[i]!; }),
    scale: gbps(16, () => { for (let i = 0; i < n; i++) a[i] = q * b[i]!; }),
    add: gbps(24, () => { for (let i = 0; i < n; i++) a[i] = b[i]! + c[i]!; }),
    triad: gbps(24, () => { for (let i = 0; i < n; i++) a[i] = b[i]! + q * c[i]!; }),
  };
}

/** The machine as the GEMM model sees it: `threads` units, a fitted tile and peak, the measured bandwidth. */
function cpuDevice(threads: number, tile: [number, number], peakGflops: number, bandwidthGBps: number): GemmDevice {
  const s = (value: number, unit: string) => ({ value, unit, source: 'measured (tessera size bench)' });
  return {
    units: s(threads, 'threads'), bf16Tflops: s(peakGflops / 1000, 'TFLOP/s'), hbmTBps: s(bandwidthGBps / 1000, 'TB/s'),
    tile: { m: tile[0], n: tile[1], source: 'fitted' }, alignElements: s(1, 'elements'),
  };
}

/** Fit peak and score one tile on the measured points. */
function fitTile(points: readonly GemmPoint[], tile: [number, number], bandwidth: number): TileFit {
  const eff = (p: GemmPoint) => gemmEfficiency({ name: 'x', m: p.m, n: p.n, k: p.k }, cpuDevice(p.threads, tile, 1, 1e9)).efficiency;
  const byThreads = new Map<number, GemmPoint[]>();
  for (const p of points) byThreads.set(p.threads, [...(byThreads.get(p.threads) ?? []), p]);
  let err = 0, peakSum = 0;
  for (const [threads, ps] of byThreads) {
    const peak = median(ps.map((p) => p.gflops / eff(p)));
    peakSum += peak / threads;
    for (const p of ps) {
      const predicted = gemmEfficiency({ name: 'x', m: p.m, n: p.n, k: p.k }, cpuDevice(threads, tile, peak, bandwidth)).tflops * 1000;
      err += Math.abs(predicted / p.gflops - 1);
    }
  }
  return { tile, peakGflops: peakSum / byThreads.size, meanAbsError: err / points.length };
}

export async function benchHardware(o: { quick?: boolean; log?: (line: string) => void } = {}): Promise<HardwareBenchResult> {
  const quick = o.quick ?? false, log = o.log ?? (() => {});
  const threads = availableParallelism();
  const str = stream(quick ? 1 << 20 : 1 << 22, quick ? 3 : 7);
  log(`STREAM GB/s: copy ${str.copy.toFixed(1)} scale ${str.scale.toFixed(1)} add ${str.add.toFixed(1)} triad ${str.triad.toFixed(1)}`);
  const shapes: [number, number, number][] = [];
  const span = quick ? [248, 252, 256, 257, 260, 264] : Array.from({ length: 17 }, (_, i) => 248 + i);
  for (const d of span) shapes.push([256, d, 256], [d, 256, 256]);
  const gemm: GemmPoint[] = [];
  for (const t of quick ? [1] : [...new Set([1, threads])]) {
    const wasm = await createWasmBackend({ threads: t });
    const previous = setBackend(wasm);
    try {
      // Warm up for a fixed time: the first ~60 GEMMs of a fresh backend run several times slower
      // (measured: 10 → 40 GFLOP/s at 256³), which would otherwise land on the first shapes.
      const wa = T.random.normal(T.random.key(1), [256, 256]), wb = T.random.normal(T.random.key(2), [256, 256]);
      for (const t0 = performance.now(); performance.now() - t0 < (quick ? 300 : 1500);) T.matmul(wa, wb);
      for (const [m, n, k] of shapes) {
        const a = T.random.normal(T.random.key(m), [m, k]), b = T.random.normal(T.random.key(n + 1), [k, n]);
        const ms = timeMs(() => T.matmul(a, b), quick ? 5 : 9, 2);
        gemm.push({ m, n, k, threads: t, gflops: (2 * m * n * k) / (ms * 1e6) });
      }
      log(`GEMM sweep, ${t} thread(s): ${gemm.filter((p) => p.threads === t).map((p) => `${p.m}×${p.n}: ${p.gflops.toFixed(1)}`).join(', ')}`);
    } finally {
      setBackend(previous);
      await wasm.dispose();
    }
  }
  const sizes = [1, 2, 4, 8, 16];
  const fits = sizes.flatMap((tm) => sizes.map((tn) => fitTile(gemm, [tm, tn], str.triad)));
  const best = fits.reduce((x, y) => (y.meanAbsError < x.meanAbsError ? y : x));
  return {
    gemm, stream: str, fit: { best, kernelTile: fits.find((f) => f.tile[0] === 4 && f.tile[1] === 8)!, candidates: fits.length },
    meta: { quick, threads, node: process.version, date: new Date().toISOString() },
  };
}

export function formatHardwareBench(r: HardwareBenchResult): string {
  const rows = r.gemm.map((p) => `| ${p.threads} | ${p.m} | ${p.n} | ${p.k} | ${p.gflops.toFixed(2)} |`);
  const f = (x: TileFit) => `${x.tile[0]}×${x.tile[1]}: peak ${x.peakGflops.toFixed(1)} GFLOP/s per thread, mean |error| ${(100 * x.meanAbsError).toFixed(1)}%`;
  return [
    `# Hardware microbenchmarks (${r.meta.threads} cores, node ${r.meta.node}, ${r.meta.date}${r.meta.quick ? ', quick' : ''})`,
    '', `STREAM (GB/s): copy ${r.stream.copy.toFixed(1)}, scale ${r.stream.scale.toFixed(1)}, add ${r.stream.add.toFixed(1)}, triad ${r.stream.triad.toFixed(1)}`,
    '', '| threads | m | n | k | GFLOP/s |', '| ---: | ---: | ---: | ---: | ---: |', ...rows,
    '', `Model fit over ${r.fit.candidates} tiles: best ${f(r.fit.best)}; the kernel's own 4×8 tile: ${f(r.fit.kernelTile)}.`,
  ].join('\n');
}
