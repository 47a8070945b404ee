// One trial, executed by a worker: skip it when its result is already stored, else lease it, run it,
// and store its record (or its failure, with the message). Shared by the embedded queue's worker
// processes and BullMQ's sandboxed processor, so both write the same records.
import { performance } from 'node:perf_hooks';
import type { TrialContext, TrialGrid } from '../experiments/index.js';
import type { JsonValue } from '../report/index.js';
import type { ProgressEvent } from '../train/index.js';
import type { TrialRecord, TrialStore } from './store.js';
import { workerName } from './store.js';
import { hostname } from 'node:os';
import { getBackend } from '../backend/registry.js';

export interface TrialJob {
  repro: string;
  id: string;
  label: string;
  config: JsonValue;
  attempt: number;
  dataDir?: string;
}

export type TrialOutcome = { kind: 'done'; record: TrialRecord; first: boolean } | { kind: 'skipped'; record: TrialRecord } | { kind: 'failed'; error: Error };

export interface ExecuteOptions {
  versions: Record<string, string>;
  log?(line: string): void;
  onProgress?(e: ProgressEvent): void;
  /** Record the failure in the store (false while a queue will still retry the trial). */
  recordFailure?: boolean;
}

export async function executeTrial(grid: TrialGrid, job: TrialJob, store: TrialStore, o: ExecuteOptions): Promise<TrialOutcome> {
  const already = (await store.done()).get(job.id);
  if (already) return { kind: 'skipped', record: already };
  const worker = workerName();
  await store.start({ id: job.id, label: job.label, worker, pid: process.pid, host: hostname(), started_at: new Date().toISOString(), attempt: job.attempt });
  const pending: Promise<void>[] = [];
  const ctx: TrialContext = {
    versions: o.versions,
    log: (line) => {
      o.log?.(line);
      pending.push(store.log(job.id, line));
    },
    ...(o.onProgress && { onProgress: o.onProgress }),
    ...(job.dataDir !== undefined && { dataDir: job.dataDir }),
  };
  const t0 = performance.now();
  let result: JsonValue;
  try {
    result = await grid.runTrial(job.config as never, ctx);
    JSON.stringify(result); // a result that is not JSON fails here, as a trial failure
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    await Promise.all(pending);
    await store.log(job.id, `failed (attempt ${job.attempt}): ${error.message}`);
    if (o.recordFailure ?? true) await store.fail({ id: job.id, repro: job.repro, label: job.label, error: error.message, attempt: job.attempt, worker, failed_at: new Date().toISOString() });
    else await store.release(job.id); // a retry follows: not running meanwhile
    return { kind: 'failed', error };
  }
  await Promise.all(pending);
  const record: TrialRecord = {
    id: job.id, repro: job.repro, label: job.label, config: job.config, result, seconds: (performance.now() - t0) / 1000, attempt: job.attempt, worker, backend: `${getBackend().name} × ${getBackend().threads}`, finished_at: new Date().toISOString(),
  };
  const first = await store.finish(record);
  return { kind: 'done', record, first };
}
