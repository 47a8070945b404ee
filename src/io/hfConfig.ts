// A Hugging Face config.json, once parsed: the one place its keys are read with types checked. Every model
// that takes a config.json (the sizing shapes, ZAYA1, Zamba2, the layout planner's dense decoders) maps its
// own keys through these getters, so every error names the file and the key:
//   "zamba2Config: tiny/config.json: "hidden_size" expected an integer ≥ 0, got 2.5"
//
// Lookup rule, the same for every getter: keys are tried in order (a new name first, then legacy aliases)
// and the first one that is present and not null is the value; it must have the getter's type — a wrong type
// is an error, never silently skipped. "optional" getters return the fallback only when no key is present.
//
// No node:* import here (the file is read by ./jsonFile.ts), so the sizing model and the model configs that
// use this stay usable in a browser.
import { TesseraError } from '../core/errors.js';

type Keys = string | readonly string[];

const list = (keys: Keys): readonly string[] => (typeof keys === 'string' ? [keys] : keys);
const quoted = (keys: Keys): string => list(keys).map((k) => JSON.stringify(k)).join(' or ');
const shown = (v: unknown): string => JSON.stringify(v)?.slice(0, 60) ?? String(v);

export class HfConfig {
  /**
   * @param values  the parsed top-level object
   * @param where   the file (or a label such as "preset 2.7B") named in every error
   * @param op      the operation named in every error, e.g. "zamba2Config"
   */
  private constructor(readonly values: Readonly<Record<string, unknown>>, readonly where: string, readonly op: string) {}

  /** Wrap parsed JSON (or re-label an HfConfig for another operation); anything but a JSON object is an error. */
  static of(json: unknown, where = 'config.json', op = 'config'): HfConfig {
    if (json instanceof HfConfig) return new HfConfig(json.values, json.where, op);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new TesseraError('format', op, `${where}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json}`);
    }
    return new HfConfig(json as Record<string, unknown>, where, op);
  }

  /** An error about this file. */
  error(message: string): TesseraError {
    return new TesseraError('format', this.op, `${this.where}: ${message}`);
  }

  /** The first of `keys` that is present and not null, with its value. */
  lookup(keys: Keys): { key: string; value: unknown } | undefined {
    for (const key of list(keys)) {
      const value = this.values[key];
      if (value !== undefined && value !== null) return { key, value };
    }
    return undefined;
  }

  has(keys: Keys): boolean {
    return this.lookup(keys) !== undefined;
  }

  private typed<T>(keys: Keys, what: string, ok: (v: unknown) => boolean, fallback: T | undefined): T {
    const hit = this.lookup(keys);
    if (hit === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.error(`expected ${what} under ${quoted(keys)}, got none`);
    }
    if (!ok(hit.value)) throw this.error(`${JSON.stringify(hit.key)} expected ${what}, got ${shown(hit.value)}`);
    return hit.value as T;
  }

  /** A finite number (a width, a count, an epsilon). */
  requireNumber(keys: Keys): number {
    return this.typed<number>(keys, 'a number', isFiniteNumber, undefined);
  }

  optionalNumber(keys: Keys, fallback: number): number {
    return this.typed(keys, 'a number', isFiniteNumber, fallback);
  }

  /** A non-negative integer (dimensions, layer counts, token ids). */
  requireInteger(keys: Keys): number {
    return this.typed<number>(keys, 'an integer ≥ 0', isCount, undefined);
  }

  optionalInteger(keys: Keys, fallback: number): number {
    return this.typed(keys, 'an integer ≥ 0', isCount, fallback);
  }

  optionalBoolean(keys: Keys, fallback: boolean): boolean {
    return this.typed(keys, 'true or false', (v) => typeof v === 'boolean', fallback);
  }

  optionalString(keys: Keys): string | undefined {
    return this.has(keys) ? this.typed<string>(keys, 'a string', (v) => typeof v === 'string', undefined) : undefined;
  }

  /** A list (per-layer settings); its entries are the caller's to check. */
  optionalList(keys: Keys): readonly unknown[] | undefined {
    return this.has(keys) ? this.typed<readonly unknown[]>(keys, 'a list', Array.isArray, undefined) : undefined;
  }

  /**
   * The first positive number of a per-sub-layer list, or undefined when the key is absent or has none
   * (ZAYA stores CCA and MoE widths per sub-layer, 0 where the sub-layer is of the other kind).
   */
  firstPositive(key: string): number | undefined {
    return this.optionalList(key)?.find((x): x is number => isFiniteNumber(x) && x > 0);
  }
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
