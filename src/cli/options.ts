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

/** A list of non-negative integers and inclusive ranges, e.g. --indices 0-9 or 3,7,12-15. */
export const indexList = (name: string) => (v: string): number[] => {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw new InvalidArgumentError(`${name} expects non-negative integers or ranges a-b (a ≤ b) separated by commas, got "${v}"`);
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out;
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
