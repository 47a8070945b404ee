// `tessera repro <name> [--quick]`: the reproduction's grid on the embedded queue with one worker process per
// core (`tessera sweep run <name>` with its defaults), then its report. Finished trials are kept under results/<name>/trials/, so
// an interrupted repro resumes where it stopped.
import { experiments } from '../experiments/index.js';
import { sweepRun } from './sweep.js';

export async function reproCommand(name: string | undefined, o: { quick?: boolean; list?: boolean; results: string; seed: number; data?: string }): Promise<void> {
  if (o.list || !name) {
    for (const e of experiments) process.stdout.write(`${e.name.padEnd(28)} ${e.description}\n`);
    if (!o.list && !name) process.exitCode = 2;
    return;
  }
  await sweepRun(name, { ...o, backend: 'auto', attempts: 1, backoffMs: 1000, stallTimeout: 30 });
}
