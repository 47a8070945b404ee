// cachedAttention on wasm (assembly/cachedAttention.ts): (query, head) pairs split over the pool. q and the
// visible cache rows are copied into the wasm heap per call unless allocated there with allocResident (a
// cache kept resident is read in place); the output comes back by one copy. The VJP runs the cpu reference.
import { checkCachedAttention } from '../cpu/index.js';
import type { CachedAttentionParams } from '../kernels.js';
import { PARALLEL_MIN_WORK, withScratch, type WasmContext } from './context.js';

/** AcceleratedKernels.cachedAttention for f32 arrays. */
export function cachedAttentionWasm(ctx: WasmContext, p: CachedAttentionParams, q: Float32Array, keys: Float32Array, values: Float32Array, out: Float32Array): void {
  checkCachedAttention(p, q, keys, values, out);
  const { queries, heads, kvHeads, headDim: d } = p;
  const qw = heads * d, kw = kvHeads * d;
  const rows = Math.min(p.keys, p.start + queries); // the last query sees no further
  const what = (): string => `cachedAttention (queries ${queries}, keys ${p.keys}, heads ${heads}/${kvHeads}, head dim ${d})`;
  const { heap, pool } = ctx;
  withScratch(ctx, () => {
    const qAt = heap.place(q.subarray(0, queries * qw), what);
    const kAt = heap.place(keys.subarray(0, rows * kw), what);
    const vAt = heap.place(values.subarray(0, rows * kw), what);
    const outAt = heap.placeOutput(out.subarray(0, queries * qw), what);
    const scratch = heap.alloc(pool.threads * d * 8, what);
    pool.run('cachedAttention', [qAt, kAt, vAt, outAt, scratch, rows, heads, kvHeads, d, p.scale, p.start], queries * heads, rows * qw * queries >= PARALLEL_MIN_WORK);
    heap.copyOut(outAt, out, queries * qw);
  });
}
