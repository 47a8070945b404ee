// The wasm backend under Node: AssemblyScript SIMD kernels on a shared memory, split over a worker_threads pool
// (wasmBackend.ts on nodePlatform.ts). f32 arrays run in wasm; f64 arrays run on the cpu reference.
// For a browser's Web Worker, import tessera/backend/wasm/browser instead.
import { nodePlatform } from './nodePlatform.js';
import { createWasmBackendOn, type WasmBackend, type WasmBackendOptions } from './wasmBackend.js';

export type { HeapStats, ResidentArray, ResidentDType } from './heap.js';
export type { WasmBackend, WasmBackendOptions } from './wasmBackend.js';
export { findKernelsWasm } from './nodePlatform.js';

export function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  return createWasmBackendOn(nodePlatform, options);
}
