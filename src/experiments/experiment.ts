// The experiment contract behind `tessera repro <name> [--quick]`.
import type { ProgressEvent } from '../train/index.js';
import type { VegaLiteSpec } from '../report/index.js';

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
}
