// The checks of option values given as text — a CLI flag, a web page's URL parameter — with one error text
// each, naming the option and showing the bad value: `--seq expects a positive integer, got "-3"`. The CLI
// (cli/options.ts) turns an OptionValueError into commander's InvalidArgumentError; the web app (app/src/route.ts)
// shows its message on the page, so both say exactly the same. Imports nothing.

/** A bad option value; the message is the whole text (no operation prefix: it is the user's input). */
export class OptionValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionValueError';
  }
}

const parsed = (v: string): number => (v.trim() === '' ? Number.NaN : Number(v));

export function parsePositiveInt(name: string, v: string): number {
  const n = parsed(v);
  if (!Number.isInteger(n) || n < 1) throw new OptionValueError(`${name} expects a positive integer, got "${v}"`);
  return n;
}

export function parseNonNegativeInt(name: string, v: string): number {
  const n = parsed(v);
  if (!Number.isInteger(n) || n < 0) throw new OptionValueError(`${name} expects a non-negative integer, got "${v}"`);
  return n;
}

export function parsePositiveNumber(name: string, v: string): number {
  const n = parsed(v);
  if (!Number.isFinite(n) || n <= 0) throw new OptionValueError(`${name} expects a positive number, got "${v}"`);
  return n;
}

export function parseNonNegativeNumber(name: string, v: string): number {
  const n = parsed(v);
  if (!Number.isFinite(n) || n < 0) throw new OptionValueError(`${name} expects a non-negative number, got "${v}"`);
  return n;
}

/** A number in [lo, hi], or (lo, hi] when openLo (e.g. --top-p in (0, 1]). */
export function parseNumberIn(name: string, v: string, lo: number, hi: number, openLo = false): number {
  const n = parsed(v);
  if (!Number.isFinite(n) || n > hi || (openLo ? n <= lo : n < lo)) throw new OptionValueError(`${name} expects a number in ${openLo ? '(' : '['}${lo}, ${hi}], got "${v}"`);
  return n;
}

/** A fraction in [0, 1), e.g. --sparsity 0.9. */
export function parseUnitFraction(name: string, v: string): number {
  const n = parsed(v);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new OptionValueError(`${name} expects a number in [0, 1), got "${v}"`);
  return n;
}

/** Non-negative integers and inclusive ranges, e.g. "0-9" or "3,7,12-15". */
export function parseIndexList(name: string, v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw new OptionValueError(`${name} expects non-negative integers or ranges a-b (a ≤ b) separated by commas, got "${v}"`);
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out;
}
