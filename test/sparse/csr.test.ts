// Our CSR baseline: structure from the mask, and the tuned kernel equal to the reference and to dense.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import * as T from '../../src/tensor/index.js';
import { csrFromMasked, csrMatmul, csrMatmulReference } from '../../src/sparse/csr.js';

test('csrFromMasked keeps exactly the masked entries (zero-valued ones too), columns sorted', () => {
  const w = new T.Tensor(new Float32Array([1, 0, 2, /**/ 0, 0, 0, /**/ 3, 4, 0]), [3, 3]);
  const a = csrFromMasked(w, new Uint8Array([1, 1, 1, 0, 0, 0, 1, 0, 0]));
  assert.deepEqual(Array.from(a.rowPtr), [0, 3, 3, 4]);
  assert.deepEqual(Array.from(a.colIdx), [0, 1, 2, 0]);
  assert.deepEqual(Array.from(a.values), [1, 0, 2, 3]);
  assert.throws(() => csrFromMasked(w, new Uint8Array(8)), /mask expected 9 elements, got 8/);
});

test('csrMatmul equals the reference and the dense masked product at odd sizes and batch tiles', () => {
  for (const [rows, cols] of [[1, 1], [31, 33], [65, 257]] as const) {
    const w = T.random.normal(key(rows), [rows, cols]);
    const maskT = T.cast(T.greater(T.random.uniform(key(cols), [rows, cols]), 0.8), 'u8');
    const a = csrFromMasked(w, maskT);
    for (const batch of [1, 3, 32, 33, 70]) {
      const x = T.random.normal(key(batch), [batch, cols]);
      const dense = T.matmul(x, T.mul(w, T.cast(maskT, 'f32')), { transB: true });
      const ref = new Float32Array(batch * rows), fast = new Float32Array(batch * rows);
      csrMatmulReference(a, x.data as Float32Array, batch, ref);
      csrMatmul(a, x.data as Float32Array, batch, fast);
      const scale = Math.max(1e-30, ...Array.from(dense.data, Math.abs));
      for (let i = 0; i < ref.length; i++) {
        assert.ok(Math.abs(ref[i]! - dense.data[i]!) <= 1e-6 * scale, `ref ${rows}x${cols} batch ${batch} [${i}]`);
        assert.ok(Math.abs(fast[i]! - ref[i]!) <= 1e-6 * scale, `fast ${rows}x${cols} batch ${batch} [${i}]`);
      }
    }
  }
  assert.throws(() => csrMatmul(csrFromMasked(T.zeros([2, 3]), new Uint8Array(6)), new Float32Array(5), 2, new Float32Array(4)), /x expected ≥ batch·cols = 6 elements/);
});
