// A pool worker: instantiates the kernels on the shared memory, then loops forever on the control block
// (see protocol.ts). It blocks in Atomics.wait between jobs and leaves the loop on EXIT_KERNEL.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiate } from './module.js';
import {
  ARGS_BYTE_OFFSET, ARG_COUNT, EXIT_KERNEL, FAILED, GENERATION, KERNEL, KERNELS, MAX_ARGS, PENDING, THREADS, UNITS,
  shareOf, waitWhileEqual,
} from './protocol.js';

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  tid: number;
  generation: number;
  spins: number;
}

const init = workerData as WorkerInit;
const kernels = instantiate(init.module, init.memory);
const control = new Int32Array(init.control, 0, ARGS_BYTE_OFFSET / 4);
const args = new Float64Array(init.control, ARGS_BYTE_OFFSET, MAX_ARGS);
const callArgs: number[] = [];

parentPort!.postMessage('ready');

let seen = init.generation;
for (;;) {
  waitWhileEqual(control, GENERATION, seen, init.spins);
  seen = Atomics.load(control, GENERATION);
  const kernel = control[KERNEL]!;
  if (kernel === EXIT_KERNEL) break;
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
