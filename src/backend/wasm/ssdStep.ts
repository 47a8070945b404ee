// ssdStep on wasm (assembly/ssdStep.ts): heads split over the pool. The arrays are copied into the wasm heap
// per call unless allocated there with allocResident; an in-place call (stateOut = state) updates one copy.
import { checkSsdStep } from '../cpu/index.js';
import type { SsdStepParams } from '../kernels.js';
import { PARALLEL_MIN_WORK, withScratch, type WasmContext } from './context.js';

/** AcceleratedKernels.ssdStep for f32 arrays. */
export function ssdStepWasm(ctx: WasmContext, p: SsdStepParams, state: Float32Array, x: Float32Array, dt: Float32Array, A: Float32Array,
  B: Float32Array, C: Float32Array, D: Float32Array, stateOut: Float32Array, y: Float32Array): void {
  checkSsdStep(p, { state, x, dt, A, B, C, D, stateOut, y });
  const { heads: H, headDim: P, stateSize: N, groups: G } = p;
  const what = (): string => `ssdStep (heads ${H}, head dim ${P}, state ${N})`;
  const { heap, pool } = ctx;
  const states = H * P * N;
  withScratch(ctx, () => {
    const stateAt = heap.place(state.subarray(0, states), what);
    const inPlace = stateOut === state;
    const outAt = inPlace ? stateAt : heap.placeOutput(stateOut.subarray(0, states), what);
    const small = (a: Float32Array, n: number) => heap.place(a.subarray(0, n), what);
    const yAt = heap.placeOutput(y.subarray(0, H * P), what);
    const args = [stateAt, small(x, H * P), small(dt, H), small(A, H), small(B, G * N), small(C, G * N), small(D, H), outAt, yAt, H, P, N, G];
    pool.run('ssdStep', args, H, states >= PARALLEL_MIN_WORK);
    heap.copyOut(outAt, stateOut, states);
    heap.copyOut(yAt, y, H * P);
  });
}
