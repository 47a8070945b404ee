// Option-value parsers shared by every command: each names the option and shows the bad value.
import { InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES } from '../backend/select.js';

const parsed = (v: string): number => (v.trim() === '' ? Number.NaN : Number(v));

export const positiveInt = (name: string) => (v: string): number => {
  const n = parsed(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} expects a positive integer, got "${v}"`);
  return n;
};

export const nonNegativeInt = (name: string) => (v: string): number => {
  const n = parsed(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} expects a non-negative integer, got "${v}"`);
  return n;
};

export const positiveNumber = (name: string) => (v: string): number => {
  const n = parsed(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} expects a positive number, got "${v}"`);
  return n;
};

export const nonNegativeNumber = (name: string) => (v: string): number => {
  const n = parsed(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} expects a non-negative number, got "${v}"`);
  return n;
};

/** A fraction in [0, 1), e.g. --sparsity 0.9. */
export const unitFraction = (name: string) => (v: string): number => {
  const n = parsed(v);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError(`${name} expects a number in [0, 1), got "${v}"`);
  return n;
};

/** --backend for every command that computes: auto (native when built, else wasm), native, wasm or cpu. */
export const backendOption = (what = 'kernel backend') =>
  new Option('--backend <name>', `${what}: auto = native when the addon is built, else wasm`).choices([...BACKEND_CHOICES]).default('auto');

/** --threads for every backend (the cpu reference always runs 1). */
export const threadsOption = () => new Option('--threads <n>', 'threads of the backend (default: all cores)').argParser(positiveInt('--threads'));
