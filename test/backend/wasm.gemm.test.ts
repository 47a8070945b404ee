// wasm GEMM against the cpu reference: all transpose variants, odd sizes, batches with broadcast offsets,
// the GEMV paths (one output row or column), 1 and 2 threads, bit-identity across thread counts, f64
// delegation and clear errors for bad offsets and for inputs larger than the wasm memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import type { GemmParams } from '../../src/backend/kernels.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { assertBitIdentical, assertClose, backendsForFile, seeded } from './wasm.helpers.js';

const backends = backendsForFile();

function params(m: number, n: number, k: number, transA: boolean, transB: boolean, aOffsets = [0], bOffsets = [0]): GemmParams {
  return { m, n, k, transA, transB, batch: aOffsets.length, aOffsets: Int32Array.from(aOffsets), bOffsets: Int32Array.from(bOffsets) };
}

/** Run wasm and cpu on the same inputs; returns the wasm output. */
function check(p: GemmParams, aLength: number, bLength: number, seed: number, label: string): Float32Array[] {
  const a = seeded(aLength, seed), b = seeded(bLength, seed + 1);
  const want = new Float32Array(p.batch * p.m * p.n);
  cpuBackend.gemm(p, a, b, want);
  return backends.both().map((be) => {
    const got = new Float32Array(p.batch * p.m * p.n).fill(Number.NaN);
    be.gemm(p, a, b, got);
    assertClose(got, want, `${label} threads=${be.threads}`);
    return got;
  });
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [31, 32, 33], [33, 31, 32], [32, 33, 31], [257, 33, 31], [31, 257, 33], [33, 31, 257],
  [1, 257, 33], [1, 31, 257], [257, 1, 31], [33, 1, 257], [4, 8, 1], [5, 9, 300], [257, 257, 257],
];

test('gemm: every transpose variant on odd sizes matches the cpu reference (1 and 2 threads)', () => {
  let seed = 1;
  for (const [m, n, k] of SHAPES) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) check(params(m, n, k, transA, transB), m * k, k * n, seed++, `m${m} n${n} k${k} tA${transA} tB${transB}`);
    }
  }
});

test('gemm: batches with broadcast and shifted offsets', () => {
  const m = 33, n = 31, k = 32;
  // A: two matrices used as [0, 1, 0]; B: one matrix at offset 5 broadcast to all three.
  check(params(m, n, k, false, true, [0, m * k, 0], [5, 5, 5]), 2 * m * k, k * n + 5, 7, 'broadcast batch');
  // Many tiny matrices (units spread over the batch), and batched GEMV (m = 1).
  const many = Array.from({ length: 40 }, (_, t) => t * 3 * 2);
  check(params(3, 5, 2, true, false, many, many.map((o) => o / 6 * 10)), 40 * 6, 40 * 10, 8, 'batch 40 of 3×5·5×2');
  check(params(1, 257, 33, false, false, [0, 33, 66], [0, 0, 33 * 257]), 99, 2 * 33 * 257, 9, 'batched GEMV');
});

test('gemm: large GEMV in both B layouts (parallel path) and k = 0', () => {
  for (const transB of [false, true]) check(params(1, 1000, 1027, false, transB), 1027, 1027 * 1000, 11, `gemv transB=${transB}`);
  for (const transA of [false, true]) check(params(1000, 1, 1027, transA, false), 1000 * 1027, 1027, 12, `column gemv transA=${transA}`);
  const c = new Float32Array(6).fill(3);
  backends.two().gemm(params(2, 3, 0, false, false), new Float32Array(0), new Float32Array(0), c);
  assert.deepEqual([...c], [0, 0, 0, 0, 0, 0]);
});

test('gemm: 1 and 2 threads give bit-identical results (every path splits outputs, never a sum)', () => {
  const cases: [GemmParams, number, number][] = [
    [params(257, 200, 300, false, false), 257 * 300, 300 * 200],
    [params(100, 333, 520, true, true), 100 * 520, 520 * 333],
    [params(1, 2000, 700, false, false), 700, 700 * 2000],
    [params(1, 2000, 700, false, true), 700, 700 * 2000],
  ];
  cases.forEach(([p, al, bl], i) => {
    const [one, two] = check(p, al, bl, 20 + i, `identity case ${i}`);
    assertBitIdentical(one!, two!, `identity case ${i}`);
  });
});

test('gemm: f64 arrays delegate to the cpu reference exactly; mixed dtypes are refused', () => {
  const p = params(31, 33, 32, true, false);
  const a = Float64Array.from(seeded(31 * 32, 3)), b = Float64Array.from(seeded(32 * 33, 4));
  const want = new Float64Array(31 * 33), got = new Float64Array(31 * 33);
  cpuBackend.gemm(p, a, b, want);
  backends.two().gemm(p, a, b, got);
  assert.deepEqual(got, want);
  assert.throws(() => backends.two().gemm(p, a, seeded(32 * 33, 4), got), /f32 or all f64/);
});

test('gemm: bad offsets and short outputs raise errors naming the argument', () => {
  const be = backends.one();
  assert.throws(() => be.gemm(params(4, 4, 4, false, false, [1]), new Float32Array(16), new Float32Array(16), new Float32Array(16)), /gemm: aOffsets\[0\]/);
  assert.throws(() => be.gemm(params(4, 4, 4, false, false), new Float32Array(16), new Float32Array(16), new Float32Array(15)), /gemm: c.length/);
});

test('gemm: an input larger than the memory limit raises a clear error and leaves the heap at baseline', async () => {
  const be = await createWasmBackend({ threads: 1, maxMemoryBytes: 8 * 2 ** 20 });
  try {
    const n = 1024;
    const p = params(n, n, n, false, false);
    assert.throws(() => be.gemm(p, new Float32Array(n * n), new Float32Array(n * n), new Float32Array(n * n)),
      /gemm \(batch 1, m 1024, n 1024, k 1024.*MiB maximum/);
    assert.equal(be.heapStats().usedBytes, be.heapStats().baselineBytes);
    const small = params(33, 31, 32, false, false);
    const a = seeded(33 * 32, 5), b = seeded(32 * 31, 6), want = new Float32Array(33 * 31), got = new Float32Array(33 * 31);
    cpuBackend.gemm(small, a, b, want);
    be.gemm(small, a, b, got);
    assertClose(got, want, 'the same backend after the error');
  } finally {
    await be.dispose();
  }
});
