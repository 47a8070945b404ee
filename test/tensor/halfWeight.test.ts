// halfWeightMatmul (x · wᵀ with w kept as bf16 / f16 words) against matmul with the widened f32 weight, on
// every backend: the GEMV path (rows ≤ 8) and the tiled GEMM path (more rows, several tiles and a tail);
// bad inputs name what was wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, halfWeightMatmul, matmul, widenHalf, GEMV_MAX_ROWS } from '../../src/tensor/index.js';
import { encodeHalf } from '../../src/core/halfFloat.js';
import { normalValues, key } from '../../src/core/random.js';
import { withBackend } from '../../src/backend/registry.js';
import { engineBackends } from '../support/backends.js';

const words = (values: ArrayLike<number>, format: 'BF16' | 'F16') => {
  const b = encodeHalf(values, format);
  return new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
};

test('halfWeightMatmul equals matmul with the widened weight (bf16, f16; rows 1, 3, 8, 9, 300; out 517 = 2 tiles + tail)', async () => {
  const [inW, outW] = [67, 517];
  const w32 = Float32Array.from(normalValues(key(1), outW * inW, 'f32'));
  for (const backend of await engineBackends()) {
    for (const format of ['bf16', 'f16'] as const) {
      const w = new Tensor(words(w32, format === 'bf16' ? 'BF16' : 'F16'), [outW, inW]);
      const wide = new Tensor(widenHalf(w.data as Uint16Array, format), [outW, inW]);
      for (const rows of [1, 3, GEMV_MAX_ROWS, GEMV_MAX_ROWS + 1, 300]) {
        const x = new Tensor(Float32Array.from(normalValues(key(rows), rows * inW, 'f32')), [rows, inW]);
        const [got, want] = withBackend(backend, () => [halfWeightMatmul(x, w, format), matmul(x, wide, { transB: true })]);
        assert.deepEqual(got.shape, [rows, outW]);
        let worst = 0;
        for (let i = 0; i < want.size; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!) / (1 + Math.abs(want.data[i]!)));
        assert.ok(worst <= 2e-5, `${backend.name} ${format} rows ${rows}: ${worst}`);
      }
    }
  }
});

test('halfWeightMatmul: wrong dtypes, shapes and formats are named', () => {
  const x = new Tensor(new Float32Array(6), [2, 3]);
  assert.throws(() => halfWeightMatmul(x, new Tensor(new Float32Array(6), [2, 3]), 'bf16'), /u16/);
  assert.throws(() => halfWeightMatmul(x, new Tensor(new Uint16Array(8), [2, 4]), 'bf16'), /\[out, 3\]/);
  assert.throws(() => halfWeightMatmul(x, new Tensor(new Uint16Array(6), [2, 3]), 'f8' as 'bf16'), /bf16 or f16/);
});
