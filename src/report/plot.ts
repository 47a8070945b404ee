// Plots as SVG strings: vega-lite spec → vega spec → headless vega View → SVG. No canvas, no browser.
// The helpers (linePlot, scatterPlot) are thin builders of vega-lite specs that check their data first,
// so a misspelt field is an error naming the field instead of an empty picture.
import type { TopLevelSpec } from 'vega-lite';
import type { ViewOptions } from 'vega';
import { TesseraError } from '../core/errors.js';

export type VegaLiteSpec = TopLevelSpec;
export type Row = Record<string, unknown>;

// vega and vega-lite take ~0.6 s to import, so they load on the first render, not with this module.
let plotLibraries: Promise<[typeof import('vega-lite'), typeof import('vega')]> | undefined;
const loadPlotLibraries = () => (plotLibraries ??= Promise.all([import('vega-lite'), import('vega')]));

/** Versions of the plotting libraries, for result.json. */
export async function plotLibraryVersions(): Promise<Record<string, string>> {
  const [vegaLite, vega] = await loadPlotLibraries();
  return { vega: vega.version, 'vega-lite': vegaLite.version };
}

export interface RenderOptions {
  /** Receives vega-lite/vega warnings (e.g. "Log scale domain includes zero"). Default: dropped. Run.finish records them in result.json. */
  onWarning?: (message: string) => void;
}

/** Render a vega-lite spec to a standalone SVG string. Same spec → byte-identical SVG. */
export async function renderSvg(spec: VegaLiteSpec, options: RenderOptions = {}): Promise<string> {
  checkSpecFields(spec, 'renderSvg');
  const [{ compile }, { View, parse }] = await loadPlotLibraries();
  const logger = collectingLogger(options.onWarning ?? (() => {}));
  const vegaSpec = compile(spec, { logger }).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none', logger });
  try {
    return numberIdsByAppearance(await view.toSVG());
  } finally {
    view.finalize();
  }
}

// vega names clip paths and gradients from a process-wide counter (clip1, clip2, ...), so the second
// render of the same spec would differ. Rename every id to its order of appearance in this document.
function numberIdsByAppearance(svg: string): string {
  const renamed = new Map<string, string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) {
    const id = match[1]!;
    if (!renamed.has(id)) renamed.set(id, `${id.replace(/\d+$/, '')}${renamed.size + 1}`);
  }
  if (renamed.size === 0) return svg;
  const rename = (id: string): string => renamed.get(id) ?? id;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, head: string, id: string) => `${head}${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${rename(id)})`)
    .replace(/(href=")#([^"]+)"/g, (_, head: string, id: string) => `${head}#${rename(id)}"`);
}

type Logger = NonNullable<ViewOptions['logger']>;

function collectingLogger(onWarning: (message: string) => void): Logger {
  let level = 0;
  const text = (args: unknown[]): string => args.map(String).join(' ');
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      onWarning(`error: ${text(args)}`);
      return logger;
    },
    warn(...args: unknown[]) {
      onWarning(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger as Logger;
}

// ---- field checks -------------------------------------------------------------------------------

const CHILD_KEYS = ['layer', 'hconcat', 'vconcat', 'concat'] as const;

/**
 * Every `encoding.<channel>.field` of a view whose data is inline (`data.values`, own or inherited) and
 * that has no transform above it must name a field present in at least one row. Views with transforms
 * are skipped: a transform may create the field.
 */
export function checkSpecFields(spec: unknown, op = 'checkSpecFields'): void {
  walk(spec, undefined, false);

  function walk(node: unknown, inheritedRows: Row[] | undefined, underTransform: boolean): void {
    if (!isObject(node)) return;
    const data = node['data'];
    const rows = isObject(data) && Array.isArray(data['values']) ? (data['values'] as Row[]) : inheritedRows;
    const transformed = underTransform || (Array.isArray(node['transform']) && node['transform'].length > 0);
    const encoding = node['encoding'];
    if (rows && !transformed && isObject(encoding)) {
      const present = fieldsOf(rows);
      for (const [channel, def] of Object.entries(encoding)) {
        for (const field of fieldNames(def)) {
          const head = field.split(/[.[]/)[0]!;
          if (!present.has(head)) {
            throw new TesseraError('value', op, `encoding.${channel} uses field "${field}", which no data row has; ` +
              `rows have fields: ${[...present].join(', ') || '(none)'}`);
          }
        }
      }
    }
    for (const key of CHILD_KEYS) {
      const children = node[key];
      if (Array.isArray(children)) for (const child of children) walk(child, rows, transformed);
    }
    if (isObject(node['spec'])) walk(node['spec'], rows, transformed);
  }
}

function fieldNames(def: unknown): string[] {
  const defs = Array.isArray(def) ? def : [def];
  return defs.flatMap((d) => (isObject(d) && typeof d['field'] === 'string' ? [d['field']] : []));
}

function fieldsOf(rows: Row[]): Set<string> {
  const fields = new Set<string>();
  for (const row of rows) if (isObject(row)) for (const key of Object.keys(row)) fields.add(key);
  return fields;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

// ---- plot helpers -------------------------------------------------------------------------------

export interface AxisOptions {
  field: string;
  title?: string;
  scale?: 'linear' | 'log';
  /** Whether the axis must include zero (vega-lite's default for linear scales is true). */
  zero?: boolean;
}

/**
 * How to draw spread around a line or point: either aggregate raw rows (several seeds per x) into
 * mean ± extent, or use precomputed lower/upper fields.
 */
export type Spread = { extent: 'stdev' | 'stderr' | 'ci' } | { lower: string; upper: string };

export interface LinePlotOptions {
  title: string;
  x: AxisOptions;
  y: AxisOptions;
  /** Field that splits rows into one line per value (colour + legend). */
  series?: string;
  data: Row[];
  /** Draw a band around each line. With `{ extent }` the line is the mean over rows sharing x (and series). */
  band?: Spread;
  points?: boolean;
  width?: number;
  height?: number;
}

export interface ScatterPlotOptions {
  title: string;
  x: AxisOptions;
  y: AxisOptions;
  /** Field coloured by value (nominal). */
  color?: string;
  data: Row[];
  /** Vertical error bars; with `{ extent }` the point is the mean over rows sharing x (and colour). */
  errorBars?: Spread;
  width?: number;
  height?: number;
}

const DEFAULT_WIDTH = 480;
const DEFAULT_HEIGHT = 300;

/** A line plot, one line per `series` value, optional mean ± spread band. */
export function linePlot(options: LinePlotOptions): VegaLiteSpec {
  const { x, y, series, data, band } = options;
  checkRows('linePlot', data, [[x, 'x'], [y, 'y']], series === undefined ? [] : [[series, 'series']], band);
  const aggregated = band !== undefined && 'extent' in band;
  const colour = series === undefined ? {} : { color: { field: series, type: 'nominal' as const } };
  const xEnc = axisEncoding(x);
  const line = {
    mark: { type: 'line' as const, point: options.points ?? false },
    encoding: { x: xEnc, y: { ...axisEncoding(y), ...(aggregated ? { aggregate: 'mean' as const } : {}) }, ...colour },
  };
  return withFrame(options, data, band === undefined ? [line] : [spreadLayer('errorband', x, y, band, colour), line]);
}

/** A scatter plot with optional colour field and vertical error bars. */
export function scatterPlot(options: ScatterPlotOptions): VegaLiteSpec {
  const { x, y, color, data, errorBars } = options;
  checkRows('scatterPlot', data, [[x, 'x'], [y, 'y']], color === undefined ? [] : [[color, 'color']], errorBars);
  const aggregated = errorBars !== undefined && 'extent' in errorBars;
  const colour = color === undefined ? {} : { color: { field: color, type: 'nominal' as const } };
  const points = {
    mark: { type: 'point' as const, filled: true },
    encoding: { x: axisEncoding(x), y: { ...axisEncoding(y), ...(aggregated ? { aggregate: 'mean' as const } : {}) }, ...colour },
  };
  const layers = errorBars === undefined ? [points] : [spreadLayer('errorbar', x, y, errorBars, colour), points];
  return withFrame(options, data, layers);
}

function withFrame(
  options: { title: string; width?: number; height?: number },
  data: Row[],
  layer: object[],
): VegaLiteSpec {
  return {
    title: options.title,
    width: options.width ?? DEFAULT_WIDTH,
    height: options.height ?? DEFAULT_HEIGHT,
    data: { values: data },
    layer,
  } as VegaLiteSpec;
}

function axisEncoding(axis: AxisOptions) {
  const scale = {
    ...(axis.scale === 'log' ? { type: 'log' as const } : {}),
    ...(axis.zero !== undefined ? { zero: axis.zero } : {}),
  };
  return { field: axis.field, type: 'quantitative' as const, title: axis.title ?? axis.field, scale };
}

function spreadLayer(mark: 'errorband' | 'errorbar', x: AxisOptions, y: AxisOptions, spread: Spread, colour: object) {
  const yEnc = axisEncoding(y);
  if ('extent' in spread) {
    return { mark: { type: mark, extent: spread.extent }, encoding: { x: axisEncoding(x), y: yEnc, ...colour } };
  }
  return {
    mark: { type: mark },
    encoding: { x: axisEncoding(x), y: { ...yEnc, field: spread.lower }, y2: { field: spread.upper }, ...colour },
  };
}

/** Every row must have every field; axis fields must be finite numbers (> 0 on a log scale). */
function checkRows(
  op: string,
  rows: Row[],
  axes: [AxisOptions, string][],
  groups: [string, string][],
  spread: Spread | undefined,
): void {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new TesseraError('value', op, 'data expected a non-empty array of rows');
  }
  const numeric: [string, string, boolean][] = axes.map(([a, role]) => [a.field, role, a.scale === 'log']);
  if (spread !== undefined && 'lower' in spread) {
    const yLog = axes[1]![0].scale === 'log';
    numeric.push([spread.lower, 'lower', yLog], [spread.upper, 'upper', yLog]);
  }
  rows.forEach((row, i) => {
    if (!isObject(row)) throw new TesseraError('value', op, `data row ${i} expected an object, got ${String(row)}`);
    const missing = (field: string, role: string) =>
      new TesseraError('value', op, `field "${field}" (${role}) is missing from data row ${i}; ` +
        `the row has fields: ${Object.keys(row).join(', ') || '(none)'}`);
    for (const [field, role, log] of numeric) {
      if (!(field in row)) throw missing(field, role);
      const value = row[field];
      if (typeof value !== 'number' || !Number.isFinite(value) || (log && value <= 0)) {
        const want = log ? 'a finite number > 0 (log scale)' : 'a finite number';
        throw new TesseraError('value', op, `field "${field}" (${role}) in data row ${i} expected ${want}, got ${String(value)}`);
      }
    }
    for (const [field, role] of groups) if (!(field in row)) throw missing(field, role);
  });
}
