// The wasm backend: AssemblyScript SIMD kernels on a shared memory, split over a pool of threads.
// f32 arrays (and weightGemv's bf16 / f16 weight words) run in wasm (copied in and out, or used in place when
// allocated with allocResident); f64 arrays, and every other kernel of the seam, run on the cpu reference.
// Host-neutral: the platform (platform.ts) supplies the compiled kernels and the pool threads — index.ts for
// Node, browser.ts for a browser's Web Worker.
import { dtypeError } from '../../core/errors.js';
import * as cpu from '../cpu/index.js';
import type { Backend, Conv2dParams, FanInIndices, FanInParams, GemmParams } from '../kernels.js';
import type { FloatArray } from '../../core/dtype.js';
import type { WasmContext } from './context.js';
import { conv2dBackwardFilterF32, conv2dBackwardInputF32, conv2dF32 } from './conv2d.js';
import { fanInMatmulF32, fanInMatmulFeatureMajorF32 } from './fanIn.js';
import { gemmF32 } from './gemm.js';
import { WasmHeap, type HeapStats, type ResidentArray, type ResidentDType } from './heap.js';
import { PAGE_BYTES, createSharedMemory, instantiate } from './module.js';
import type { WasmPlatform } from './platform.js';
import { ThreadPool } from './pool.js';
import { weightGemvWasm } from './weightGemv.js';
import { ssdStepWasm } from './ssdStep.js';
import { cachedAttentionWasm } from './cachedAttention.js';
import { cachedAttention as cpuCachedAttention, cachedAttentionBackward as cpuCachedAttentionBackward } from '../cpu/cachedAttention.js';

export interface WasmBackendOptions {
  /** Threads sharing each large kernel, the owning thread included (default: the host's cores). */
  threads?: number;
  /** Upper bound of the wasm memory in bytes (default and most 4 GiB); a call needing more throws. */
  maxMemoryBytes?: number;
  /** conv2d works on chunks of images whose column matrix fits this budget (default 64 MiB). */
  columnBudgetBytes?: number;
}

export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  /** Change the thread count (starts or stops workers). */
  setThreads(threads: number): Promise<void>;
  /** Stop the workers; the backend cannot be used afterwards. */
  dispose(): Promise<void>;
  /** Heap usage: usedBytes equals baselineBytes between kernel calls. */
  heapStats(): HeapStats;
  /** No job in flight on the pool. */
  isIdle(): boolean;
  /**
   * A typed array inside wasm memory (f32 by default; u16 / i32 for fan-in indices, u16 for weightGemv's bf16 /
   * f16 weight words): kernels given it read or write it in place, without copies — a weight kept resident
   * across calls. Free it with freeResident.
   */
  allocResident(length: number): Float32Array;
  allocResident(length: number, dtype: 'f32'): Float32Array;
  allocResident(length: number, dtype: 'u16'): Uint16Array;
  allocResident(length: number, dtype: 'i32'): Int32Array;
  freeResident(array: ResidentArray): void;
}

/** Bytes kept free below the heap (page 0). The module has no data segments; this is a guard. */
const HEAP_START = PAGE_BYTES;
const INITIAL_BYTES = 32 * 2 ** 20;


/** Both arrays f32 (→ true), both f64 (→ false), or a clear dtype error. */
function isF32(op: string, arrays: readonly FloatArray[]): boolean {
  const f32 = arrays.every((a) => a instanceof Float32Array);
  if (!f32 && !arrays.every((a) => a instanceof Float64Array)) {
    throw dtypeError(op, 'arrays', 'all f32 or all f64', arrays.map((a) => a.constructor.name));
  }
  return f32;
}

/** The wasm backend on `platform` (Node: createWasmBackend in index.ts; browsers: createBrowserWasmBackend). */
export async function createWasmBackendOn(platform: WasmPlatform, options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const threads = options.threads ?? platform.defaultThreads();
  const maxBytes = options.maxMemoryBytes ?? 2 ** 32;
  const module = await platform.compileKernels();
  const memory = createSharedMemory(Math.min(INITIAL_BYTES, maxBytes), maxBytes);
  const kernels = instantiate(module, memory);
  const heap = new WasmHeap(memory, HEAP_START, maxBytes);
  const pool = new ThreadPool(module, memory, kernels, platform);
  const ctx: WasmContext = { heap, pool, gemmScratchBytes: kernels.gemmScratchBytes(), columnBudgetBytes: options.columnBudgetBytes ?? 64 * 2 ** 20 };
  await pool.resize(threads);

  const backend: WasmBackend = {
    ...cpu.cpuBackend, // the kernels wasm does not accelerate run on the cpu reference (among them the float64
    // infinite-width image kernels positionGram … pairMap: wasm has no f64 SIMD kernels for them)
    name: 'wasm',
    get threads() {
      return pool.threads;
    },
    gemm(p: GemmParams, a: FloatArray, b: FloatArray, c: FloatArray) {
      if (isF32('gemm', [a, b, c])) gemmF32(ctx, p, a as Float32Array, b as Float32Array, c as Float32Array);
      else cpu.gemm(p, a, b, c);
    },
    conv2d(p: Conv2dParams, x: FloatArray, weight: FloatArray, y: FloatArray) {
      if (isF32('conv2d', [x, weight, y])) conv2dF32(ctx, p, x as Float32Array, weight as Float32Array, y as Float32Array);
      else cpu.conv2d(p, x, weight, y);
    },
    conv2dBackwardInput(p: Conv2dParams, dy: FloatArray, weight: FloatArray, dx: FloatArray) {
      if (isF32('conv2dBackwardInput', [dy, weight, dx])) conv2dBackwardInputF32(ctx, p, dy as Float32Array, weight as Float32Array, dx as Float32Array);
      else cpu.conv2dBackwardInput(p, dy, weight, dx);
    },
    conv2dBackwardFilter(p: Conv2dParams, x: FloatArray, dy: FloatArray, dweight: FloatArray) {
      if (isF32('conv2dBackwardFilter', [x, dy, dweight])) conv2dBackwardFilterF32(ctx, p, x as Float32Array, dy as Float32Array, dweight as Float32Array);
      else cpu.conv2dBackwardFilter(p, x, dy, dweight);
    },
    weightGemv: (p, x, w, y) => weightGemvWasm(ctx, p, x, w, y),
    cachedAttention(p, q, keys, values, out) {
      if (isF32('cachedAttention', [q, keys, values, out])) cachedAttentionWasm(ctx, p, q as Float32Array, keys as Float32Array, values as Float32Array, out as Float32Array);
      else cpuCachedAttention(p, q, keys, values, out);
    },
    cachedAttentionBackward: cpuCachedAttentionBackward,
    ssdStep(p, state, x, dt, A, B, C, D, stateOut, y) {
      if (isF32('ssdStep', [state, x, dt, A, B, C, D, stateOut, y])) {
        const f = (a: FloatArray) => a as Float32Array;
        ssdStepWasm(ctx, p, f(state), f(x), f(dt), f(A), f(B), f(C), f(D), f(stateOut), f(y));
      } else cpu.ssdStep(p, state, x, dt, A, B, C, D, stateOut, y);
    },
    fanInMatmul(p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, y: FloatArray) {
      if (isF32('fanInMatmul', [x, values, y])) fanInMatmulF32(ctx, p, x as Float32Array, values as Float32Array, indices, y as Float32Array);
      else cpu.fanInMatmul(p, x, values, indices, y);
    },
    fanInMatmulFeatureMajor(p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, y: FloatArray) {
      if (isF32('fanInMatmulFeatureMajor', [x, values, y])) fanInMatmulFeatureMajorF32(ctx, p, x as Float32Array, values as Float32Array, indices, y as Float32Array);
      else cpu.fanInMatmulFeatureMajor(p, x, values, indices, y);
    },
    setThreads: (n: number) => pool.resize(n),
    dispose: () => pool.dispose(),
    heapStats: () => heap.stats(),
    isIdle: () => pool.idle,
    allocResident: ((length: number, dtype: ResidentDType = 'f32') => heap.allocResident(length, dtype)) as WasmBackend['allocResident'],
    freeResident: (array: ResidentArray) => heap.freeResident(array),
  };
  return backend;
}
