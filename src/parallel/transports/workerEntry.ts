// What each worker thread runs: build the rank's Communicator over the shared buffer, import the
// rank program by module URL and export name, run it, and post back its result and meters. An
// error marks the shared world failed (so every peer fails fast) before it is reported.
import { parentPort, workerData } from 'node:worker_threads';
import { Communicator, type CommunicatorOptions, type RankProgram } from '../communicator.js';
import { SharedMemoryEndpoint } from './sharedMemoryEndpoint.js';

export interface WorkerInit {
  sab: SharedArrayBuffer;
  rank: number;
  size: number;
  slotBytes: number;
  timeoutMs: number;
  module: string;
  exportName: string;
  args: unknown;
  comm?: CommunicatorOptions;
}

const init = workerData as WorkerInit;
const endpoint = new SharedMemoryEndpoint(init.sab, init.rank, init.size, init.slotBytes, init.timeoutMs);
const comm = new Communicator(endpoint, init.comm);
try {
  const mod = (await import(init.module)) as Record<string, unknown>;
  const program = mod[init.exportName] as RankProgram<unknown, unknown> | undefined;
  if (typeof program !== 'function') throw new Error(`${init.module} has no rank program export "${init.exportName}"`);
  const result = await program(comm, init.args);
  parentPort!.postMessage({ ok: true, result, traffic: comm.meter.rows(), bytesSent: comm.meter.bytesSent, bytesRecv: comm.meter.bytesRecv, memory: comm.memory.snapshot() });
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  const named = /\brank \d+/.test(message) ? message : `rank ${init.rank} failed: ${message}`;
  SharedMemoryEndpoint.abort(init.sab, init.size, init.slotBytes, init.rank, message);
  parentPort!.postMessage({ ok: false, error: named });
}
