// `tessera repro <name> [--quick]`: run a registered experiment and write its summary report.
import { nodeRunWriter } from '../io/files.js';
import { experiments } from '../experiments/index.js';
import { startRun } from '../report/index.js';
import { useBackend } from './backend.js';
import { progressReporter } from './progress.js';
import { versions } from './versions.js';

export async function reproCommand(name: string | undefined, o: { quick?: boolean; list?: boolean; results: string; seed: number; data?: string }): Promise<void> {
  if (o.list || !name) {
    for (const e of experiments) process.stdout.write(`${e.name.padEnd(28)} ${e.description}\n`);
    if (!o.list && !name) process.exitCode = 2;
    return;
  }
  const exp = experiments.find((e) => e.name === name);
  if (!exp) throw new Error(`unknown experiment "${name}"; expected one of: ${experiments.map((e) => e.name).join(', ')}`);
  const reporter = progressReporter();
  const dispose = await useBackend('auto');
  try {
    const v = versions();
    const run = startRun({ name: exp.name, config: { quick: o.quick ?? false, seed: o.seed }, seed: o.seed, resultsDir: o.results, writer: nodeRunWriter(), versions: v, title: exp.description });
    const result = await exp.run({
      quick: o.quick ?? false, seed: o.seed, resultsDir: o.results, versions: v, log: (l) => reporter.log(l), onProgress: (e) => reporter.onProgress(e),
      ...(o.data && { dataDir: o.data }),
    });
    for (const [k, val] of Object.entries(result.metrics)) run.addMetric(k, val);
    for (const t of result.tables) run.addTable(t.title, t.columns, t.rows);
    for (const r of result.references) run.addReference(r);
    for (const n of result.notes ?? []) run.addNote(n);
    for (const pl of result.plots ?? []) run.addPlot(pl.file, pl.spec, pl.caption);
    const { runDir } = await run.finish();
    reporter.log(`report: ${runDir}/report.md`);
  } finally {
    reporter.stop();
    await dispose();
  }
}
