// Stable trial ids: the same trial gets the same id on every machine and in every session, so a grid
// resumes and a finished trial is never run twice.
//   id = first 16 hex digits of sha256(canonical JSON of { repro, grid version, tessera version, config })
// Canonical JSON: object keys sorted at every depth, no whitespace, numbers as JSON.stringify gives them
// (shortest round-trip form), so key order in a config literal does not change the id.
import { createHash } from 'node:crypto';
import type { JsonValue } from '../report/index.js';

export function canonicalJson(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k]!)}`).join(',')}}`;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`canonicalJson: a trial config holds the non-finite number ${v}; configs must be plain JSON`);
  return JSON.stringify(v);
}

export interface TrialIdParts {
  repro: string;
  /** The grid's `version` (bumped when what a trial computes changes). */
  gridVersion: string;
  /** tessera's package version. */
  codeVersion: string;
  config: JsonValue;
}

export function trialId(p: TrialIdParts): string {
  const text = canonicalJson({ repro: p.repro, grid: p.gridVersion, code: p.codeVersion, config: p.config });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
