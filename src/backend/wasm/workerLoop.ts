// A pool thread's life: instantiate the kernels on the shared memory, say ready, then loop on the control block
// (see protocol.ts), blocking in Atomics.wait between jobs, until the exit job. Host-neutral: worker.ts (Node)
// and browserWorker.ts (a Web Worker) call it with their own way of saying ready.
import { instantiate } from './module.js';
import type { PoolWorkerInit } from './platform.js';
import {
  ARGS_BYTE_OFFSET, ARG_COUNT, EXIT_KERNEL, FAILED, GENERATION, KERNEL, KERNELS, MAX_ARGS, PENDING, THREADS, UNITS,
  shareOf, waitWhileEqual,
} from './protocol.js';

export function runPoolWorker(init: PoolWorkerInit, ready: () => void): void {
  const kernels = instantiate(init.module, init.memory);
  const control = new Int32Array(init.control, 0, ARGS_BYTE_OFFSET / 4);
  const args = new Float64Array(init.control, ARGS_BYTE_OFFSET, MAX_ARGS);
  const callArgs: number[] = [];
  ready();

  let seen = init.generation;
  for (;;) {
    waitWhileEqual(control, GENERATION, seen, init.spins);
    seen = Atomics.load(control, GENERATION);
    const kernel = control[KERNEL]!;
    if (kernel === EXIT_KERNEL) return;
    const [lo, hi] = shareOf(control[UNITS]!, control[THREADS]!, init.tid);
    if (lo < hi) {
      const count = control[ARG_COUNT]!;
      callArgs.length = 0;
      for (let i = 0; i < count; i++) callArgs.push(args[i]!);
      callArgs.push(lo, hi, init.tid);
      try {
        kernels[KERNELS[kernel]!](...callArgs);
      } catch {
        Atomics.store(control, FAILED, 1);
      }
    }
    if (Atomics.sub(control, PENDING, 1) === 1) Atomics.notify(control, PENDING);
  }
}
