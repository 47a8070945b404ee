// Markdown tables and number formatting for report.md.
import { TesseraError } from '../core/errors.js';

export type Cell = string | number | boolean | null | undefined;
export type Align = 'left' | 'right' | 'center';

export interface TableOptions {
  /** One alignment per column. Default: right for columns whose cells are all numbers, else left. */
  align?: Align[];
  /** Significant digits for non-integer numbers (default 4). */
  digits?: number;
}

const DEFAULT_DIGITS = 4;

/**
 * A number as a person reads it in a table: integers exactly (up to 1e15), others to `digits`
 * significant digits, scientific notation below 1e-3 and from 1e6 up; NaN and ±Infinity spelt out.
 */
export function formatNumber(x: number, digits = DEFAULT_DIGITS): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 21) {
    throw new TesseraError('range', 'formatNumber', `digits expected an integer in [1, 21], got ${digits}`);
  }
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return '0';
  const magnitude = Math.abs(x);
  if (Number.isInteger(x) && magnitude < 1e15) return String(x);
  if (magnitude >= 1e-3 && magnitude < 1e6) {
    const rounded = Number(x.toPrecision(digits));
    if (Math.abs(rounded) < 1e6) return String(rounded);
  }
  const [mantissa, exponent] = x.toExponential(digits - 1).split('e') as [string, string];
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return `${trimmed}e${exponent.replace('+', '')}`;
}

/** A cell's text: numbers formatted, `|` escaped, line breaks as `<br>`, null/undefined empty. */
export function formatCell(value: Cell, digits = DEFAULT_DIGITS): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? formatNumber(value, digits) : String(value);
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

const SEPARATOR: Record<Align, string> = { left: ':---', right: '---:', center: ':---:' };

/** A GitHub-flavoured markdown table. Every row must have one cell per column. */
export function markdownTable(columns: string[], rows: Cell[][], options: TableOptions = {}): string {
  const op = 'markdownTable';
  if (columns.length === 0) throw new TesseraError('value', op, 'columns expected at least one column, got none');
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new TesseraError('shape', op,
        `row ${i} expected ${columns.length} cells (${columns.join(', ')}), got ${Array.isArray(row) ? row.length : String(row)}`);
    }
  });
  const align = options.align ?? columns.map((_, j) => (isNumericColumn(rows, j) ? 'right' : 'left'));
  if (align.length !== columns.length) {
    throw new TesseraError('shape', op, `align expected ${columns.length} entries, got ${align.length}`);
  }
  for (const a of align) {
    if (!(a in SEPARATOR)) throw new TesseraError('option', op, `align expected left|right|center, got ${String(a)}`);
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(columns.map((c) => formatCell(c))),
    line(align.map((a) => SEPARATOR[a])),
    ...rows.map((row) => line(row.map((cell) => formatCell(cell, options.digits)))),
  ].join('\n');
}

function isNumericColumn(rows: Cell[][], column: number): boolean {
  const present = rows.map((row) => row[column]).filter((v) => v !== null && v !== undefined);
  return present.length > 0 && present.every((v) => typeof v === 'number');
}
