// A pool thread in a browser (a nested Web Worker of the engine's worker): waits for its PoolWorkerInit, runs the
// loop of workerLoop.ts, then says 'exited' and closes.
import type { PoolWorkerInit } from './platform.js';
import { runPoolWorker } from './workerLoop.js';

interface WorkerScope { onmessage: ((e: { data: PoolWorkerInit }) => void) | null; postMessage(m: string): void; close(): void }
const scope = globalThis as unknown as WorkerScope;

scope.onmessage = (e) => {
  scope.onmessage = null;
  runPoolWorker(e.data, () => scope.postMessage('ready'));
  scope.postMessage('exited');
  scope.close();
};
