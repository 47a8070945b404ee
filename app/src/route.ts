// Hash routes: #/<page>?<inputs>. The inputs live in the URL so every view is shareable; a page reads them with
// the same names as the CLI's options (seq, batch, state-bytes, …) and writes them back when a field changes.
import { parseNonNegativeInt, parseNonNegativeNumber, parseNumberIn, parsePositiveInt, parsePositiveNumber } from 'tessera/core';

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

// Optional URL parameters with the CLI's checks and error texts (tessera/core's optionValues, which the CLI's
// option parsers use too): the fallback when the parameter is absent.
const orFallback = <T>(raw: string | null, fallback: T, check: (v: string) => T): T => (raw === null ? fallback : check(raw));

export const positiveInt = (name: string, raw: string | null, fallback: number): number => orFallback(raw, fallback, (v) => parsePositiveInt(name, v));
export const positiveNumber = (name: string, raw: string | null, fallback: number): number => orFallback(raw, fallback, (v) => parsePositiveNumber(name, v));
export const nonNegativeNumber = (name: string, raw: string | null, fallback: number): number => orFallback(raw, fallback, (v) => parseNonNegativeNumber(name, v));
export const nonNegativeInt = (name: string, raw: string | null, fallback: number): number => orFallback(raw, fallback, (v) => parseNonNegativeInt(name, v));
/** A number in [lo, hi] (or (lo, hi] when openLo). */
export const numberIn = (name: string, raw: string | null, fallback: number, lo: number, hi: number, openLo = false): number =>
  orFallback(raw, fallback, (v) => parseNumberIn(name, v, lo, hi, openLo));

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => escapes[c]!);

/** A labelled <select> or <input> bound to a URL parameter. */
export function field(name: string, label: string, value: string, choices?: readonly string[]): string {
  const control = choices
    ? `<select name="${esc(name)}">${choices.map((c) => `<option${c === value ? ' selected' : ''}>${esc(c)}</option>`).join('')}</select>`
    : `<input name="${esc(name)}" value="${esc(value)}" size="9">`;
  return `<label>${esc(label)} ${control}</label>`;
}
