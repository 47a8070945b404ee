// A pool thread under Node (worker_threads): the loop of workerLoop.ts; the thread exits when it returns.
import { parentPort, workerData } from 'node:worker_threads';
import type { PoolWorkerInit } from './platform.js';
import { runPoolWorker } from './workerLoop.js';

runPoolWorker(workerData as PoolWorkerInit, () => parentPort!.postMessage('ready'));
