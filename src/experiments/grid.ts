// A reproduction as a grid of trials: the unit of work of `tessera sweep` (and so of `tessera repro`).
//
// A grid lists trials (label + config); each trial is a pure function of its config (which carries its
// seeds) → a JSON result; `assemble` turns the finished trials into the experiment's result (tables,
// metrics, plots) and must accept any subset of them (a report of a partly done grid). The sweep engine
// (src/sweep) gives each trial a stable id (hash of repro, grid version, tessera version and the
// canonical config), stores results per trial and never runs a finished trial twice.
//
// An experiment that has not split its work into trials still runs as a grid of one trial: the whole
// `run` is the trial, its ExperimentResult the trial's result (singleTrialGrid).
import type { JsonValue } from '../report/index.js';
import type { Experiment, ExperimentContext, ExperimentResult, FinishedTrial, GridOptions, JsonObject, TrialContext, TrialGrid } from './experiment.js';

/** An experiment defined by its grid: `run` runs every trial in this process and assembles them. */
export function gridExperiment<C extends JsonObject, R extends JsonValue>(name: string, description: string, typed: TrialGrid<C, R>): Experiment {
  const grid = typed as unknown as TrialGrid; // configs and results are JSON; the typed view is the grid's own business
  return { name, description, grid, run: (ctx) => runGridInProcess(grid, ctx) };
}

/** The grid of an experiment: its own, or the whole run as one trial. */
export function gridOf(experiment: Experiment): TrialGrid {
  return experiment.grid ?? singleTrialGrid(experiment);
}

function singleTrialGrid(experiment: Experiment): TrialGrid {
  return {
    version: '1',
    trials: (o) => [{ label: `${experiment.name} (whole run)`, config: { quick: o.quick, seed: o.seed } }],
    async runTrial(config, ctx) {
      const run: ExperimentContext = {
        quick: config.quick === true, seed: Number(config.seed), resultsDir: '', versions: ctx.versions, log: ctx.log,
        ...(ctx.onProgress && { onProgress: ctx.onProgress }), ...(ctx.dataDir !== undefined && { dataDir: ctx.dataDir }),
      };
      return (await experiment.run(run)) as unknown as JsonValue;
    },
    assemble(finished) {
      if (finished.length === 0) return { metrics: {}, tables: [], references: [], notes: ['No trial has finished yet.'] };
      return finished[0]!.result as unknown as ExperimentResult;
    },
  };
}

/** Run every trial of a grid in this process, in order, and assemble (an experiment's `run` when it has a grid). */
export async function runGridInProcess(grid: TrialGrid, ctx: ExperimentContext): Promise<ExperimentResult> {
  const o: GridOptions = { quick: ctx.quick, seed: ctx.seed, ...(ctx.dataDir !== undefined && { dataDir: ctx.dataDir }) };
  const trialCtx: TrialContext = { versions: ctx.versions, log: ctx.log, ...(ctx.onProgress && { onProgress: ctx.onProgress }), ...(ctx.dataDir !== undefined && { dataDir: ctx.dataDir }) };
  const finished: FinishedTrial[] = [];
  for (const t of grid.trials(o)) finished.push({ config: t.config, result: await grid.runTrial(t.config, trialCtx) });
  return grid.assemble(finished, o);
}
