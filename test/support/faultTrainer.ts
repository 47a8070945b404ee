// Child process of the kill sweep (test/train/faults.test.ts): runs faultRun with resume, prints each
// resume/checkpoint as a JSON line on stdout, and SIGKILLs itself right after step TESSERA_KILL_AT (before
// that step's checkpoint), like a node dying mid-run. Does nothing unless TESSERA_FAULT_DIR is set, so the
// test runner can import it harmlessly.
import { writeFileSync } from 'node:fs';
import { fileCheckpointStore, type CheckpointStore } from '../../src/train/index.js';
import { faultRun, weights, RUN } from './faultRun.js';

const dir = process.env.TESSERA_FAULT_DIR;
if (dir) {
  const killAt = Number(process.env.TESSERA_KILL_AT ?? 0);
  const killInWrite = Number(process.env.TESSERA_KILL_IN_WRITE ?? 0);
  const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  // TESSERA_KILL_IN_WRITE=s: die half-way through writing step s's checkpoint (its temp file is left behind).
  const store: CheckpointStore = {
    ...fileCheckpointStore,
    write(path, chunks) {
      if (killInWrite && path.endsWith(`step-${String(killInWrite).padStart(9, '0')}.safetensors`)) {
        const bytes = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
        writeFileSync(`${path.replace(/[^/]*$/, '')}.${path.split('/').at(-1)}.${process.pid}.partial.tmp`, bytes.subarray(0, bytes.length >> 1));
        process.kill(process.pid, 'SIGKILL');
      }
      fileCheckpointStore.write(path, chunks);
    },
  };
  const run = faultRun(dir, {
    checkpoint: { dir, everySteps: RUN.every, keepLast: RUN.keepLast, store },
    onProgress: (e) => {
      if (e.kind === 'resume' || e.kind === 'checkpoint' || e.kind === 'checkpoint-skipped') say(e);
    },
    afterStep: (step) => {
      if (step === killAt) process.kill(process.pid, 'SIGKILL');
    },
  }, { sparse: process.env.TESSERA_FAULT_SPARSE === '1' });
  const result = await run;
  say({ kind: 'done', steps: result.steps, weights: weights(run.model), ...(run.sparsity && { sparsity: run.sparsity.stats() }) });
}
