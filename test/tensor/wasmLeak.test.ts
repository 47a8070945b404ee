// 10,000 tensor-level operations on the wasm backend leave its heap and pool at baseline,
// and give the same numbers as the cpu reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { withBackend } from '../../src/backend/registry.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { key } from '../../src/core/random.js';
import { assertClose } from '../support/random.js';

test('10,000 op calls through the tensor API on wasm: heap and pool return to baseline', async () => {
  const wasm = await createWasmBackend({ threads: 2 });
  try {
    const baseline = wasm.heapStats().usedBytes;
    const x = T.random.normal(key(1), [8, 33]), w = T.random.normal(key(2), [31, 33]);
    const img = T.random.normal(key(3), [2, 3, 9, 9]), k = T.random.normal(key(4), [4, 3, 3, 3]);
    const idx = T.tensor(Array.from({ length: 31 * 5 }, (_, i) => (i * 7) % 33), [31, 5], 'u16'), vals = T.random.normal(key(5), [31, 5]);
    const expected = [T.matmul(x, w, { transB: true }), T.conv2d(img, k, { padding: 1, stride: 2 }), T.fanInMatmul(x, vals, idx)];
    let last: T.Tensor[] = [];
    withBackend(wasm, () => {
      for (let i = 0; i < 10_000 / 4; i++) {
        const [, [gx]] = T.valueAndGrad((a) => T.sum(T.matmul(a, w, { transB: true })))(x);
        last = [T.matmul(x, w, { transB: true }), T.conv2d(img, k, { padding: 1, stride: 2 }), T.fanInMatmul(x, vals, idx), gx!];
      }
    });
    assert.equal(wasm.heapStats().usedBytes, baseline, 'wasm heap back at baseline');
    assert.ok(wasm.isIdle(), 'pool idle');
    expected.forEach((e, i) => assertClose(last[i]!.data, e.data, 1e-5, 1e-5, `op ${i}`));
  } finally {
    await wasm.dispose();
  }
});
