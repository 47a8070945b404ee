// Quick self-check of the wasm kernels: GEMM 1024³ (GFLOP/s, 1 and all threads, vs the cpu reference),
// GEMV 4096² (plain and transposed B) and fan-in 4096→4096, k = 410, batch 1. Prints one JSON object.
// Inputs are resident in wasm memory (allocResident), so the times are kernel times; `copied` adds the
// copy in and out that plain typed arrays cost. Run: node dist/bench/wasmKernels.js [--quick]
import { availableParallelism } from 'node:os';
import { cpuBackend, type GemmParams } from '../src/index.js';
import { createWasmBackend, type WasmBackend } from '../src/backend/wasm/index.js';

const quick = process.argv.includes('--quick');
const reps = quick ? 3 : 10;

/** Deterministic fill in [-1, 1) (an LCG; benchmarks need no quality randomness). */
function fill(array: Float32Array, seed: number): Float32Array {
  let s = seed >>> 0;
  for (let i = 0; i < array.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    array[i] = s / 2 ** 31 - 1;
  }
  return array;
}

function medianMs(fn: () => void, count: number): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < count; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const gemmParams = (m: number, n: number, k: number, transB = false): GemmParams =>
  ({ m, n, k, transA: false, transB, batch: 1, aOffsets: new Int32Array(1), bOffsets: new Int32Array(1) });

function resident(be: WasmBackend, length: number, seed: number): Float32Array {
  return fill(be.allocResident(length), seed);
}

async function main(): Promise<void> {
  const all = availableParallelism();
  const be = await createWasmBackend({ threads: 1 });
  const N = 1024, flops = 2 * N ** 3;
  const a = resident(be, N * N, 1), b = resident(be, N * N, 2), c = be.allocResident(N * N);
  const V = 4096;
  const x = resident(be, V, 3), w = resident(be, V * V, 4), y = be.allocResident(V);
  const fanIn = 410;
  const values = resident(be, V * fanIn, 5), yf = be.allocResident(V);
  const indices = be.allocResident(V * fanIn, 'u16');
  // Sorted distinct indices per output (step ≈ 10, shifted by o mod 9), like a condensed 90%-sparse layer.
  for (let o = 0; o < V; o++) for (let j = 0; j < fanIn; j++) indices[o * fanIn + j] = Math.floor((j * V) / fanIn) + (o % 9);
  const fanParams = { batch: 1, inFeatures: V, outFeatures: V, fanIn };
  const result: Record<string, unknown> = { machineThreads: all };
  for (const threads of [...new Set([1, all])]) {
    await be.setThreads(threads);
    const gemmMs = medianMs(() => be.gemm(gemmParams(N, N, N), a, b, c), reps);
    const aCopy = a.slice(), bCopy = b.slice(), cCopy = new Float32Array(N * N);
    const gemmCopiedMs = medianMs(() => be.gemm(gemmParams(N, N, N), aCopy, bCopy, cCopy), reps);
    result[`threads${threads}`] = {
      gemm1024: { ms: gemmMs, gflops: flops / gemmMs / 1e6, copiedMs: gemmCopiedMs },
      gemv4096: { ms: medianMs(() => be.gemm(gemmParams(1, V, V), x, w, y), reps * 3) },
      gemv4096TransB: { ms: medianMs(() => be.gemm(gemmParams(1, V, V, true), x, w, y), reps * 3) },
      fanIn4096k410: { ms: medianMs(() => be.fanInMatmul(fanParams, x, values, indices, yf), reps * 3) },
    };
  }
  const small = 256;
  const as = fill(new Float32Array(small * small), 6), bs = fill(new Float32Array(small * small), 7), cs = new Float32Array(small * small);
  const cpuMs = medianMs(() => cpuBackend.gemm(gemmParams(small, small, small), as, bs, cs), 3);
  result.cpuReferenceGemm256 = { ms: cpuMs, gflops: (2 * small ** 3) / cpuMs / 1e6 };
  await be.dispose();
  console.log(JSON.stringify(result, null, 2));
}

await main();
