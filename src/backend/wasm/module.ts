// The kernel module's memory and instances: one shared memory, one instance per thread. (Where the compiled module
// comes from is the platform's business: nodePlatform.ts reads it from disk, browser.ts fetches it.)
import type { KernelExports } from './protocol.js';

export const PAGE_BYTES = 65536;
/** The module declares at most 65536 pages (4 GiB, the wasm32 limit). */
export const MAX_PAGES = 65536;

export function createSharedMemory(initialBytes: number, maximumBytes: number): WebAssembly.Memory {
  const maximum = Math.min(MAX_PAGES, Math.ceil(maximumBytes / PAGE_BYTES));
  const initial = Math.min(maximum, Math.ceil(initialBytes / PAGE_BYTES));
  return new WebAssembly.Memory({ initial, maximum, shared: true });
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
