// weightGemv on wasm: y [rows, out] = x [rows, in] · wᵀ with w [out, in] f32 / bf16 / f16 (assembly/weightGemv.ts),
// output rows split over the pool in groups of 4. Arrays are copied into the wasm heap per call, except those
// allocated there with allocResident (a weight kept resident across calls: allocResident(out·in, 'u16') for
// bf16 / f16 words, allocResident(out·in) for f32), which the kernel reads in place; x is small (rows·in)
// and y comes back by one copy.
import { checkWeightGemv } from '../cpu/index.js';
import type { WeightArray, WeightGemvParams } from '../kernels.js';
import { PARALLEL_MIN_WORK, withScratch, type WasmContext } from './context.js';

/** The kernel's code for each stored weight dtype. */
const DTYPE_CODE = { f32: 0, bf16: 1, f16: 2 } as const;
/** Output rows per work unit (the kernel's block). */
const GROUP = 4;

/** AcceleratedKernels.weightGemv. */
export function weightGemvWasm(ctx: WasmContext, p: WeightGemvParams, x: Float32Array, w: WeightArray, y: Float32Array): void {
  checkWeightGemv(p, x, w, y);
  const { rows, inWidth, outWidth } = p;
  if (rows * outWidth === 0) return;
  const what = (): string => `weightGemv (rows ${rows}, in ${inWidth}, out ${outWidth}, ${p.dtype})`;
  const { heap, pool } = ctx;
  withScratch(ctx, () => {
    const xAt = heap.place(x.subarray(0, rows * inWidth), what);
    const wAt = heap.place(w.subarray(0, outWidth * inWidth), what);
    const yAt = heap.placeOutput(y.subarray(0, rows * outWidth), what);
    const parallel = rows * outWidth * inWidth >= PARALLEL_MIN_WORK;
    pool.run('weightGemv', [xAt, wAt, yAt, rows, inWidth, outWidth, DTYPE_CODE[p.dtype]], Math.ceil(outWidth / GROUP), parallel);
    heap.copyOut(yAt, y, rows * outWidth);
  });
}
