// f32 constant fan-in sparse matmul on wasm (batch-major and feature-major entry points).
// Batch 1 (either layout): SIMD gather kernel. Batch > 1: the feature-major kernel with a 32-lane batch tile;
// batch-major inputs are transposed to feature-major and back around it. Both split output rows over threads.
import { dtypeError, rangeError } from '../../core/errors.js';
import type { FanInIndices, FanInParams } from '../kernels.js';
import { PARALLEL_MIN_WORK, withScratch, type WasmContext } from './context.js';

type Layout = 'batch-major' | 'feature-major';

function check(op: string, p: FanInParams, x: Float32Array, values: Float32Array, indices: FanInIndices, y: Float32Array): void {
  const { batch, inFeatures, outFeatures, fanIn } = p;
  for (const [name, v] of [['batch', batch], ['inFeatures', inFeatures], ['outFeatures', outFeatures], ['fanIn', fanIn]] as const) {
    if (!Number.isInteger(v) || v < 0) throw rangeError(op, name, 'an integer ≥ 0', v);
  }
  if (!(indices instanceof Uint16Array) && !(indices instanceof Int32Array)) throw dtypeError(op, 'indices', 'u16 or i32', (indices as object).constructor.name);
  if (x.length < batch * inFeatures) throw rangeError(op, 'x.length', `≥ batch·inFeatures = ${batch * inFeatures}`, x.length);
  if (values.length < outFeatures * fanIn) throw rangeError(op, 'values.length', `≥ outFeatures·fanIn = ${outFeatures * fanIn}`, values.length);
  if (indices.length < outFeatures * fanIn) throw rangeError(op, 'indices.length', `≥ outFeatures·fanIn = ${outFeatures * fanIn}`, indices.length);
  if (y.length < batch * outFeatures) throw rangeError(op, 'y.length', `≥ batch·outFeatures = ${batch * outFeatures}`, y.length);
}

/** The largest index in the first `count` entries, as u32 (so a negative i32 counts as huge). */
function largestIndex(indices: FanInIndices, count: number): number {
  let largest = 0;
  for (let i = 0; i < count; i++) largest = Math.max(largest, indices[i]! >>> 0);
  return largest;
}

function fanInF32(layout: Layout, ctx: WasmContext, p: FanInParams, x: Float32Array, values: Float32Array, indices: FanInIndices, y: Float32Array): void {
  const op = layout === 'batch-major' ? 'fanInMatmul' : 'fanInMatmulFeatureMajor';
  check(op, p, x, values, indices, y);
  const { batch, inFeatures, outFeatures, fanIn } = p;
  if (batch * outFeatures === 0) return;
  const what = (): string => `${op} (batch ${batch}, in ${inFeatures}, out ${outFeatures}, fanIn ${fanIn})`;
  const { heap, pool } = ctx;
  const u16 = indices instanceof Uint16Array;
  const parallel = batch * outFeatures * fanIn >= PARALLEL_MIN_WORK;
  withScratch(ctx, () => {
    const xAt = heap.place(x.subarray(0, batch * inFeatures), what);
    const vAt = heap.place(values.subarray(0, outFeatures * fanIn), what);
    const iAt = heap.place(indices.subarray(0, outFeatures * fanIn), what);
    const yAt = heap.placeOutput(y, what);
    const maxAt = heap.alloc(4 * pool.threads, what);
    const f32 = heap.f32View();
    f32.fill(0, maxAt >> 2, (maxAt >> 2) + pool.threads);
    try {
      if (batch === 1) {
        const kernel = p.indicesValidated
          ? (u16 ? 'fanInGatherValidatedU16' : 'fanInGatherValidatedI32')
          : (u16 ? 'fanInGatherU16' : 'fanInGatherI32');
        pool.run(kernel, [xAt, vAt, iAt, yAt, fanIn, maxAt], outFeatures, parallel);
      } else {
        const featureMajor = (xfm: number, yfm: number): void =>
          pool.run(u16 ? 'fanInFeatureMajorU16' : 'fanInFeatureMajorI32', [xfm, vAt, iAt, yfm, batch, fanIn, maxAt], outFeatures, parallel);
        if (layout === 'feature-major') featureMajor(xAt, yAt);
        else {
          // x [batch, in] → xT [in, batch]; yT [out, batch] → y [batch, out].
          const xT = heap.alloc(batch * inFeatures * 4, what), yT = heap.alloc(batch * outFeatures * 4, what);
          pool.run('permuteBlocks', [xAt, xT, batch, inFeatures, 1], Math.ceil(inFeatures / 8), parallel);
          featureMajor(xT, yT);
          pool.run('permuteBlocks', [yT, yAt, outFeatures, batch, 1], Math.ceil(batch / 8), parallel);
        }
      }
    } catch (err) {
      const largest = largestIndex(indices, outFeatures * fanIn);
      if (largest >= inFeatures) throw rangeError(op, 'indices', `< inFeatures = ${inFeatures}`, largest);
      throw err;
    }
    let largest = 0;
    for (let t = 0; t < pool.threads; t++) largest = Math.max(largest, heap.u32At(maxAt + 4 * t));
    if (largest >= inFeatures) throw rangeError(op, 'indices', `< inFeatures = ${inFeatures}`, largest);
    heap.copyOut(yAt, y, batch * outFeatures);
  });
}

/** AcceleratedKernels.fanInMatmul for f32: x [batch, in], y [batch, out]. */
export function fanInMatmulF32(ctx: WasmContext, p: FanInParams, x: Float32Array, values: Float32Array, indices: FanInIndices, y: Float32Array): void {
  fanInF32('batch-major', ctx, p, x, values, indices, y);
}

/** AcceleratedKernels.fanInMatmulFeatureMajor for f32: x [in, batch], y [out, batch]. */
export function fanInMatmulFeatureMajorF32(ctx: WasmContext, p: FanInParams, x: Float32Array, values: Float32Array, indices: FanInIndices, y: Float32Array): void {
  fanInF32('feature-major', ctx, p, x, values, indices, y);
}
