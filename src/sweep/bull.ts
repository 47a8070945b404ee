// The distributed engine: a plan's trials as BullMQ jobs on Redis, run by `tessera sweep worker` processes
// on any number of machines. BullMQ does the queueing, retries with exponential backoff (`attempts`,
// `backoff`), stalled-job recovery (a worker that stops renewing its lock — killed, or its machine gone —
// for longer than `stallTimeoutMs` loses the job to another worker), deduplication (jobId = repro.trialId,
// so enqueueing a grid twice adds nothing) and the sandboxed processor (each trial runs in a child process
// of the worker, so a long synchronous trial never blocks the lock renewal). Results go to the Redis store
// (store.ts); the coordinator (`sweep run --queue`) waits on that store and mirrors it to files.
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { SweepPlan } from './plan.js';
import type { TrialJob } from './execute.js';
import type { TrialStore } from './store.js';
import { redisKey, type RedisTarget } from './redis.js';
import type { SweepOutcome } from './embedded.js';

export const QUEUE_NAME = 'tessera-sweep';

/** A job's data: the trial and where its experiment comes from. */
export interface SweepJobData extends TrialJob {
  module?: string;
}

export const jobIdOf = (repro: string, id: string): string => `${repro}.${id}`;

const connectionOf = (t: RedisTarget): ConnectionOptions => t.options as ConnectionOptions;

export interface EnqueueOptions {
  attempts: number;
  backoffMs: number;
}

/** Add every unfinished trial of the plan (failed ones are removed and added again); returns how many. */
export async function enqueueGrid(plan: SweepPlan, target: RedisTarget, store: TrialStore, o: EnqueueOptions): Promise<number> {
  const queue = new Queue<SweepJobData>(QUEUE_NAME, { connection: connectionOf(target) });
  const redis = new Redis(target.options);
  try {
    await redis.del(redisKey(plan.repro, 'cancel'));
    const done = await store.done();
    const failures = await store.failures();
    let added = 0;
    for (const t of plan.trials) {
      if (done.has(t.id)) continue;
      const jobId = jobIdOf(plan.repro, t.id);
      const existing = await queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state === 'failed' || state === 'completed') await existing.remove();
        else continue; // waiting, active or delayed: already queued
      }
      if (failures.has(t.id)) await store.clearFailure(t.id);
      const data: SweepJobData = {
        repro: plan.repro, id: t.id, label: t.label, config: t.config, attempt: 1,
        ...(plan.options.dataDir !== undefined && { dataDir: plan.options.dataDir }), ...(plan.module !== undefined && { module: plan.module }),
      };
      await queue.add(plan.repro, data, { jobId, attempts: o.attempts, backoff: { type: 'exponential', delay: o.backoffMs }, removeOnComplete: false, removeOnFail: false });
      added++;
    }
    return added;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

export interface WaitOptions {
  pollMs?: number;
  onUpdate?(s: { done: number; failed: number; total: number }): void;
}

/** Wait until every trial of the plan is done or failed in the store (or the grid is cancelled). */
export async function waitForGrid(plan: SweepPlan, target: RedisTarget, store: TrialStore, o: WaitOptions = {}): Promise<SweepOutcome> {
  const redis = new Redis(target.options);
  redis.on('error', () => {});
  try {
    let last = '';
    for (;;) {
      const done = await store.done(), failures = await store.failures();
      const d = plan.trials.filter((t) => done.has(t.id)).length;
      const f = plan.trials.filter((t) => !done.has(t.id) && failures.has(t.id)).length;
      const key = `${d}/${f}`;
      if (key !== last) { last = key; o.onUpdate?.({ done: d, failed: f, total: plan.trials.length }); }
      const cancelled = (await redis.get(redisKey(plan.repro, 'cancel'))) !== null;
      if (d + f === plan.trials.length || cancelled) return { done: d, failed: f, cancelled, total: plan.trials.length };
      await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    }
  } finally {
    redis.disconnect();
  }
}

export interface BullWorkerOptions {
  /** The sandboxed processor module (dist/src/cli/sweepProcessor.js). */
  processorFile: string;
  concurrency: number;
  /** A job whose worker has not renewed its lock for this long is handed to another worker. */
  stallTimeoutMs: number;
}

/** A BullMQ worker taking trials of any repro from the queue. */
export function startBullWorker(target: RedisTarget, o: BullWorkerOptions): Worker {
  return new Worker(QUEUE_NAME, o.processorFile, {
    connection: connectionOf(target), concurrency: o.concurrency, useWorkerThreads: false,
    lockDuration: o.stallTimeoutMs, stalledInterval: Math.max(1000, Math.floor(o.stallTimeoutMs / 2)), maxStalledCount: 3,
  });
}

/** Cancel a grid: remove its queued jobs; running trials stop at their next progress point. */
export async function cancelGrid(target: RedisTarget, repro: string): Promise<number> {
  const queue = new Queue(QUEUE_NAME, { connection: connectionOf(target) });
  const redis = new Redis(target.options);
  try {
    await redis.set(redisKey(repro, 'cancel'), new Date().toISOString());
    let removed = 0;
    for (const job of await queue.getJobs(['waiting', 'delayed', 'prioritized', 'paused'])) {
      if (job.name === repro) { await job.remove(); removed++; }
    }
    return removed;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** BullMQ's state of each trial of the plan that has a job ('waiting', 'active', 'delayed', 'failed', …). */
export async function jobStates(plan: SweepPlan, target: RedisTarget): Promise<Map<string, string>> {
  const queue = new Queue(QUEUE_NAME, { connection: connectionOf(target) });
  try {
    const out = new Map<string, string>();
    for (const t of plan.trials) {
      const job = await queue.getJob(jobIdOf(plan.repro, t.id));
      if (job) out.set(t.id, `${await job.getState()}${job.attemptsMade ? ` (${job.attemptsMade} failed attempt${job.attemptsMade === 1 ? '' : 's'})` : ''}`);
    }
    return out;
  } finally {
    await queue.close();
  }
}
