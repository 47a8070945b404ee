// `tessera sweep run|status|report|worker|cancel`: a reproduction's grid of trials on the embedded queue
// (default: N forked worker processes on this machine) or on BullMQ over Redis (--queue redis://host:port,
// workers started with `tessera sweep worker` on any machine). `tessera repro X` is `sweep run X` with one
// worker followed by `sweep report X`. Results: results/<repro>/trials/ (and, with --queue, Redis).
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { nodeRunWriter } from '../io/files.js';
import {
  cancelFileOf, cancelGrid, checkReachable, enqueueGrid, fileTrialStore, jobStates, parseQueueUrl, planSweep, redisTrialStore, runEmbedded, startBullWorker, waitForGrid, writeSweepReport,
  type RedisTarget, type SweepOutcome, type SweepPlan, type TrialStore,
} from '../sweep/index.js';
import { progressReporter, type ProgressReporter } from './progress.js';
import { versions } from './versions.js';
import type { BackendChoice } from './backend.js';
import cliProgress from 'cli-progress';

export interface GridArgs {
  quick?: boolean;
  seed: number;
  data?: string;
  results: string;
  module?: string;
  queue?: string;
}

export interface RunArgs extends GridArgs {
  workers?: number;
  threads?: number;
  backend: BackendChoice;
  attempts: number;
  backoffMs: number;
  stallTimeout: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const storeDirOf = (a: GridArgs, repro: string) => join(a.results, repro, 'trials');

async function plan(repro: string, a: GridArgs): Promise<SweepPlan> {
  return planSweep(repro, { quick: a.quick ?? false, seed: a.seed, ...(a.data !== undefined && { dataDir: a.data }) }, versions().tessera!, a.module);
}

async function target(a: GridArgs): Promise<RedisTarget | null> {
  if (a.queue === undefined) return null;
  const t = parseQueueUrl(a.queue);
  await checkReachable(t);
  return t;
}

/** A bar of finished trials on a TTY, plain lines otherwise. */
function trialBar(reporter: ProgressReporter): { update(s: { done: number; failed: number; total: number }): void; stop(): void } {
  const tty = Boolean(process.stderr.isTTY) && process.env.CI !== 'true';
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(s) {
      if (!tty) return reporter.log(`trials: ${s.done}/${s.total} done${s.failed ? `, ${s.failed} failed` : ''}`);
      if (!bar) {
        bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'trials [{bar}] {value}/{total} done, {failed} failed | {eta}s left', hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(s.total, s.done, { failed: s.failed });
      }
      bar.update(s.done, { failed: s.failed });
    },
    stop: () => bar?.stop(),
  };
}

/** Copy the Redis store's records of the plan into the file store (report and status read files too). */
async function mirror(p: SweepPlan, from: TrialStore, to: TrialStore): Promise<void> {
  const mine = await to.done();
  for (const [id, r] of await from.done()) if (!mine.has(id) && p.trials.some((t) => t.id === id)) await to.finish(r);
  for (const [id, f] of await from.failures()) if (p.trials.some((t) => t.id === id)) await to.fail(f);
}

export async function sweepRun(repro: string, a: RunArgs, o: { report?: boolean } = {}): Promise<void> {
  const t = await target(a);
  const p = await plan(repro, a);
  const files = fileTrialStore(storeDirOf(a, repro));
  const reporter = progressReporter();
  const bar = trialBar(reporter);
  const workers = a.workers ?? (t ? 0 : availableParallelism());
  // threads per worker: the cores shared by the workers that have trials to run (one trial → all cores)
  const active = Math.max(1, Math.min(workers, p.trials.length));
  const threads = a.threads ?? Math.max(1, Math.floor(availableParallelism() / active));
  let outcome: SweepOutcome;
  try {
    if (!t) {
      if (workers < 1) throw new Error('--workers expected at least 1 on the embedded queue (0 is for --queue, where other machines work)');
      reporter.log(`sweep ${repro}: ${p.trials.length} trials on the embedded queue, ${active} worker process${active === 1 ? '' : 'es'} × ${threads} thread${threads === 1 ? '' : 's'} (${files.where})`);
      outcome = await runEmbedded({
        plan: p, store: files, storeDir: storeDirOf(a, repro), workers, workerEntry: here('./sweepChild.js'), workerArgs: ['--backend', a.backend, '--threads', String(threads)],
        attempts: a.attempts, backoffMs: a.backoffMs, log: (l) => reporter.log(l), onUpdate: (s) => bar.update(s),
        ...(active === 1 && { onProgress: (e) => reporter.onProgress(e) }),
      });
    } else {
      const redis = redisTrialStore(t, repro);
      const local: ChildProcess[] = [];
      try {
        const added = await enqueueGrid(p, t, redis, { attempts: a.attempts, backoffMs: a.backoffMs });
        reporter.log(`sweep ${repro}: ${p.trials.length} trials, ${added} queued on ${t.url}; ${workers ? `${workers} local worker${workers === 1 ? '' : 's'}` : `start workers with \`tessera sweep worker --queue ${a.queue}\``}`);
        for (let i = 0; i < workers; i++) {
          local.push(spawn(process.execPath, [here('./main.js'), 'sweep', 'worker', '--queue', a.queue!, '--threads', String(threads), '--stall-timeout', String(a.stallTimeout)], { stdio: ['ignore', 'ignore', 'inherit'] }));
        }
        outcome = await waitForGrid(p, t, redis, { onUpdate: (s) => bar.update(s) });
        await mirror(p, redis, files);
      } finally {
        for (const c of local) c.kill('SIGTERM');
        await redis.close();
      }
    }
  } finally {
    bar.stop();
  }
  if (outcome.cancelled) reporter.log(`sweep ${repro}: cancelled with ${outcome.done}/${outcome.total} trials done`);
  if (o.report ?? true) {
    const r = await writeSweepReport(p, files, { resultsDir: a.results, versions: versions(), writer: nodeRunWriter() });
    reporter.log(`report: ${r.runDir}/report.md (${r.finished}/${r.total} trials)`);
  }
  reporter.stop();
  if (outcome.failed > 0) {
    process.stderr.write(`${outcome.failed} trial${outcome.failed === 1 ? '' : 's'} failed; see \`tessera sweep status ${repro}${a.quick ? ' --quick' : ''}\` and rerun to retry them\n`);
    process.exitCode = 1;
  } else if (outcome.cancelled) process.exitCode = 130;
}

export async function sweepStatus(repro: string, a: GridArgs & { json?: boolean }): Promise<void> {
  const t = await target(a);
  const p = await plan(repro, a);
  const store = t ? redisTrialStore(t, repro) : fileTrialStore(storeDirOf(a, repro));
  try {
    const [done, failures, running] = [await store.done(), await store.failures(), await store.running()];
    const states = t ? await jobStates(p, t) : new Map<string, string>();
    const rows = p.trials.map((tr) => {
      const d = done.get(tr.id), f = failures.get(tr.id), r = running.get(tr.id);
      const state = d ? 'done' : f ? (f.cancelled ? 'cancelled' : 'failed') : r ? (t || processAlive(r.pid) ? 'running' : 'interrupted') : states.get(tr.id)?.split(' ')[0] ?? 'pending';
      return { id: tr.id, label: tr.label, state, ...(states.has(tr.id) && { queue: states.get(tr.id) }), attempt: d?.attempt ?? f?.attempt ?? r?.attempt ?? 0, seconds: d?.seconds ?? null, worker: d?.worker ?? r?.worker ?? f?.worker ?? null, ...(f && !d && { error: f.error }) };
    });
    const count = (s: string) => rows.filter((r) => r.state === s).length;
    if (a.json) {
      process.stdout.write(`${JSON.stringify({ repro, total: rows.length, done: count('done'), running: count('running'), failed: count('failed'), trials: rows }, null, 1)}\n`);
      return;
    }
    const width = 30, filled = Math.round((width * count('done')) / Math.max(1, rows.length));
    process.stdout.write(`${repro}${a.quick ? ' --quick' : ''}: [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${count('done')}/${rows.length} done, ${count('running')} running, ${count('failed')} failed, ${rows.length - count('done') - count('running') - count('failed')} other  (${store.where})\n`);
    for (const r of rows) {
      process.stdout.write(`  ${r.state.padEnd(11)} ${r.id}  ${r.label}${r.seconds !== null ? `  ${r.seconds.toFixed(1)} s` : ''}${r.attempt > 1 ? `  attempt ${r.attempt}` : ''}${r.worker ? `  ${r.worker}` : ''}${'error' in r ? `  — ${r.error}` : ''}\n`);
    }
  } finally {
    await store.close();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function sweepReport(repro: string, a: GridArgs & { out?: string }): Promise<void> {
  const t = await target(a);
  const p = await plan(repro, a);
  const files = fileTrialStore(storeDirOf(a, repro));
  if (t) {
    const redis = redisTrialStore(t, repro);
    try { await mirror(p, redis, files); } finally { await redis.close(); }
  }
  const r = await writeSweepReport(p, files, { resultsDir: a.results, versions: versions(), writer: nodeRunWriter(), ...(a.out !== undefined && { outDir: a.out }) });
  process.stdout.write(`${r.runDir}/report.md (${r.finished}/${r.total} trials)\n`);
}

export async function sweepLogs(repro: string, trial: string, a: GridArgs): Promise<void> {
  const t = await target(a);
  const p = await plan(repro, a);
  const found = p.trials.find((x) => x.id === trial || x.label === trial);
  if (!found) throw new Error(`no trial "${trial}" in the ${repro}${a.quick ? ' --quick' : ''} grid; expected a trial id or label from \`tessera sweep status ${repro}${a.quick ? ' --quick' : ''}\``);
  const store = t ? redisTrialStore(t, repro) : fileTrialStore(storeDirOf(a, repro));
  try {
    for (const line of await store.logOf(found.id)) process.stdout.write(`${line}\n`);
  } finally {
    await store.close();
  }
}

export async function sweepWorker(a: { queue: string; concurrency: number; threads?: number; stallTimeout: number }): Promise<void> {
  const t = parseQueueUrl(a.queue);
  await checkReachable(t);
  process.env.TESSERA_SWEEP_QUEUE = a.queue; // read by the sandboxed processor (its children inherit the environment)
  if (a.threads !== undefined) process.env.TESSERA_SWEEP_THREADS = String(a.threads);
  const worker = startBullWorker(t, { processorFile: here('./sweepProcessor.js'), concurrency: a.concurrency, stallTimeoutMs: a.stallTimeout * 1000 });
  worker.on('error', (e) => process.stderr.write(`sweep worker: ${e.message}\n`));
  worker.on('completed', (job) => process.stderr.write(`done ${job.data.label}\n`));
  worker.on('failed', (job, e) => process.stderr.write(`failed ${job?.data.label ?? '?'} (attempt ${job?.attemptsMade ?? '?'}): ${e.message}\n`));
  process.stderr.write(`sweep worker ${process.pid} on ${t.url} (concurrency ${a.concurrency}, stall timeout ${a.stallTimeout} s)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => { void worker.close().then(resolve, resolve); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function sweepCancel(repro: string, a: GridArgs): Promise<void> {
  const t = await target(a);
  if (t) {
    const removed = await cancelGrid(t, repro);
    process.stdout.write(`cancelled ${repro} on ${t.url}: ${removed} queued trials removed; running trials stop at their next progress point\n`);
  } else {
    writeFileAtomic(cancelFileOf(storeDirOf(a, repro)), new Date().toISOString());
    process.stdout.write(`cancel requested for ${repro} (the running \`sweep run\` stops within a second)\n`);
  }
}
