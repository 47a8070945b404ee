// The wasm backend in a browser: the same backend (wasmBackend.ts) with the kernels fetched by URL and nested Web
// Workers as pool threads. Call it inside a Web Worker (the pool's owner blocks in Atomics.wait, which a page's
// main thread may not) of a cross-origin isolated page (shared wasm memory needs SharedArrayBuffer).
// Bundlers (Vite, webpack 5, esbuild with the usual plugins) pick up the kernels file and the pool thread's
// module from the two `new URL(…, import.meta.url)` below.
import { TesseraError } from '../../core/errors.js';
import type { PoolWorker, PoolWorkerInit, WasmPlatform } from './platform.js';
import { createWasmBackendOn, type WasmBackend, type WasmBackendOptions } from './wasmBackend.js';

export type { WasmBackend, WasmBackendOptions } from './wasmBackend.js';

export interface BrowserWasmOptions extends WasmBackendOptions {
  /** Where build/wasm/kernels.wasm is served (default: beside the package, as the bundler emits it). */
  kernelsUrl?: string | URL;
}

// The few browser APIs used here, declared locally (the library compiles without the DOM lib).
interface WebWorker {
  onmessage: ((e: { data: string }) => void) | null;
  onerror: ((e: { message: string }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}
interface BrowserGlobals { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } }
// Written as `new Worker(new URL(…, import.meta.url))` so bundlers see the pool thread's module.
declare const Worker: new (url: URL, options: { type: 'module' }) => WebWorker;
const globals = globalThis as unknown as BrowserGlobals;

/** Whether this context can host the wasm backend (shared memory needs cross-origin isolation). */
export function browserWasmAvailable(): { ok: true } | { ok: false; reason: string } {
  if (typeof WebAssembly === 'undefined') return { ok: false, reason: 'this browser has no WebAssembly' };
  if (typeof SharedArrayBuffer === 'undefined' || globals.crossOriginIsolated === false) {
    return { ok: false, reason: 'the page is not cross-origin isolated (serve it with COOP same-origin and COEP require-corp, as `tessera app` does)' };
  }
  return { ok: true };
}

function startWebWorker(init: PoolWorkerInit): PoolWorker {
  const worker = new Worker(new URL('./browserWorker.js', import.meta.url), { type: 'module' });
  let resolveExit: () => void = () => {};
  const exited = new Promise<void>((resolve) => { resolveExit = resolve; });
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e) => {
      if (e.data === 'ready') resolve();
      else if (e.data === 'exited') { worker.terminate(); resolveExit(); }
    };
    worker.onerror = (e) => reject(new Error(`wasm backend: a pool thread failed to start: ${e.message}`));
  });
  worker.postMessage(init);
  return { ready, exited, keepAlive: () => {} };
}

export async function createBrowserWasmBackend(options: BrowserWasmOptions = {}): Promise<WasmBackend> {
  const available = browserWasmAvailable();
  if (!available.ok) throw new TesseraError('value', 'wasm backend', `needs shared memory, but ${available.reason}`);
  const url = options.kernelsUrl ?? new URL('../../../../build/wasm/kernels.wasm', import.meta.url);
  const platform: WasmPlatform = {
    async compileKernels() {
      const response = await fetch(url);
      if (!response.ok) throw new TesseraError('value', 'wasm backend', `kernels expected at ${String(url)}, got HTTP ${response.status}`);
      return WebAssembly.compile(await response.arrayBuffer());
    },
    startWorker: startWebWorker,
    defaultThreads: () => globals.navigator?.hardwareConcurrency ?? 1,
  };
  return createWasmBackendOn(platform, options);
}
