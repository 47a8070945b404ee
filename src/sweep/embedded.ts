// The embedded queue: the default engine, no server. This process holds the queue of a plan's unfinished
// trials and hands them, one at a time, to N forked worker processes (src/cli/sweepChild.ts) over IPC.
// Each worker runs a trial through executeTrial, which writes the record to the file store itself.
//   - a worker that dies mid-trial (crash, OOM, SIGKILL): its trial goes back to the front of the queue
//     for the next free worker (attempt + 1); a new worker is started only when none is left alive;
//   - a trial that throws: retried after a backoff (backoffMs · 2^(attempt−1)) up to `attempts`, then
//     recorded as failed with its message; the grid goes on;
//   - cancellation: a `CANCEL` file in the store's directory (`tessera sweep cancel`) or SIGINT/SIGTERM
//     stops handing out trials and kills the running ones; finished results stay.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressEvent } from '../train/index.js';
import { removeFile } from '../io/files.js';
import type { SweepPlan } from './plan.js';
import type { TrialJob } from './execute.js';
import type { TrialStore } from './store.js';

/** parent → worker */
export interface RunMessage { type: 'run'; job: TrialJob; final: boolean }
/** worker → parent */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'log'; id: string; line: string }
  | { type: 'progress'; id: string; event: ProgressEvent }
  | { type: 'outcome'; id: string; kind: 'done' | 'skipped' | 'failed'; error?: string };

export interface EmbeddedOptions {
  plan: SweepPlan;
  /** The file store of the plan's repro (the workers open the same directory). */
  store: TrialStore;
  storeDir: string;
  workers: number;
  /** The worker entry module (dist/src/cli/sweepChild.js) and the arguments it needs (backend, threads). */
  workerEntry: string;
  workerArgs: string[];
  attempts: number;
  backoffMs: number;
  log(line: string): void;
  onProgress?(e: ProgressEvent, label: string): void;
  /** After each finished, skipped or failed trial. */
  onUpdate?(s: { done: number; failed: number; total: number }): void;
}

export interface SweepOutcome {
  done: number;
  failed: number;
  cancelled: boolean;
  total: number;
}

interface Slot { child: ChildProcess; job: TrialJob | null; ready: boolean }

export const cancelFileOf = (storeDir: string): string => join(storeDir, 'CANCEL');

export async function runEmbedded(o: EmbeddedOptions): Promise<SweepOutcome> {
  const { plan, store } = o;
  const total = plan.trials.length;
  const planned = new Set(plan.trials.map((t) => t.id));
  const done = new Set([...(await store.done()).keys()].filter((id) => planned.has(id))); // the store may hold other grids' trials
  for (const id of (await store.failures()).keys()) if (planned.has(id)) await store.clearFailure(id); // a new run retries failed trials
  removeFile(cancelFileOf(o.storeDir));
  const queue: TrialJob[] = plan.trials.filter((t) => !done.has(t.id)).map((t) => ({
    repro: plan.repro, id: t.id, label: t.label, config: t.config, attempt: 1, ...(plan.options.dataDir !== undefined && { dataDir: plan.options.dataDir }),
  }));
  let failed = 0, delayed = 0, cancelled = false, spawned = 0;
  const slots = new Set<Slot>();
  const labelOf = new Map(plan.trials.map((t) => [t.id, t.label]));
  if (queue.length === 0) return { done: done.size, failed: 0, cancelled: false, total };

  return await new Promise<SweepOutcome>((resolvePromise) => {
    const finishIfIdle = () => {
      const busy = [...slots].some((s) => s.job !== null);
      if ((queue.length === 0 && delayed === 0 && !busy) || (cancelled && !busy)) {
        clearInterval(cancelWatch);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        for (const s of slots) s.child.kill('SIGTERM');
        resolvePromise({ done: done.size, failed, cancelled, total });
      }
    };
    const dispatch = () => {
      if (cancelled) return finishIfIdle();
      for (const s of slots) {
        if (!s.ready || s.job !== null || queue.length === 0) continue;
        const job = queue.shift()!;
        s.job = job;
        s.child.send({ type: 'run', job, final: job.attempt >= o.attempts } satisfies RunMessage);
      }
      finishIfIdle();
    };
    const update = () => o.onUpdate?.({ done: done.size, failed, total });
    const spawn = () => {
      spawned++;
      const child = fork(o.workerEntry, [...o.workerArgs, '--store', o.storeDir, '--repro', plan.repro, ...(plan.module ? ['--module', plan.module] : [])], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const slot: Slot = { child, job: null, ready: false };
      slots.add(slot);
      child.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') slot.ready = true;
        else if (m.type === 'log') o.log(`[${labelOf.get(m.id) ?? m.id}] ${m.line}`);
        else if (m.type === 'progress') o.onProgress?.(m.event, labelOf.get(m.id) ?? m.id);
        else if (m.type === 'outcome') {
          const job = slot.job!;
          slot.job = null;
          if (m.kind === 'done' || m.kind === 'skipped') done.add(m.id);
          else if (job.attempt < o.attempts) {
            o.log(`trial "${job.label}" failed (attempt ${job.attempt} of ${o.attempts}), retrying: ${m.error}`);
            delayed++;
            setTimeout(() => { delayed--; queue.push({ ...job, attempt: job.attempt + 1 }); dispatch(); }, o.backoffMs * 2 ** (job.attempt - 1));
          } else {
            failed++;
            o.log(`trial "${job.label}" failed: ${m.error}`);
          }
          update();
        }
        dispatch();
      });
      child.on('exit', (code, signal) => {
        slots.delete(slot);
        if (slot.job && !cancelled) {
          const job = slot.job;
          o.log(`worker ${child.pid} died (${signal ?? `exit code ${code}`}) during "${job.label}"; the trial goes back to the queue`);
          queue.unshift({ ...job, attempt: job.attempt + 1 });
        }
        slot.job = null;
        if (slots.size === 0 && queue.length + delayed > 0 && !cancelled) {
          if (spawned > o.workers + 8) {
            o.log('workers keep dying; giving up (the finished trials are stored; run again to resume)');
            cancelled = true;
          } else spawn();
        }
        dispatch();
      });
    };
    const onSignal = () => {
      o.log('cancelled: stopping the workers (finished trials are kept)');
      cancel();
    };
    const cancel = () => {
      cancelled = true;
      queue.length = 0;
      for (const s of slots) if (s.job) { s.job = null; s.child.kill('SIGKILL'); }
      finishIfIdle();
    };
    const cancelWatch = setInterval(() => {
      if (existsSync(cancelFileOf(o.storeDir))) {
        removeFile(cancelFileOf(o.storeDir));
        o.log('cancelled by `tessera sweep cancel`');
        cancel();
      }
    }, 500);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    for (let i = 0; i < Math.min(o.workers, queue.length); i++) spawn();
  });
}
