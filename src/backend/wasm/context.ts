// What every kernel wrapper needs: the heap over the shared memory and the thread pool running on it.
import type { WasmHeap } from './heap.js';
import type { ThreadPool } from './pool.js';

export interface WasmContext {
  heap: WasmHeap;
  pool: ThreadPool;
  /** Per-thread scratch bytes the blocked GEMM needs (packed A and B panels). */
  gemmScratchBytes: number;
  /** conv2d processes images in chunks whose column matrix stays under this many bytes. */
  columnBudgetBytes: number;
}

/**
 * Run `body` with the heap's bump pointer restored afterwards (also on throw), so the heap returns
 * to its baseline after every kernel call.
 */
export function withScratch<T>(ctx: WasmContext, body: () => T): T {
  const mark = ctx.heap.mark();
  try {
    return body();
  } finally {
    ctx.heap.release(mark);
  }
}

/** Work (multiply-adds) below which a kernel runs on the main thread alone: waking workers costs ~10–50 µs. */
export const PARALLEL_MIN_WORK = 1 << 17;
