// The cpu reference GEMM's A·Bᵀ path (contiguous row-by-row dot products) against its general loop on an
// explicitly transposed B: bit-identical (Object.is) for f32 and f64, batches with offsets, zeros in A
// (skipped by both) and NaN/Infinity in B, on odd sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gemm } from '../../src/backend/cpu/gemm.js';
import { key, uniformValues } from '../../src/core/random.js';

test('cpu gemm: transB equals the general loop on Bᵀ bit for bit (f32/f64, batches, zeros, NaN, Infinity)', () => {
  let seed = 0;
  for (const Arr of [Float64Array, Float32Array]) {
    for (const [m, n, k, batch] of [[1, 1, 1, 1], [3, 5, 7, 2], [31, 33, 17, 3], [4, 9, 64, 1], [2, 3, 1, 4], [1, 257, 3, 1]] as const) {
      const u = uniformValues(key(seed++), batch * (m + n) * k + 8, 'f64');
      const a = new Arr(batch * m * k + 3), b = new Arr(batch * n * k + 5);
      for (let i = 0; i < a.length; i++) a[i] = u[i]! < 0.2 ? 0 : u[i]! - 0.6;
      for (let i = 0; i < b.length; i++) {
        const v = u[(a.length + i) % u.length]!;
        b[i] = v < 0.03 ? NaN : v > 0.97 ? -Infinity : v - 0.4;
      }
      const aOffsets = Int32Array.from({ length: batch }, (_, t) => t * m * k + (t % 2));
      const bOffsets = Int32Array.from({ length: batch }, (_, t) => (batch - 1 - t) * n * k + 1);
      const fast = new Arr(batch * m * n), general = new Arr(batch * m * n);
      gemm({ m, n, k, transA: false, transB: true, batch, aOffsets, bOffsets }, a, b, fast);
      const bt = new Arr(batch * n * k), btOffsets = Int32Array.from({ length: batch }, (_, t) => t * n * k);
      for (let t = 0; t < batch; t++) for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) bt[t * n * k + q * n + j] = b[bOffsets[t]! + j * k + q]!;
      gemm({ m, n, k, transA: false, transB: false, batch, aOffsets, bOffsets: btOffsets }, a, bt, general);
      for (let i = 0; i < fast.length; i++) assert.ok(Object.is(fast[i], general[i]), `${Arr.name} ${m}×${n}×${k}×${batch} entry ${i}: ${fast[i]} vs ${general[i]}`);
    }
  }
});
