// Option checking shared by the optimizers, clipping and schedules: unknown keys and out-of-range
// numbers are errors that name the function, the option, what was expected and what was given.
import { TesseraError, formatValue, rangeError } from '../core/errors.js';

/** Learning rate as a function of the step index (0-based: the step about to be taken). */
export type Schedule = (step: number) => number;

/** An error of kind 'option': `op: option '<name>' expected <expected>, got <got>`. */
export function optionError(op: string, name: string, expected: string, got: unknown): TesseraError {
  return new TesseraError('option', op, `option '${name}' expected ${expected}, got ${formatValue(got)}`);
}

/** Reject anything but a plain object whose keys are all in `allowed`. */
export function checkKeys(op: string, options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TesseraError('option', op, `options expected an object, got ${formatValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TesseraError('option', op, `unknown option '${key}'; expected one of: ${allowed.join(', ')}`);
    }
  }
  return options as Record<string, unknown>;
}

export interface NumberRule {
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  max?: number;
  /** Exclusive upper bound. */
  below?: number;
  integer?: boolean;
}

/** `value` (or `fallback` when undefined) as a finite number within `rule`, else an option error. */
export function numberOption(op: string, name: string, value: unknown, fallback: number | undefined, rule: NumberRule = {}): number {
  const v = value === undefined ? fallback : value;
  const parts: string[] = [rule.integer ? 'an integer' : 'a finite number'];
  if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  const ok = typeof v === 'number' && Number.isFinite(v)
    && (!rule.integer || Number.isInteger(v))
    && (rule.min === undefined || v >= rule.min) && (rule.above === undefined || v > rule.above)
    && (rule.max === undefined || v <= rule.max) && (rule.below === undefined || v < rule.below);
  if (!ok) throw optionError(op, name, parts.join(' '), v);
  return v as number;
}

export function booleanOption(op: string, name: string, value: unknown, fallback: boolean): boolean {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'boolean') throw optionError(op, name, 'true or false', v);
  return v;
}

/** A number lr becomes a constant schedule; a function is checked each time it is called. */
export function lrOption(op: string, lr: unknown): { schedule: Schedule; constant: number | null } {
  if (typeof lr === 'function') return { schedule: lr as Schedule, constant: null };
  if (lr === undefined) throw optionError(op, 'lr', 'a number ≥ 0 or a schedule (step) => lr (required)', lr);
  const value = numberOption(op, 'lr', lr, undefined, { min: 0 });
  return { schedule: () => value, constant: value };
}

/** Evaluate a schedule and check it gave a usable learning rate. */
export function evalSchedule(op: string, schedule: Schedule, step: number): number {
  const lr = schedule(step);
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    throw rangeError(op, `learning rate at step ${step}`, 'a finite number ≥ 0 from the schedule', lr);
  }
  return lr;
}
