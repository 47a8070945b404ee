// Reading a run directory's result.json back (what Run.finish wrote: run.ts), checked field by field so a
// damaged or foreign file gives an error naming the file and the field, never a half-drawn page. No node:*
// import: the web app's Runs page reads result.json files from a folder the user picks; Node reads them the same.
//   parseRunResult(text, 'wide-sparse/20261206-…/result.json') → RunResult
import { TesseraError } from '../core/errors.js';
import { parseJsonText } from '../io/jsonText.js';
import type { Cell } from './markdown.js';
import type { JsonValue, ResolvedReference, Table } from './run.js';

export interface RunResult {
  name: string;
  run_id: string;
  seed: number;
  config: Record<string, JsonValue>;
  versions: Record<string, string>;
  timing: { started: string; finished: string; duration_s: number };
  metrics: Record<string, number | string>;
  references: ResolvedReference[];
  tables: Table[];
  /** SVG files beside result.json, with their captions. */
  plots: { file: string; caption: string; warnings: string[] }[];
  notes: string[];
}

const OP = 'parseRunResult';
type Obj = Record<string, unknown>;

export function parseRunResult(text: string, where: string): RunResult {
  const fail = (field: string, expected: string, got: unknown): never => {
    const shown = JSON.stringify(got)?.slice(0, 60) ?? String(got);
    throw new TesseraError('format', OP, `${where}: "${field}" expected ${expected}, got ${shown}`);
  };
  const object = (v: unknown, field: string): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : fail(field, 'an object', v));
  const array = (v: unknown, field: string): unknown[] => (Array.isArray(v) ? v : fail(field, 'an array', v));
  const string = (v: unknown, field: string): string => (typeof v === 'string' ? v : fail(field, 'a string', v));
  const number = (v: unknown, field: string): number => (typeof v === 'number' ? v : fail(field, 'a number', v));
  const numberOrText = (v: unknown, field: string): number | string => (typeof v === 'number' || typeof v === 'string' ? v : fail(field, 'a number or a string', v));
  const cell = (v: unknown, field: string): Cell => (v === null || ['number', 'string', 'boolean'].includes(typeof v) ? (v as Cell) : fail(field, 'a number, string, boolean or null', v));

  const r = object(parseJsonText(text, where, OP), '(top level)');
  const timing = object(r.timing, 'timing');
  const metrics = object(r.metrics, 'metrics');
  const versions = object(r.versions ?? {}, 'versions');
  return {
    name: string(r.name, 'name'),
    run_id: string(r.run_id, 'run_id'),
    seed: number(r.seed, 'seed'),
    config: object(r.config, 'config') as Record<string, JsonValue>,
    versions: Object.fromEntries(Object.entries(versions).map(([k, v]) => [k, string(v, `versions.${k}`)])),
    timing: { started: string(timing.started, 'timing.started'), finished: string(timing.finished, 'timing.finished'), duration_s: number(timing.duration_s, 'timing.duration_s') },
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, numberOrText(v, `metrics.${k}`)])),
    references: array(r.references ?? [], 'references').map((x, i) => {
      const o = object(x, `references[${i}]`);
      const ours = o.our_value === null ? null : numberOrText(o.our_value, `references[${i}].our_value`);
      const gap = o.gap === null || o.gap === undefined ? null : number(o.gap, `references[${i}].gap`);
      const ref: ResolvedReference = { metric: string(o.metric, `references[${i}].metric`), paper_value: numberOrText(o.paper_value, `references[${i}].paper_value`), our_value: ours, gap, source: string(o.source, `references[${i}].source`) };
      if (o.note !== undefined) ref.note = string(o.note, `references[${i}].note`);
      return ref;
    }),
    tables: array(r.tables ?? [], 'tables').map((x, i) => {
      const o = object(x, `tables[${i}]`);
      const columns = array(o.columns, `tables[${i}].columns`).map((c, j) => string(c, `tables[${i}].columns[${j}]`));
      const rows = array(o.rows, `tables[${i}].rows`).map((row, j) => {
        const cells = array(row, `tables[${i}].rows[${j}]`);
        if (cells.length !== columns.length) fail(`tables[${i}].rows[${j}]`, `${columns.length} cells (one per column)`, cells.length);
        return cells.map((c, k) => cell(c, `tables[${i}].rows[${j}][${k}]`));
      });
      return { title: string(o.title, `tables[${i}].title`), columns, rows };
    }),
    plots: array(r.plots ?? [], 'plots').map((x, i) => {
      const o = object(x, `plots[${i}]`);
      return { file: string(o.file, `plots[${i}].file`), caption: string(o.caption, `plots[${i}].caption`), warnings: array(o.warnings ?? [], `plots[${i}].warnings`).map((w, j) => string(w, `plots[${i}].warnings[${j}]`)) };
    }),
    notes: array(r.notes ?? [], 'notes').map((n, i) => string(n, `notes[${i}]`)),
  };
}
