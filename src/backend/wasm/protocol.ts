// The control block shared by the main thread and the workers, and the kernel table both sides call by number.
// Control block (one SharedArrayBuffer, separate from the wasm memory):
//   Int32 slots [0, 16): GENERATION (job counter), PENDING (workers yet to finish), KERNEL, ARG_COUNT, UNITS,
//   THREADS, FAILED;  Float64 args at byte 64 (u32 pointers and i32 sizes are exact in f64).
// Protocol: the main thread writes a job, sets PENDING = #workers, bumps GENERATION and notifies. Every worker
// reads the job, runs its share (possibly empty), decrements PENDING and the last one notifies. The main thread
// runs share 0 meanwhile and waits for PENDING = 0 before the next job, so a job's fields never change under a reader.

export const GENERATION = 0;
export const PENDING = 1;
export const KERNEL = 2;
export const ARG_COUNT = 3;
export const UNITS = 4;
export const THREADS = 5;
export const FAILED = 6;
export const ARGS_BYTE_OFFSET = 64;
export const MAX_ARGS = 24;
export const CONTROL_BYTES = ARGS_BYTE_OFFSET + MAX_ARGS * 8;

/** Kernel number → wasm export. Every kernel takes (...args, lo, hi, tid) and does work units [lo, hi). */
export const KERNELS = [
  'gemmBlocked', 'gemv', 'fanInGatherU16', 'fanInGatherI32', 'fanInGatherValidatedU16', 'fanInGatherValidatedI32',
  'fanInFeatureMajorU16', 'fanInFeatureMajorI32',
  'permuteBlocks', 'im2col', 'col2im', 'weightGemv', 'ssdStep', 'cachedAttention',
] as const;
export type KernelName = (typeof KERNELS)[number];
/** Sent instead of a kernel number to make workers leave their loop. */
export const EXIT_KERNEL = -1;

export type KernelFunction = (...args: number[]) => void;
export type KernelExports = Record<KernelName, KernelFunction> & { gemmScratchBytes(): number };

/** Thread t's contiguous share [lo, hi) of `units` split over `threads` (sizes differ by at most one). */
export function shareOf(units: number, threads: number, t: number): [number, number] {
  return [Math.floor((units * t) / threads), Math.floor((units * (t + 1)) / threads)];
}

/** Wait until slot `index` no longer holds `value`: spin briefly (cheap wake-ups for back-to-back jobs), then block. */
export function waitWhileEqual(control: Int32Array, index: number, value: number, spins: number): void {
  for (let i = 0; i < spins; i++) if (Atomics.load(control, index) !== value) return;
  while (Atomics.load(control, index) === value) Atomics.wait(control, index, value);
}
