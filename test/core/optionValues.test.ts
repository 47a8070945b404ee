// Option-value checks: the value when good; otherwise one error text naming the option and the bad value, the
// same through the CLI's commander parsers (cli/options.ts) as on the web app's pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import {
  OptionValueError, parseIndexList, parseNonNegativeInt, parseNonNegativeNumber, parseNumberIn, parsePositiveInt, parsePositiveNumber, parseUnitFraction,
} from '../../src/core/optionValues.js';
import { numberIn, positiveInt } from '../../src/cli/options.js';

test('option values: good values parse', () => {
  assert.equal(parsePositiveInt('--n', '12'), 12);
  assert.equal(parseNonNegativeInt('--n', '0'), 0);
  assert.equal(parsePositiveNumber('--x', '1e-3'), 1e-3);
  assert.equal(parseNonNegativeNumber('--x', '0'), 0);
  assert.equal(parseNumberIn('--top-p', '1', 0, 1, true), 1);
  assert.equal(parseUnitFraction('--s', '0.9'), 0.9);
  assert.deepEqual(parseIndexList('--i', '0-2,7'), [0, 1, 2, 7]);
});

test('option values: bad values name the option and show the value', () => {
  const bad: [() => unknown, string][] = [
    [() => parsePositiveInt('--seq', '-3'), '--seq expects a positive integer, got "-3"'],
    [() => parsePositiveInt('--seq', ' '), '--seq expects a positive integer, got " "'],
    [() => parseNonNegativeInt('--seed', '1.5'), '--seed expects a non-negative integer, got "1.5"'],
    [() => parsePositiveNumber('--mfu', '0'), '--mfu expects a positive number, got "0"'],
    [() => parseNonNegativeNumber('--gb', 'x'), '--gb expects a non-negative number, got "x"'],
    [() => parseNumberIn('--top-p', '0', 0, 1, true), '--top-p expects a number in (0, 1], got "0"'],
    [() => parseNumberIn('--temperature', '', 0, 100), '--temperature expects a number in [0, 100], got ""'],
    [() => parseUnitFraction('--s', '1'), '--s expects a number in [0, 1), got "1"'],
    [() => parseIndexList('--i', '3-1'), '--i expects non-negative integers or ranges a-b (a ≤ b) separated by commas, got "3-1"'],
  ];
  for (const [f, message] of bad) assert.throws(f, (e: unknown) => e instanceof OptionValueError && e.message === message);
});

test('the CLI parsers raise commander\'s InvalidArgumentError with the same text', () => {
  assert.throws(() => positiveInt('--seq')('0'), (e: unknown) => e instanceof InvalidArgumentError && e.message === '--seq expects a positive integer, got "0"');
  assert.throws(() => numberIn('--top-p', 0, 1, true)('2'), (e: unknown) => e instanceof InvalidArgumentError && e.message === '--top-p expects a number in (0, 1], got "2"');
  assert.equal(positiveInt('--seq')('8'), 8);
});
