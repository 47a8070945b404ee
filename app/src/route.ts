// Hash routes: #/<page>?<inputs>. The inputs live in the URL so every view is shareable; a page reads them with
// the same names as the CLI's options (seq, batch, state-bytes, …) and writes them back when a field changes.

export interface Route { page: string; params: URLSearchParams }

export function currentRoute(hash = location.hash): Route {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  return { page: q < 0 ? body : body.slice(0, q), params: new URLSearchParams(q < 0 ? '' : body.slice(q + 1)) };
}

/** Replace the URL's inputs without adding a history entry per keystroke. */
export function setParams(page: string, params: URLSearchParams): void {
  history.replaceState(null, '', `#/${page}?${params.toString()}`);
}

/** Re-render `page` with the form #inputs's values as its URL parameters whenever an input changes. */
export function bindInputs(root: HTMLElement, page: string): void {
  const form = root.querySelector<HTMLFormElement>('#inputs')!;
  form.addEventListener('change', () => {
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(form)) next.set(k, String(v));
    setParams(page, next);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });
}

/** A positive integer option, with the CLI's error text (cli/options.ts: positiveInt). */
export function positiveInt(name: string, raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} expects a positive integer, got "${raw}"`);
  return n;
}

/** A positive number option, with the CLI's error text (cli/options.ts: positiveNumber). */
export function positiveNumber(name: string, raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} expects a positive number, got "${raw}"`);
  return n;
}

export function nonNegativeNumber(name: string, raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} expects a non-negative number, got "${raw}"`);
  return n;
}

/** A non-negative integer option, with the CLI's error text (cli/options.ts: nonNegativeInt). */
export function nonNegativeInt(name: string, raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} expects a non-negative integer, got "${raw}"`);
  return n;
}

/** A number in [lo, hi] (or (lo, hi] when openLo), with the CLI's error text (cli/zamba2.ts: numberIn). */
export function numberIn(name: string, raw: string | null, fallback: number, lo: number, hi: number, openLo = false): number {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n > hi || (openLo ? n <= lo : n < lo)) throw new Error(`${name} expects a number in ${openLo ? '(' : '['}${lo}, ${hi}], got "${raw}"`);
  return n;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => escapes[c]!);

/** A labelled <select> or <input> bound to a URL parameter. */
export function field(name: string, label: string, value: string, choices?: readonly string[]): string {
  const control = choices
    ? `<select name="${esc(name)}">${choices.map((c) => `<option${c === value ? ' selected' : ''}>${esc(c)}</option>`).join('')}</select>`
    : `<input name="${esc(name)}" value="${esc(value)}" size="9">`;
  return `<label>${esc(label)} ${control}</label>`;
}
