// The active backend. Tensor operations ask for it on every accelerated kernel call.
import { cpuBackend } from './cpu/index.js';
import type { Backend } from './kernels.js';

let active: Backend = cpuBackend;

/** The backend accelerated kernels currently run on (cpu unless `setBackend` was called). */
export function getBackend(): Backend {
  return active;
}

/** Make `backend` the active backend; returns the previous one so callers can restore it. */
export function setBackend(backend: Backend): Backend {
  const previous = active;
  active = backend;
  return previous;
}

/** Run `fn` with `backend` active, restoring the previous backend afterwards (also on throw). */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const previous = setBackend(backend);
  try {
    return fn();
  } finally {
    setBackend(previous);
  }
}
