// Choosing a backend explicitly: 'native' (the addon), 'wasm' (worker pool), 'cpu' (the reference) or
// 'auto' = the fastest available (native, else wasm). The result carries a one-line description that
// says which backend runs and, when auto fell back, why; callers print it once. Node only (via wasm/native).
import { cpuBackend } from './cpu/index.js';
import type { Backend } from './kernels.js';
import { createNativeBackend } from './native/index.js';
import { createWasmBackend } from './wasm/index.js';
import { TesseraError } from '../core/errors.js';

export const BACKEND_CHOICES = ['auto', 'native', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface OpenedBackend {
  backend: Backend;
  /** e.g. "native (OpenBLAS 0.3.21 …, 2 threads)" or "wasm, 2 threads (native unavailable: addon not built …)". */
  description: string;
  /** Why native is not in use, when it was asked for by 'auto' and could not load (else null). */
  fallbackReason: string | null;
  /** Stop worker threads (wasm); a no-op for the others. */
  close(): Promise<void>;
}

/**
 * Open the chosen backend with `threads` threads (default: all cores). An explicit 'native' that cannot
 * load is an error naming the reason; 'auto' falls back to wasm and says why.
 */
export async function openBackend(choice: BackendChoice = 'auto', threads?: number): Promise<OpenedBackend> {
  if (!BACKEND_CHOICES.includes(choice)) throw new TesseraError('option', 'backend', `expected one of ${BACKEND_CHOICES.join(', ')}, got ${String(choice)}`);
  if (choice === 'cpu') {
    return { backend: cpuBackend, description: 'cpu (the plain TypeScript reference, 1 thread)', fallbackReason: null, close: async () => {} };
  }
  let fallbackReason: string | null = null;
  if (choice === 'native' || choice === 'auto') {
    const native = createNativeBackend(threads === undefined ? {} : { threads });
    if (native.ok) return { backend: native.backend, description: `native (${native.backend.describe()})`, fallbackReason: null, close: async () => {} };
    if (choice === 'native') throw new TesseraError('option', 'backend', `native expected a loadable addon, but ${native.reason}`);
    fallbackReason = native.reason;
  }
  const wasm = await createWasmBackend(threads === undefined ? {} : { threads });
  const count = `${wasm.threads} thread${wasm.threads === 1 ? '' : 's'}`;
  return {
    backend: wasm,
    description: fallbackReason ? `wasm, ${count} (native unavailable: ${fallbackReason})` : `wasm, ${count}`,
    fallbackReason,
    close: () => wasm.dispose(),
  };
}
