// The thread pool: the owning thread plus (threads − 1) pool threads (the platform's: worker_threads under Node,
// Web Workers in a browser) sharing one wasm memory. A job is split into contiguous unit ranges; the owning thread
// runs share 0 and blocks (Atomics.wait: in a browser the owner must itself be a worker) until every pool thread
// has finished its share. Idle pool threads never keep a Node process alive.
import type { PoolWorker, WasmPlatform } from './platform.js';
import {
  ARGS_BYTE_OFFSET, ARG_COUNT, CONTROL_BYTES, EXIT_KERNEL, FAILED, GENERATION, KERNEL, KERNELS, MAX_ARGS, PENDING,
  THREADS, UNITS, shareOf, waitWhileEqual,
  type KernelExports, type KernelName,
} from './protocol.js';

/** Spin iterations before blocking: a worker woken by a job that comes right after the last is cheap. */
const WORKER_SPINS = 4000;
const MAIN_SPINS = 4000;

export class ThreadPool {
  private readonly workers: PoolWorker[] = [];
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES), 0, ARGS_BYTE_OFFSET / 4);
  private readonly args = new Float64Array(this.control.buffer, ARGS_BYTE_OFFSET, MAX_ARGS);
  private busy = false;
  private disposed = false;
  private jobs = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly kernels: KernelExports,
    private readonly platform: WasmPlatform,
  ) {}

  /** Threads that share a job: the main thread and the workers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Idle: no job in flight. (Workers are then blocked in Atomics.wait or spinning briefly.) */
  get idle(): boolean {
    return !this.busy;
  }

  get jobCount(): number {
    return this.jobs;
  }

  /** Grow or shrink to `threads` threads in all (≥ 1). */
  async resize(threads: number): Promise<void> {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`wasm backend: threads expected an integer ≥ 1, got ${threads}`);
    this.assertUsable();
    if (this.threads > threads) await this.stopAll();
    const started: Promise<void>[] = [];
    while (this.threads < threads) {
      const worker = this.platform.startWorker({
        module: this.module, memory: this.memory, control: this.control.buffer as SharedArrayBuffer,
        tid: this.workers.length + 1, generation: Atomics.load(this.control, GENERATION), spins: WORKER_SPINS,
      });
      this.workers.push(worker);
      started.push(worker.ready);
    }
    await Promise.all(started);
    for (const worker of this.workers) worker.keepAlive(false);
  }

  /**
   * Run kernel(...args, lo, hi, tid) over `units` work units on all threads, or on the main thread
   * alone when `parallel` is false or there is one unit. Returns when every share is done.
   */
  run(kernel: KernelName, args: readonly number[], units: number, parallel: boolean): void {
    this.assertUsable();
    if (units <= 0) return;
    const threads = this.threads;
    this.jobs++;
    if (!parallel || threads === 1 || units === 1) {
      this.kernels[kernel](...args, 0, units, 0);
      return;
    }
    if (args.length > MAX_ARGS) throw new Error(`wasm backend: ${kernel} has ${args.length} arguments, more than ${MAX_ARGS}`);
    const c = this.control;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    c[KERNEL] = KERNELS.indexOf(kernel);
    c[ARG_COUNT] = args.length;
    c[UNITS] = units;
    c[THREADS] = threads;
    c[FAILED] = 0;
    Atomics.store(c, PENDING, this.workers.length);
    this.busy = true;
    Atomics.add(c, GENERATION, 1);
    Atomics.notify(c, GENERATION);
    try {
      const [lo, hi] = shareOf(units, threads, 0);
      if (lo < hi) this.kernels[kernel](...args, lo, hi, 0);
    } finally {
      for (let left = Atomics.load(c, PENDING); left !== 0; left = Atomics.load(c, PENDING)) waitWhileEqual(c, PENDING, left, MAIN_SPINS);
      this.busy = false;
    }
    if (Atomics.load(c, FAILED) !== 0) throw new Error(`wasm backend: kernel ${kernel} failed in a worker thread (out-of-bounds memory access?)`);
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('wasm backend: used after dispose()');
  }

  /** Post the exit job and wait until every worker has left its loop and exited. */
  private async stopAll(): Promise<void> {
    for (const w of this.workers) w.keepAlive(true);
    const exited = this.workers.map((w) => w.exited);
    this.control[KERNEL] = EXIT_KERNEL;
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    await Promise.all(exited);
    this.workers.length = 0;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.stopAll();
    this.disposed = true;
  }
}
