// Option-value parsers shared by every command: each names the option and shows the bad value.
import { InvalidArgumentError } from 'commander';

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
