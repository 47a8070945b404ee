// A worker process of the embedded queue (forked by src/sweep/embedded.ts): opens the backend and the
// file store once, then runs the trials its parent sends, one at a time, reporting logs, progress and
// the outcome over IPC. Exits when the parent goes away.
//   argv: --store DIR --repro NAME [--module FILE] [--backend B] [--threads T]
import { parseArgs } from 'node:util';
import { gridOf } from '../experiments/index.js';
import { executeTrial, fileTrialStore, loadExperiment, type RunMessage, type WorkerMessage } from '../sweep/index.js';
import type { BackendChoice } from '../backend/select.js';
import { useBackend } from './backend.js';
import { versions } from './versions.js';

const { values } = parseArgs({ options: { store: { type: 'string' }, repro: { type: 'string' }, module: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' } } });
const send = (m: WorkerMessage) => process.send?.(m);
process.on('disconnect', () => process.exit(0));

const experiment = await loadExperiment(values.repro!, values.module);
const grid = gridOf(experiment);
const store = fileTrialStore(values.store!);
await useBackend((values.backend ?? 'auto') as BackendChoice, values.threads ? Number(values.threads) : undefined);
const v = versions();

process.on('message', (m: RunMessage) => {
  if (m.type !== 'run') return;
  const { job } = m;
  let lastProgress = 0;
  void executeTrial(grid, job, store, {
    versions: v, recordFailure: m.final,
    log: (line) => send({ type: 'log', id: job.id, line }),
    onProgress: (event) => {
      const now = Date.now();
      if (event.kind === 'step' && now - lastProgress < 200) return; // the parent's bar needs no more
      lastProgress = now;
      send({ type: 'progress', id: job.id, event });
    },
  }).then((outcome) => {
    send(outcome.kind === 'failed' ? { type: 'outcome', id: job.id, kind: 'failed', error: outcome.error.message } : { type: 'outcome', id: job.id, kind: outcome.kind });
  });
});
send({ type: 'ready' });
