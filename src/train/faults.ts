// Failure injection for fault-tolerance tests and drills: a checkpoint store whose writes fail like a full
// disk, a loss that turns NaN once, and byte-level corruption/truncation of a checkpoint file. Process
// kills are injected by the caller (a child process that SIGKILLs itself from afterStep), since killing
// a process is a Node API and this module runs anywhere.
import { TesseraError } from '../core/errors.js';
import { mul, scalar, type Tensor } from '../tensor/index.js';
import type { CheckpointStore } from './checkpoint.js';

/**
 * `base` with writes that fail as on a full disk while `full(path)` is true: nothing is written (the
 * atomic writer leaves no temp file either), and the error names the file and ENOSPC.
 */
export function diskFullStore(base: CheckpointStore, full: (path: string) => boolean): CheckpointStore {
  return {
    ...base,
    write(path, chunks) {
      if (full(path)) throw new TesseraError('value', 'writeFileAtomic', `could not write ${path}: ENOSPC: no space left on device (injected)`);
      base.write(path, chunks);
    },
  };
}

/**
 * `loss` that returns NaN on the given 1-based calls, once each (a transient fault: the replay after a
 * rollback computes the real loss). `calls()` says how many calls there were.
 */
export function nanLossOnCalls<A extends unknown[]>(loss: (...args: A) => Tensor, calls: readonly number[]): { loss: (...args: A) => Tensor; calls: () => number } {
  let n = 0;
  const pending = new Set(calls);
  return {
    loss: (...args: A) => {
      n++;
      const real = loss(...args);
      if (!pending.delete(n)) return real;
      return mul(real, scalar(Number.NaN, real.dtype === 'f64' ? 'f64' : 'f32'));
    },
    calls: () => n,
  };
}

/** A copy of `bytes` with the byte at `at` (default: the middle of the data) XOR-ed with 0xff. */
export function corruptBytes(bytes: Uint8Array, at = Math.floor(bytes.length * 0.75)): Uint8Array {
  const out = new Uint8Array(bytes);
  out[at] = out[at]! ^ 0xff;
  return out;
}

/** The first `keep` bytes (default: half). */
export function truncateBytes(bytes: Uint8Array, keep = Math.floor(bytes.length / 2)): Uint8Array {
  return bytes.slice(0, keep);
}
