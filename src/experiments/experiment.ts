// The experiment contract behind `tessera repro <name> [--quick]`.
import type { ProgressEvent } from '../train/index.js';
import type { JsonValue, VegaLiteSpec } from '../report/index.js';

export interface ExperimentContext {
  quick: boolean;
  seed: number;
  resultsDir: string;
  dataDir?: string;
  versions: Record<string, string>;
  log(line: string): void;
  onProgress?(e: ProgressEvent): void;
}

export interface ExperimentResult {
  metrics: Record<string, number>;
  tables: { title: string; columns: string[]; rows: (string | number)[][] }[];
  references: { metric: string; paper_value: number; source: string }[];
  notes?: string[];
  /** Figures rendered to SVG beside the report. */
  plots?: { file: string; caption: string; spec: VegaLiteSpec }[];
}

export interface Experiment {
  name: string;
  description: string;
  run(ctx: ExperimentContext): Promise<ExperimentResult>;
  /** The run split into trials (grid.ts); without it the whole run is one trial. */
  grid?: TrialGrid;
}

// ---------------------------------------------------------------- the grid contract (see grid.ts)
export type JsonObject = { [key: string]: JsonValue };

/** What selects a grid: the CLI's --quick / --seed / --data. */
export interface GridOptions {
  quick: boolean;
  seed: number;
  dataDir?: string;
}

export interface TrialSpec<C extends JsonObject = JsonObject> {
  /** Readable name in status and logs, e.g. "A mnist relu width 20 seed 1". */
  label: string;
  config: C;
}

/** What a trial may use besides its config: where data lives, where to log, progress, cancellation. */
export interface TrialContext {
  dataDir?: string;
  versions: Record<string, string>;
  log(line: string): void;
  onProgress?(e: ProgressEvent): void;
}

export interface FinishedTrial<C extends JsonObject = JsonObject, R extends JsonValue = JsonValue> {
  config: C;
  result: R;
}

export interface TrialGrid<C extends JsonObject = JsonObject, R extends JsonValue = JsonValue> {
  /** Bump when what a trial computes changes, so stored results of the old code are not reused. */
  version: string;
  trials(o: GridOptions): TrialSpec<C>[];
  runTrial(config: C, ctx: TrialContext): Promise<R>;
  /** The experiment's result from the finished trials (any subset of `trials(o)`, in grid order). */
  assemble(finished: FinishedTrial<C, R>[], o: GridOptions): ExperimentResult;
}

