// Run a rank program on `size` worker threads that talk through one SharedArrayBuffer (real
// concurrency). The program is named by module URL and export (it must be importable in a worker).
// A rank that throws marks the world failed and every other rank fails at once with an error
// naming it; a rank that hangs makes its peers time out naming it and the collective; a watchdog
// catches a silent world. Hung workers are terminated.
import { Worker } from 'node:worker_threads';
import { rangeError } from '../../core/errors.js';
import type { CommunicatorOptions } from '../communicator.js';
import type { MemorySnapshot, TrafficRecord } from '../meters.js';
import { rankStalledError } from './failure.js';
import { ParallelRunError, rootCause, type RankRun } from './simulated.js';
import { sharedLayout, SharedMemoryEndpoint } from './sharedMemoryEndpoint.js';
import type { WorkerInit } from './workerEntry.js';

export interface WorkerRunOptions {
  timeoutMs?: number;
  /** Bytes of each (src, dst) mailbox slot; larger messages go in chunks. Default 256 KiB. */
  slotBytes?: number;
  comm?: CommunicatorOptions;
}

export interface ProgramRef {
  /** URL (file://…) of an ES module exporting the program. */
  module: string;
  exportName: string;
}

interface WorkerReply {
  ok: boolean;
  error?: string;
  result?: unknown;
  traffic?: TrafficRecord[];
  bytesSent?: number;
  bytesRecv?: number;
  memory?: MemorySnapshot;
}

export function runOnWorkers<R>(size: number, program: ProgramRef, args: unknown, options: WorkerRunOptions = {}): Promise<RankRun<R>[]> {
  if (!(Number.isInteger(size) && size >= 1)) throw rangeError('runOnWorkers', 'size', 'a positive integer', size);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const slotBytes = options.slotBytes ?? 256 * 1024;
  const sab = new SharedArrayBuffer(sharedLayout(size, slotBytes).totalBytes);
  const workers: Worker[] = [];
  const results: (RankRun<R> | undefined)[] = new Array(size);
  const errors: (string | null)[] = new Array(size).fill(null);
  return new Promise<RankRun<R>[]>((resolve, reject) => {
    let remaining = size, settled = false, firstError: string | null = null;
    let grace: ReturnType<typeof setTimeout> | null = null;
    let lastProgress = -1, lastChange = Date.now();
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      if (grace) clearTimeout(grace);
      for (const w of workers) void w.terminate();
      if (firstError) reject(new ParallelRunError(rootCause(errors) ?? firstError, errors));
      else resolve(results as RankRun<R>[]);
    };
    const failed = (rank: number, message: string): void => {
      errors[rank] = message;
      if (firstError) return;
      firstError = message;
      SharedMemoryEndpoint.abort(sab, size, slotBytes, rank, message);
      grace = setTimeout(finish, Math.min(timeoutMs, 2000)); // peers wake at once; a hung one is cut off
    };
    const settle = (): void => { if (--remaining === 0) finish(); };
    const watchdog = setInterval(() => {
      const p = SharedMemoryEndpoint.progress(sab, size, slotBytes);
      if (p !== lastProgress) { lastProgress = p; lastChange = Date.now(); return; }
      if (firstError || Date.now() - lastChange <= timeoutMs) return;
      const stalled = results.findIndex((r, i) => r === undefined && errors[i] === null);
      if (stalled < 0) return;
      failed(stalled, rankStalledError(stalled, timeoutMs, 'unknown (worker thread)').message);
      finish();
    }, Math.max(20, Math.floor(timeoutMs / 4)));
    for (let rank = 0; rank < size; rank++) {
      const init: WorkerInit = { sab, rank, size, slotBytes, timeoutMs, module: program.module, exportName: program.exportName, args, comm: options.comm };
      const w = new Worker(new URL('./workerEntry.js', import.meta.url), { workerData: init });
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if (m.ok) results[rank] = { rank, result: m.result as R, traffic: m.traffic!, bytesSent: m.bytesSent!, bytesRecv: m.bytesRecv!, memory: m.memory! };
        else failed(rank, m.error!);
        settle();
      });
      let reported = false;
      w.on('message', () => { reported = true; });
      w.on('error', (e) => { if (reported) return; reported = true; failed(rank, `rank ${rank} failed: ${e.message}`); settle(); });
      w.on('exit', (code) => {
        if (reported || settled) return;
        reported = true;
        failed(rank, `rank ${rank} failed: its worker exited (code ${code}) without a result`);
        settle();
      });
    }
  });
}
