// The Runs page in a real browser: pick a results folder written by `tessera train` (two runs, plus a damaged
// result.json), and the page lists every run, compares the chosen ones side by side with each metric equal to its
// result.json, every table with its rows and every plot loaded; a damaged result.json shows parseRunResult's error
// (the same reader Node uses) while the good runs still show; a folder without runs says so.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, screenshotDir as shots, skipBrowser as skip, useApp } from '../support/browser.js';
import { parseRunResult } from '../../src/report/readRun.js';

const app = useApp();
const root = mkdtempSync(join(tmpdir(), 'tessera-runs-'));
const results = join(root, 'results');
const runDirs: string[] = [];

before(() => {
  if (skip) return;
  for (const seed of [1, 2]) {
    execFileSync(process.execPath, [cliPath, 'train', '--model', 'mlp', '--dataset', 'fashion-mnist', '--epochs', '2', '--train-limit', '1000', '--test-limit', '500',
      '--lr', String(0.05 * seed), '--seed', String(seed), '--results', results], { stdio: 'ignore' });
  }
  const name = readdirSync(results)[0]!;
  for (const id of readdirSync(join(results, name)).sort()) runDirs.push(`results/${name}/${id}`);
});

test('runs: a results folder lists its runs and compares two side by side, every metric equal to result.json', { skip }, async () => {
  const { page, problems } = await app.open('#/runs', '[data-testid="folder"]');
  await page.setInputFiles('[data-testid="folder"]', results);
  await page.waitForSelector('[data-testid="run-column"]');
  assert.deepEqual(await page.$$eval('[data-testid="run-row"]', (els) => els.map((e) => e.getAttribute('data-run'))), runDirs);
  assert.deepEqual(await page.$$eval('[data-testid="run-column"]', (els) => els.map((e) => e.getAttribute('data-run'))), runDirs);
  for (const dir of runDirs) {
    const result = JSON.parse(readFileSync(join(root, dir, 'result.json'), 'utf8')) as { metrics: Record<string, unknown>; tables: { rows: unknown[] }[]; plots: unknown[] };
    const shown = await page.$$eval(`[data-testid="metric"][data-run="${dir}"]`, (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-metric'), JSON.parse(e.getAttribute('data-value')!)])));
    assert.deepEqual(shown, result.metrics);
    assert.deepEqual(await page.$$eval(`[data-testid="run-table"][data-run="${dir}"]`, (els) => els.map((e) => Number(e.getAttribute('data-rows')))), result.tables.map((t) => t.rows.length));
    const plots = await page.$$eval(`[data-testid="run-plot"][data-run="${dir}"]`, (els) => els.map((e) => { const img = e as unknown as { complete: boolean; naturalWidth: number }; return img.complete && img.naturalWidth > 0; }));
    assert.deepEqual(plots, result.plots.map(() => true));
  }
  // The config keys that differ: the seed and the learning rate.
  assert.deepEqual(await page.$$eval('[data-testid="config-diff"] tbody td:first-child', (els) => els.map((e) => e.textContent)), ['lr', 'seed']);
  // Unticking a run compares the other one alone; the choice is in the URL.
  await page.uncheck(`[data-testid="run-row"][data-run="${runDirs[0]}"] input`);
  await page.waitForFunction(`[...document.querySelectorAll('[data-testid="run-column"]')].map((e) => e.getAttribute('data-run')).join() === ${JSON.stringify(runDirs[1])}`);
  assert.match(decodeURIComponent(page.url()), new RegExp(`compare=${runDirs[1]}$`));
  if (shots) {
    await page.check(`[data-testid="run-row"][data-run="${runDirs[0]}"] input`);
    await page.waitForFunction('document.querySelectorAll(\'[data-testid="run-column"]\').length === 2');
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: `${shots}/runs.png`, fullPage: true });
  }
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('runs: a damaged result.json shows the reader\'s error beside the good runs; a folder without runs says so', { skip }, async () => {
  const damaged = join(root, 'mixed');
  const good = join(damaged, 'good');
  mkdirSync(good, { recursive: true });
  writeFileSync(join(good, 'result.json'), readFileSync(join(root, runDirs[0]!, 'result.json')));
  const text = JSON.stringify({ ...JSON.parse(readFileSync(join(root, runDirs[0]!, 'result.json'), 'utf8')), metrics: { acc: [1] } });
  mkdirSync(join(damaged, 'bad'));
  writeFileSync(join(damaged, 'bad', 'result.json'), text);
  let expected = '';
  try { parseRunResult(text, 'mixed/bad/result.json'); } catch (e) { expected = (e as Error).message; }
  assert.equal(expected, 'parseRunResult: mixed/bad/result.json: "metrics.acc" expected a number or a string, got [1]');

  const { page, problems } = await app.open('#/runs', '[data-testid="folder"]');
  await page.setInputFiles('[data-testid="folder"]', damaged);
  await page.waitForSelector('[data-testid="error"]');
  assert.equal(await page.textContent('[data-testid="error"]'), expected);
  assert.deepEqual(await page.$$eval('[data-testid="run-row"]', (els) => els.map((e) => e.getAttribute('data-run'))), ['mixed/good']);

  const empty = join(root, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'notes.txt'), 'no runs here');
  await page.setInputFiles('[data-testid="folder"]', empty);
  await page.waitForSelector('[data-testid="error"]:has-text("no result.json")');
  assert.equal(await page.textContent('[data-testid="error"]'), 'no result.json under empty (expected run directories such as results/<name>/<run-id>/result.json)');
  assert.deepEqual(problems, []);
  await page.context().close();
});
