// What the wasm backend needs from its host, so one backend runs under Node (worker_threads, the kernels file
// read from disk: nodePlatform.ts) and in a browser's Web Worker (Web Workers, the kernels fetched by URL:
// browser.ts). Everything else — memory, heap, kernels, pool protocol — is the same code on both.

/** What a pool thread receives to join the pool (see workerLoop.ts). */
export interface PoolWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** 1 … threads − 1 (the thread that owns the pool is 0). */
  tid: number;
  /** The control block's generation when the thread started. */
  generation: number;
  spins: number;
}

/** A started pool thread. */
export interface PoolWorker {
  /** Resolves once the thread has instantiated the kernels and entered its loop. */
  readonly ready: Promise<void>;
  /** Resolves once the thread has left its loop (after the exit job) and stopped. */
  readonly exited: Promise<void>;
  /** Whether an idle thread keeps its host alive (Node's ref/unref; a no-op in browsers). */
  keepAlive(keep: boolean): void;
}

export interface WasmPlatform {
  /** The compiled kernel module (build/wasm/kernels.wasm). */
  compileKernels(): Promise<WebAssembly.Module>;
  startWorker(init: PoolWorkerInit): PoolWorker;
  /** Threads when the caller names none: the host's cores. */
  defaultThreads(): number;
}
