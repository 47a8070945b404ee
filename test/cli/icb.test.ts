// `tessera icb`: the bound from I(X; Z) and m equals the closed form sqrt((2^I + ln(c/δ)) / 2m), GE and whether
// it holds come with both accuracies, and bad options name the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'icb', ...args], { encoding: 'utf8', timeout: 60_000 });

test('icb --json: the closed form, with δ and c, and GE ≤ ICB from the accuracies', () => {
  const a = run('--mi-bits', '3', '--m', '100', '--json');
  assert.equal(a.status, 0, a.stderr);
  assert.deepEqual(JSON.parse(a.stdout), { miBits: 3, m: 100, delta: 0.05, c: 1, bound: Math.sqrt((8 + Math.log(20)) / 200) });
  const b = JSON.parse(run('--mi-bits', '6.5', '--m', '400', '--delta', '0.01', '--c', '2', '--train-acc', '0.99', '--test-acc', '0.9', '--json').stdout) as Record<string, unknown>;
  const bound = Math.sqrt((2 ** 6.5 + Math.log(200)) / 800);
  assert.deepEqual(b, { miBits: 6.5, m: 400, delta: 0.01, c: 2, bound, trainAccuracy: 0.99, testAccuracy: 0.9, ge: 0.99 - 0.9, held: 0.99 - 0.9 <= bound });
  assert.equal(b.held, true);
  const text = run('--mi-bits', '12', '--m', '50', '--train-acc', '1', '--test-acc', '0.5');
  assert.match(text.stdout, /^ICB = sqrt\(\(2\^12 \+ ln\(1\/0\.05\)\) \/ \(2·50\)\) = 6\.4\d+\nGE = 1 − 0\.5 = 0\.500000 ≤ ICB: the bound holds\n$/);
});

test('icb: bad options name the option and what was expected', () => {
  assert.match(run('--mi-bits', '3').stderr, /required option '--m <n>'/);
  assert.match(run('--mi-bits', '-1', '--m', '10').stderr, /--mi-bits expects a non-negative number, got "-1"/);
  assert.match(run('--mi-bits', '1', '--m', '0').stderr, /--m expects a positive integer, got "0"/);
  assert.match(run('--mi-bits', '1', '--m', '10', '--delta', '1.5').stderr, /inputCompressionBound: delta expected a confidence parameter in \(0, 1\), got 1\.5/);
  assert.match(run('--mi-bits', '1', '--m', '10', '--train-acc', '0.9').stderr, /icbCalculation: testAccuracy expected an accuracy beside trainAccuracy \(GE = train − test accuracy\), got none/);
  assert.match(run('--mi-bits', '1', '--m', '10', '--train-acc', '1.2', '--test-acc', '0.9').stderr, /generalizationRecord: trainAccuracy expected an accuracy in \[0, 1\], got 1\.2/);
});
