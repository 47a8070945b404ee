// A sweep's plan: which experiment (a registered reproduction, or one exported by a user's module), its
// grid for the chosen options, and each trial's stable id.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { experiments, gridOf, type Experiment, type GridOptions, type TrialGrid } from '../experiments/index.js';
import type { JsonValue } from '../report/index.js';
import { trialId } from './trialId.js';

export interface PlannedTrial {
  id: string;
  label: string;
  config: JsonValue;
}

export interface SweepPlan {
  repro: string;
  /** An ES module that exports the experiment (`experiment` or default), when it is not a registered one. */
  module?: string;
  experiment: Experiment;
  grid: TrialGrid;
  options: GridOptions;
  trials: PlannedTrial[];
}

/** Find the experiment `name`: in `module` when given (absolute path), else in the registry. */
export async function loadExperiment(name: string, module?: string): Promise<Experiment> {
  if (module !== undefined) {
    let m: Record<string, unknown>;
    try {
      m = (await import(pathToFileURL(resolve(module)).href)) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`--module ${module} could not be loaded: ${(e as Error).message}`);
    }
    const found = [m.experiment, m.default, ...(Array.isArray(m.experiments) ? m.experiments : [])].find((e) => isExperiment(e) && e.name === name);
    if (!isExperiment(found)) throw new Error(`--module ${module} exports no experiment named "${name}" (expected \`export const experiment\`, a default export, or \`experiments\` with { name, description, run, grid? })`);
    return found;
  }
  const e = experiments.find((x) => x.name === name);
  if (!e) throw new Error(`unknown repro "${name}"; expected one of: ${experiments.map((x) => x.name).join(', ')} (or --module FILE for your own grid)`);
  return e;
}

function isExperiment(e: unknown): e is Experiment {
  const x = e as Experiment | undefined;
  return typeof x === 'object' && x !== null && typeof x.name === 'string' && typeof x.run === 'function';
}

export async function planSweep(name: string, options: GridOptions, codeVersion: string, module?: string): Promise<SweepPlan> {
  const experiment = await loadExperiment(name, module);
  const grid = gridOf(experiment);
  const seen = new Map<string, string>();
  const trials = grid.trials(options).map((t) => {
    // data directory is part of what a trial computes on, so it is part of the id (not of the config it receives)
    const id = trialId({ repro: name, gridVersion: grid.version, codeVersion, config: { ...t.config, ...(options.dataDir !== undefined && { __data: options.dataDir }) } });
    if (seen.has(id)) throw new Error(`repro ${name}: trials "${seen.get(id)}" and "${t.label}" have the same config; every trial of a grid must differ`);
    seen.set(id, t.label);
    return { id, label: t.label, config: t.config };
  });
  return { repro: name, ...(module !== undefined && { module: resolve(module) }), experiment, grid, options, trials };
}
