// BullMQ's sandboxed processor for `tessera sweep worker`: BullMQ forks this module in a child process of
// the worker and calls the default export per job. It runs the trial through executeTrial against the
// Redis store (TESSERA_SWEEP_QUEUE, set by the worker), with the job's log and progress, and throws on
// failure so BullMQ retries with backoff; the failure is recorded in the store on the last attempt. A
// cancelled grid (`sweep cancel`) stops the trial at its next progress point without retries. The child
// exits when its worker dies, so a killed worker leaves no orphan computing the trial.
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { Redis } from 'ioredis';
import { gridOf, type TrialGrid } from '../experiments/index.js';
import { executeTrial, loadExperiment, parseQueueUrl, redisKey, redisTrialStore, type SweepJobData, type TrialStore } from '../sweep/index.js';
import { useBackend } from './backend.js';
import { versions } from './versions.js';

process.on('disconnect', () => process.exit(1));

const target = parseQueueUrl(process.env.TESSERA_SWEEP_QUEUE ?? '');
const grids = new Map<string, TrialGrid>();
const stores = new Map<string, TrialStore>();
const control = new Redis(target.options);
control.on('error', () => {});
let backendOpened: Promise<unknown> | null = null;

export default async function processTrial(job: SandboxedJob<SweepJobData>): Promise<unknown> {
  const d = job.data;
  backendOpened ??= useBackend('auto', process.env.TESSERA_SWEEP_THREADS ? Number(process.env.TESSERA_SWEEP_THREADS) : undefined);
  await backendOpened;
  const gridKey = `${d.repro} ${d.module ?? ''}`;
  if (!grids.has(gridKey)) grids.set(gridKey, gridOf(await loadExperiment(d.repro, d.module)));
  if (!stores.has(d.repro)) stores.set(d.repro, redisTrialStore(target, d.repro));
  const store = stores.get(d.repro)!;
  const attempt = Math.max(1, job.attemptsStarted ?? job.attemptsMade + 1);
  const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  let cancelled = false, lastCheck = 0;
  const outcome = await executeTrial(grids.get(gridKey)!, { ...d, attempt }, store, {
    versions: versions(), recordFailure: final,
    log: (line) => void job.log(line),
    onProgress: (e) => {
      const now = Date.now();
      if (now - lastCheck < 1000) return;
      lastCheck = now;
      void job.updateProgress(e.kind === 'step' ? { epoch: e.epoch, epochs: e.epochs, batch: e.batch, batches: e.batches } : { event: e.kind });
      void control.get(redisKey(d.repro, 'cancel')).then((v) => { cancelled = v !== null; });
      if (cancelled) throw new Error('cancelled by `tessera sweep cancel`');
    },
  });
  if (outcome.kind === 'failed') {
    if (cancelled) {
      await store.fail({ id: d.id, repro: d.repro, label: d.label, error: outcome.error.message, attempt, worker: `${process.pid}`, failed_at: new Date().toISOString(), cancelled: true });
      throw new UnrecoverableError(outcome.error.message);
    }
    throw outcome.error;
  }
  return { id: d.id, kind: outcome.kind, seconds: outcome.record.seconds };
}
