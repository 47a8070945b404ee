// The wasm backend's host under Node: the kernels file found on disk above this module, worker_threads as pool
// threads (unref'd while idle, so an idle pool never keeps the process alive), os.availableParallelism() cores.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PoolWorker, PoolWorkerInit, WasmPlatform } from './platform.js';

const WASM_RELATIVE = join('build', 'wasm', 'kernels.wasm');
const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

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

function startNodeWorker(init: PoolWorkerInit): PoolWorker {
  const worker = new Worker(workerUrl, { workerData: init });
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return { ready, exited, keepAlive: (keep) => { if (keep) worker.ref(); else worker.unref(); } };
}

export const nodePlatform: WasmPlatform = {
  compileKernels: () => (compiled ??= WebAssembly.compile(readFileSync(findKernelsWasm()))),
  startWorker: startNodeWorker,
  defaultThreads: () => availableParallelism(),
};
