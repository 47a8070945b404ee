// The fused cache attention kernel of every backend against the cpu reference (f32): one and three queries,
// GQA and MHA, caches spanning several of the native kernel's 256-row chunks (its split-K merge), and a
// query that sees only part of the cache; native and wasm refuse short arrays before their kernels run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import { normalValues, key } from '../../src/core/random.js';
import { engineBackends } from '../support/backends.js';

const f32 = (seed: number, n: number) => Float32Array.from(normalValues(key(seed), n, 'f32'));

test('cachedAttention: every backend equals the cpu reference (f32, 2e-6 relative)', async () => {
  for (const backend of await engineBackends()) {
    for (const [queries, nk, heads, kvHeads, headDim, start] of [[1, 1, 2, 2, 8, 0], [1, 600, 8, 2, 16, 599], [3, 700, 4, 4, 12, 500], [2, 257, 6, 3, 5, 255]] as const) {
      const p = { queries, keys: nk, heads, kvHeads, headDim, scale: 1 / Math.sqrt(headDim), start };
      const q = f32(1, queries * heads * headDim), k = f32(2, nk * kvHeads * headDim), v = f32(3, nk * kvHeads * headDim);
      const want = new Float32Array(q.length), got = new Float32Array(q.length);
      cpuBackend.cachedAttention(p, q, k, v, want);
      backend.cachedAttention(p, q, k, v, got);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
      assert.ok(worst <= 2e-6, `${backend.name} ${JSON.stringify(p)}: ${worst}`);
    }
    const p = { queries: 1, keys: 4, heads: 2, kvHeads: 2, headDim: 4, scale: 1, start: 3 };
    if (backend.name !== 'cpu') assert.throws(() => backend.cachedAttention(p, new Float32Array(8), new Float32Array(15), new Float32Array(16), new Float32Array(8)), /keys/);
  }
});
