// `tessera sweep report`: the experiment's report assembled from whatever trials of the plan are done
// (in grid order), written as a run directory results/<repro>/<run-id>/ (result.json, report.md, plots)
// like `tessera repro`. The numbers depend only on the trials' configs and results, so a grid run with
// crashes, retries or on several machines reports exactly what an uninterrupted run reports; only the
// note that starts with "Sweep:" (trials done, compute time, workers) and the run header differ.
import { startRun, type RunWriter } from '../report/index.js';
import type { ExperimentResult } from '../experiments/index.js';
import type { SweepPlan } from './plan.js';
import type { TrialRecord, TrialStore } from './store.js';

export interface SweepReportOptions {
  resultsDir: string;
  versions: Record<string, string>;
  writer: RunWriter;
  /** Write the files into this directory itself (e.g. docs/results/<repro>) instead of <resultsDir>/<repro>/<run-id>/. */
  outDir?: string;
}

export interface SweepReport {
  runDir: string;
  result: ExperimentResult;
  finished: number;
  total: number;
}

/** The plan's finished records, in grid order. */
export async function finishedRecords(plan: SweepPlan, store: TrialStore): Promise<TrialRecord[]> {
  const done = await store.done();
  return plan.trials.flatMap((t) => (done.has(t.id) ? [done.get(t.id)!] : []));
}

export async function writeSweepReport(plan: SweepPlan, store: TrialStore, o: SweepReportOptions): Promise<SweepReport> {
  const records = await finishedRecords(plan, store);
  const result = plan.grid.assemble(records.map((r) => ({ config: r.config as never, result: r.result })), plan.options);
  const computeSeconds = records.reduce((s, r) => s + r.seconds, 0);
  const workers = new Set(records.map((r) => r.worker)).size;
  const started = records.length ? Math.min(...records.map((r) => Date.parse(r.finished_at) - r.seconds * 1000)) : NaN;
  const ended = records.length ? Math.max(...records.map((r) => Date.parse(r.finished_at))) : NaN;
  const retried = records.filter((r) => r.attempt > 1).length;
  const sweepNote = `Sweep: ${records.length} of ${plan.trials.length} trials done; ${computeSeconds.toFixed(1)} s of trial compute on ${workers} worker process${workers === 1 ? '' : 'es'}` +
    (records.length ? `, first trial started ${new Date(started).toISOString()}, last finished ${new Date(ended).toISOString()} (${((ended - started) / 3600_000).toFixed(2)} h wall)` : '') +
    (retried ? `; ${retried} trial${retried === 1 ? '' : 's'} finished on a later attempt (a crashed worker or a retry)` : '') + '.';
  const run = startRun({
    name: plan.repro, config: { quick: plan.options.quick, seed: plan.options.seed, trials: plan.trials.length, ...(plan.options.dataDir !== undefined && { data: plan.options.dataDir }) },
    seed: plan.options.seed, resultsDir: o.resultsDir, versions: o.versions, title: plan.experiment.description, ...(o.outDir === undefined && { writer: o.writer }),
  });
  for (const [k, v] of Object.entries(result.metrics)) run.addMetric(k, v);
  for (const t of result.tables) run.addTable(t.title, t.columns, t.rows);
  for (const r of result.references) run.addReference(r);
  for (const n of result.notes ?? []) run.addNote(n);
  run.addNote(sweepNote);
  for (const pl of result.plots ?? []) run.addPlot(pl.file, pl.spec, pl.caption);
  const finishedRun = await run.finish();
  if (o.outDir === undefined) return { runDir: finishedRun.runDir, result, finished: records.length, total: plan.trials.length };
  await o.writer.mkdir(o.outDir);
  for (const [file, contents] of finishedRun.files) await o.writer.writeFile(`${o.outDir}/${file}`, contents);
  return { runDir: o.outDir, result, finished: records.length, total: plan.trials.length };
}
