// A run directory: results/<name>/<run-id>/ with result.json, report.md and one SVG per plot.
//
// A Run collects metrics, tables, paper reference numbers, plots and notes in memory; finish() renders
// the plots, builds every file, and only then writes them through an injected RunWriter (src/io has
// the Node one), so a failing plot writes nothing and report/ needs no node:* import. result.json is
// written last: its presence marks a complete run.
import { TesseraError } from '../core/errors.js';
import { markdownTable, formatCell, type Cell } from './markdown.js';
import { renderSvg, checkSpecFields, plotLibraryVersions, type VegaLiteSpec } from './plot.js';

/** Where a run's files go. `writeFile` should be atomic (temp file + rename); paths use `/`. */
export interface RunWriter {
  mkdir(path: string): void | Promise<void>;
  writeFile(path: string, data: Uint8Array | string): void | Promise<void>;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StartRunOptions {
  name: string;
  config: Record<string, unknown>;
  seed: number;
  /** Default 'results'. */
  resultsDir?: string;
  /** Default: UTC `YYYYMMDD-HHMMSS-<6 hex>`, the suffix hashed from name, config, seed and start time. */
  runId?: string;
  /** Report title (default: name). */
  title?: string;
  /** e.g. { tessera: '0.1.0', node: 'v20.20.2' }; vega and vega-lite versions are added when there are plots. */
  versions?: Record<string, string>;
  /** Omit to only build the files (finish() returns them). */
  writer?: RunWriter;
  /** Milliseconds since the epoch; default Date.now. */
  clock?: () => number;
}

export interface Reference {
  metric: string;
  paper_value: number | string;
  /** Where the paper number comes from: paper, table/figure, page. */
  source: string;
  /** Default: the run's metric of the same name. */
  our_value?: number | string;
  /** Default: our_value − paper_value when both are numbers. */
  gap?: number;
  note?: string;
}

export interface ResolvedReference {
  metric: string;
  paper_value: number | string;
  our_value: number | string | null;
  gap: number | null;
  source: string;
  note?: string;
}

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

export interface FinishedRun {
  runDir: string;
  /** File name (inside runDir) → contents, in the order written. */
  files: Map<string, string>;
  result: Record<string, JsonValue>;
}

export interface Run {
  readonly name: string;
  readonly runId: string;
  readonly runDir: string;
  addMetric(name: string, value: number | string): void;
  addTable(title: string, columns: string[], rows: Cell[][]): void;
  addReference(reference: Reference): void;
  addPlot(fileName: string, spec: VegaLiteSpec, caption: string): void;
  addNote(text: string): void;
  finish(): Promise<FinishedRun>;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function startRun(options: StartRunOptions): Run {
  const op = 'startRun';
  const { name, seed } = options;
  if (typeof name !== 'string' || !SAFE_NAME.test(name)) {
    throw new TesseraError('value', op, `name expected letters, digits, '.', '_' or '-' (not starting with '.'), got ${JSON.stringify(name)}`);
  }
  if (!Number.isSafeInteger(seed)) throw new TesseraError('value', op, `seed expected a safe integer, got ${String(seed)}`);
  const config = toJson(options.config, 'config', op);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TesseraError('value', op, `config expected an object, got ${JSON.stringify(config)}`);
  }
  const clock = options.clock ?? Date.now;
  const startedMs = clock();
  const runId = options.runId ?? defaultRunId(name, config, seed, startedMs);
  if (!SAFE_NAME.test(runId)) {
    throw new TesseraError('value', op, `runId expected letters, digits, '.', '_' or '-' (not starting with '.'), got ${JSON.stringify(runId)}`);
  }
  const resultsDir = (options.resultsDir ?? 'results').replace(/\/+$/, '') || '/';
  const runDir = `${resultsDir === '/' ? '' : resultsDir}/${name}/${runId}`;

  const metrics = new Map<string, number | string>();
  const tables: Table[] = [];
  const references: Reference[] = [];
  const plots: { file: string; spec: VegaLiteSpec; caption: string }[] = [];
  const notes: string[] = [];
  let finished = false;

  const requireOpen = (method: string): void => {
    if (finished) throw new TesseraError('value', `Run.${method}`, `run ${runDir} is already finished`);
  };

  return {
    name,
    runId,
    runDir,
    addMetric(metric, value) {
      requireOpen('addMetric');
      requireText(metric, 'name', 'Run.addMetric');
      if (typeof value !== 'number' && typeof value !== 'string') {
        throw new TesseraError('value', 'Run.addMetric', `value of metric "${metric}" expected a number or string, got ${String(value)}`);
      }
      if (metrics.has(metric)) throw new TesseraError('value', 'Run.addMetric', `metric "${metric}" is already set to ${String(metrics.get(metric))}`);
      metrics.set(metric, value);
    },
    addTable(title, columns, rows) {
      requireOpen('addTable');
      requireText(title, 'title', 'Run.addTable');
      try {
        markdownTable(columns, rows); // checks the shape now, at the call that is wrong
      } catch (e) {
        throw new TesseraError('shape', 'Run.addTable', `table "${title}": ${(e as Error).message}`);
      }
      tables.push({ title, columns: [...columns], rows: rows.map((r) => [...r]) });
    },
    addReference(reference) {
      requireOpen('addReference');
      const where = 'Run.addReference';
      requireText(reference?.metric, 'metric', where);
      requireText(reference.source, `source of reference "${reference.metric}"`, where);
      if (typeof reference.paper_value !== 'number' && typeof reference.paper_value !== 'string') {
        throw new TesseraError('value', where, `paper_value of reference "${reference.metric}" expected a number or string, got ${String(reference.paper_value)}`);
      }
      references.push({ ...reference });
    },
    addPlot(fileName, spec, caption) {
      requireOpen('addPlot');
      const file = fileName.endsWith('.svg') ? fileName : `${fileName}.svg`;
      if (!SAFE_NAME.test(file)) {
        throw new TesseraError('value', 'Run.addPlot', `fileName expected a plain file name (letters, digits, '.', '_', '-'), got ${JSON.stringify(fileName)}`);
      }
      if (plots.some((p) => p.file === file)) throw new TesseraError('value', 'Run.addPlot', `plot file ${file} is already added`);
      checkSpecFields(spec, `Run.addPlot(${file})`);
      plots.push({ file, spec, caption });
    },
    addNote(text) {
      requireOpen('addNote');
      requireText(text, 'text', 'Run.addNote');
      notes.push(text);
    },
    async finish() {
      requireOpen('finish');
      finished = true;
      const finishedMs = clock(); // the experiment's end; rendering the report is not part of its time
      const files = new Map<string, string>();
      const plotWarnings = new Map<string, string[]>();
      for (const plot of plots) {
        const warnings: string[] = [];
        files.set(plot.file, await renderSvg(plot.spec, { onWarning: (m) => warnings.push(m) }));
        plotWarnings.set(plot.file, warnings);
      }
      const versions = { ...(options.versions ?? {}), ...(plots.length > 0 ? await plotLibraryVersions() : {}) };
      const resolved = references.map((r) => resolveReference(r, metrics));
      const result: Record<string, JsonValue> = {
        name,
        run_id: runId,
        seed,
        config,
        versions,
        timing: {
          started: new Date(startedMs).toISOString(),
          finished: new Date(finishedMs).toISOString(),
          duration_s: (finishedMs - startedMs) / 1000,
        },
        metrics: Object.fromEntries(metrics),
        references: resolved as unknown as JsonValue,
        tables: tables as unknown as JsonValue,
        plots: plots.map((p) => ({ file: p.file, caption: p.caption, warnings: plotWarnings.get(p.file)! })),
        notes,
      };
      const header = { title: options.title ?? name, runId, seed, versions, startedMs, finishedMs };
      files.set('report.md', reportMarkdown(header, config, metrics, resolved, tables, plots, notes));
      files.set('result.json', `${JSON.stringify(result, nonFiniteAsText, 2)}\n`);
      if (options.writer) {
        await options.writer.mkdir(runDir);
        for (const [file, contents] of files) await options.writer.writeFile(`${runDir}/${file}`, contents);
      }
      return { runDir, files, result: JSON.parse(files.get('result.json')!) as Record<string, JsonValue> };
    },
  };
}

function resolveReference(reference: Reference, metrics: Map<string, number | string>): ResolvedReference {
  const ours = reference.our_value ?? metrics.get(reference.metric) ?? null;
  const paper = reference.paper_value;
  const gap = reference.gap ?? (typeof ours === 'number' && typeof paper === 'number' ? ours - paper : null);
  const resolved: ResolvedReference = { metric: reference.metric, paper_value: paper, our_value: ours, gap, source: reference.source };
  if (reference.note !== undefined) resolved.note = reference.note;
  return resolved;
}

// ---- report.md ----------------------------------------------------------------------------------

interface ReportHeader {
  title: string;
  runId: string;
  seed: number;
  versions: Record<string, string>;
  startedMs: number;
  finishedMs: number;
}

function reportMarkdown(
  header: ReportHeader,
  config: JsonValue,
  metrics: Map<string, number | string>,
  references: ResolvedReference[],
  tables: Table[],
  plots: { file: string; caption: string }[],
  notes: string[],
): string {
  const started = new Date(header.startedMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const seconds = formatCell((header.finishedMs - header.startedMs) / 1000);
  const versions = Object.entries(header.versions).map(([k, v]) => `${k} ${v}`).join(', ');
  const out: string[] = [
    `# ${header.title}`,
    `Run \`${header.runId}\` · seed ${header.seed} · started ${started} · took ${seconds} s` + (versions ? ` · ${versions}` : ''),
    '## Config',
    markdownTable(['key', 'value'], flatten(config).map(([k, v]) => [k, v]), { align: ['left', 'left'] }),
  ];
  if (metrics.size > 0) {
    out.push('## Metrics', markdownTable(['metric', 'value'], [...metrics], { align: ['left', 'right'] }));
  }
  if (references.length > 0) {
    const rows = references.map((r) => [r.metric, r.paper_value, r.our_value, r.gap, r.note ? `${r.source} (${r.note})` : r.source]);
    out.push('## Paper reference numbers',
      markdownTable(['metric', 'paper', 'ours', 'gap (ours − paper)', 'source'], rows, { align: ['left', 'right', 'right', 'right', 'left'] }));
  }
  for (const table of tables) out.push(`## ${oneLine(table.title)}`, markdownTable(table.columns, table.rows));
  if (plots.length > 0) {
    out.push('## Plots', ...plots.map((p) => `![${oneLine(p.caption).replace(/[[\]]/g, '\\$&')}](${p.file})\n\n*${oneLine(p.caption)}*`));
  }
  if (notes.length > 0) out.push('## Notes', ...notes);
  return `${out.join('\n\n')}\n`;
}

/** Nested config as [dotted.key, value] rows; arrays stay whole (as JSON). */
function flatten(value: JsonValue, prefix = ''): [string, Cell][] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) return [[prefix, '{}']];
    return entries.flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, Array.isArray(value) ? JSON.stringify(value) : value]];
}

// ---- helpers ------------------------------------------------------------------------------------

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ');
}

function requireText(value: unknown, what: string, op: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TesseraError('value', op, `${what} expected a non-empty string, got ${JSON.stringify(value)}`);
  }
}

/** A deep copy of `value` as JSON data, or an error naming the path of the first non-JSON value. */
function toJson(value: unknown, path: string, op: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((v, i) => toJson(v, `${path}[${i}]`, op));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v, `${path}.${k}`, op);
    return out;
  }
  const got = typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value;
  throw new TesseraError('value', op, `${path} expected JSON data (number, string, boolean, null, array, plain object), got ${got}`);
}

/** JSON has no NaN or Infinity: write them as the strings "NaN", "Infinity", "-Infinity". */
function nonFiniteAsText(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** `YYYYMMDD-HHMMSS-xxxxxx` in UTC; the suffix hashes name, config, seed, start time and a counter. */
function defaultRunId(name: string, config: JsonValue, seed: number, startedMs: number): string {
  const iso = new Date(startedMs).toISOString(); // 2025-01-02T03:04:05.678Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  runsStarted += 1;
  const suffix = fnv1a(`${name}\n${canonicalJson(config)}\n${seed}\n${startedMs}\n${runsStarted}`);
  return `${stamp}-${suffix.slice(0, 6)}`;
}

let runsStarted = 0;

function canonicalJson(value: JsonValue): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value, nonFiniteAsText);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`).join(',')}}`;
}

/** 32-bit FNV-1a of the UTF-16 code units, as 8 hex digits. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
