// Finding, compiling and instantiating build/wasm/kernels.wasm against one shared memory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelExports } from './protocol.js';

const WASM_RELATIVE = join('build', 'wasm', 'kernels.wasm');
export const PAGE_BYTES = 65536;
/** The module declares at most 65536 pages (4 GiB, the wasm32 limit). */
export const MAX_PAGES = 65536;

/** The kernels file, found by walking up from this module (works from src/ under tsx and from dist/src/). */
export function findKernelsWasm(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, WASM_RELATIVE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`wasm backend: ${WASM_RELATIVE} not found above ${fileURLToPath(import.meta.url)}; run \`npm run build:wasm\``);
    dir = parent;
  }
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled kernel module (compiled once per thread). */
export function kernelModule(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(readFileSync(findKernelsWasm()));
  return compiled;
}

export function createSharedMemory(initialBytes: number, maximumBytes: number): WebAssembly.Memory {
  const maximum = Math.min(MAX_PAGES, Math.ceil(maximumBytes / PAGE_BYTES));
  const initial = Math.min(maximum, Math.ceil(initialBytes / PAGE_BYTES));
  return new WebAssembly.Memory({ initial, maximum, shared: true });
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
