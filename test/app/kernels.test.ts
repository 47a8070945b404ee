// The Kernels page in Chromium: its NNGP and NTK Gram matrices equal `tessera ntk kernel` on the same rows to 1e-6
// (a ReLU spec on a preset, an erf spec in the standard parameterisation on JSON rows), the ensemble's mean and
// variance on the toy equal the library's predictor in Node and its t = ∞ mean the NTK posterior mean Θ_td Θ⁻¹ y
// solved here, the Monte-Carlo kernels lie within a few standard errors of the analytic ones, the bound
// calculator equals `tessera icb --json`, and malformed specs show the CLI's error text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliJson, cliPath, screenshotDir as shots, skipBrowser as skip, useApp, type Page } from '../support/browser.js';
import { gradientDescentMseEnsemble, kernelFn, parseArchitecture } from '../../src/infinite/index.js';

const app = useApp();
const dir = mkdtempSync(join(tmpdir(), 'tessera-app-kernels-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const RELU = 'dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1';
const ERF = 'dense:1.5:0.05 erf dense:1.5:0.05 erf dense:1:0';
const CIRCLE8 = Array.from({ length: 8 }, (_, k) => [Math.cos((2 * Math.PI * k) / 8), Math.sin((2 * Math.PI * k) / 8)]);
const ROWS = [[1, 0, 0.5], [0.3, -0.2, 2], [-1, 1, 0], [0, 0, 0.1], [2, 1, -1]];

const route = (p: Record<string, string | number | undefined>) => `#/kernels?${new URLSearchParams(Object.entries(p).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]]))).toString()}`;
const attr = async (page: Page, sel: string, name: string): Promise<unknown> => JSON.parse((await page.getAttribute(sel, name))!);
const close = (got: number[][], want: number[][], tol: number, what: string) => {
  assert.equal(got.length, want.length, `${what}: rows`);
  got.forEach((row, i) => {
    assert.equal(row.length, want[i]!.length, `${what}: row ${i}`);
    row.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!) <= tol, `${what}[${i}][${j}]: page ${v} vs ${want[i]![j]}`));
  });
};

for (const c of [
  { name: 'ReLU spec, preset circle8, ntk', arch: RELU, param: 'ntk', x: 'circle8', rows: CIRCLE8 },
  { name: 'erf spec, JSON rows, standard', arch: ERF, param: 'standard', x: JSON.stringify(ROWS), rows: ROWS },
]) {
  test(`kernels (${c.name}): the NNGP and NTK heatmaps' values equal \`tessera ntk kernel --json\` to 1e-6`, { skip }, async () => {
    const file = join(dir, `x-${c.param}.json`);
    writeFileSync(file, JSON.stringify(c.rows));
    const cli = cliJson(['ntk', 'kernel', '--arch', c.arch, '--x1', file, '--param', c.param, '--json']) as { nngp: number[][]; ntk: number[][] };
    const { page, problems } = await app.open(route({ arch: c.arch, param: c.param, x: c.x, samples: 2, width: 32 }), '[data-testid="ntk"][data-values] svg', 60_000);
    close(await attr(page, '[data-testid="nngp"]', 'data-values') as number[][], cli.nngp, 1e-6, 'nngp');
    close(await attr(page, '[data-testid="ntk"]', 'data-values') as number[][], cli.ntk, 1e-6, 'ntk');
    // The kernels are not trivially equal to each other (an NTK shown as the NNGP would fail above, but say it).
    assert.ok(Math.abs(cli.ntk[0]![0]! - cli.nngp[0]![0]!) > 1e-3);
    await page.waitForSelector('[data-testid="mc-status"][data-ms]', { timeout: 60_000 });
    assert.deepEqual(problems, []);
    await page.context().close();
  });
}

/** Θ_td (Θ_dd + reg·I)⁻¹ y by Gaussian elimination with partial pivoting (independent of infinite/predict.ts). */
function posteriorMean(trainTrain: Float64Array, testTrain: Float64Array, y: number[], reg: number): number[] {
  const N = y.length;
  const A = Array.from({ length: N }, (_, i) => [...Array.from(trainTrain.subarray(i * N, (i + 1) * N)), y[i]!]);
  for (let i = 0; i < N; i++) A[i]![i]! += reg;
  for (let k = 0; k < N; k++) {
    const p = A.slice(k).reduce((best, row, r) => (Math.abs(row[k]!) > Math.abs(A[best]![k]!) ? k + r : best), k);
    [A[k], A[p]] = [A[p]!, A[k]!];
    for (let i = k + 1; i < N; i++) {
      const f = A[i]![k]! / A[k]![k]!;
      for (let j = k; j <= N; j++) A[i]![j]! -= f * A[k]![j]!;
    }
  }
  const alpha = new Array<number>(N).fill(0);
  for (let i = N - 1; i >= 0; i--) alpha[i] = (A[i]![N]! - A[i]!.slice(i + 1, N).reduce((s, v, j) => s + v * alpha[i + 1 + j]!, 0)) / A[i]![i]!;
  const M = testTrain.length / N;
  return Array.from({ length: M }, (_, m) => alpha.reduce((s, a, n) => s + testTrain[m * N + n]! * a, 0));
}

test('kernels: the toy ensemble after t = 30 equals the library\'s predictor in Node, and its t = ∞ mean the NTK posterior mean, to 1e-6', { skip }, async () => {
  const diagReg = 1e-3;
  const { page, problems } = await app.open(route({ arch: RELU, x: 'circle8', t: 30, n: 10, 'diag-reg': diagReg, samples: 2, width: 32 }), '[data-testid="band"][data-mean] svg', 60_000);
  const [xTrain, yTrain, xTest, mean, variance, meanInf] = await Promise.all(['x-train', 'y-train', 'x-test', 'mean', 'variance', 'mean-infinity']
    .map((k) => attr(page, '[data-testid="band"]', `data-${k}`))) as number[][];
  assert.equal(xTrain!.length, 10);
  assert.equal(xTest!.length, 81);
  assert.ok(xTrain!.every((x, i) => Math.abs(x) <= Math.PI && Math.abs(yTrain![i]! - Math.sin(x)) < 0.5), 'targets are sin x + small noise on [−π, π]');
  const layer = parseArchitecture(RELU);
  const col = (v: number[]) => ({ data: Float64Array.from(v), shape: [v.length, 1] });
  const trainTrain = kernelFn(layer, col(xTrain!)), testTrain = kernelFn(layer, col(xTest!), col(xTrain!));
  const predict = gradientDescentMseEnsemble({ trainTrain, yTrain: Float64Array.from(yTrain!), n: 10, diagReg });
  const node = predict({ t: 30, get: 'ntk', testTrain, testTestNngp: testTrain.nngpDiag1, cov: 'diagonal' });
  close([mean!], [Array.from(node.mean)], 1e-6, 'mean at t = 30');
  close([variance!], [Array.from(node.cov!)], 1e-6, 'variance at t = 30');
  const reg = diagReg * trainTrain.ntk.filter((_, i) => i % 11 === 0).reduce((s, v) => s + v, 0) / 10;
  close([meanInf!], [posteriorMean(trainTrain.ntk, testTrain.ntk, yTrain!, reg)], 1e-6, 'mean at t = ∞');
  // Training moved the mean: at t = 30 it is neither the prior mean 0 nor the t = ∞ mean.
  assert.ok(Math.max(...mean!.map((v, i) => Math.abs(v - meanInf![i]!))) > 1e-3 && Math.max(...mean!.map(Math.abs)) > 0.1);
  assert.match((await page.textContent('[data-testid="toy-information"]'))!, /between [\d.]+ \(InfoNCE\) and [\d.]+ bits/);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('kernels: the Monte-Carlo kernels of width-256 networks lie within 6 standard errors of the analytic kernels', { skip }, async () => {
  const { page, problems } = await app.open(route({ arch: RELU, x: 'circle8', width: 256, samples: 16 }), '[data-testid="mc-status"][data-ms]', 60_000);
  const s = '[data-testid="mc-status"]';
  for (const k of ['nngp', 'ntk']) {
    const diff = Number(await page.getAttribute(s, `data-max-diff-${k}`)), se = Number(await page.getAttribute(s, `data-max-stderr-${k}`));
    assert.ok(se > 0 && diff <= 6 * se, `${k}: max |MC − analytic| ${diff} vs 6 × largest standard error ${se}`);
    const scale = Math.max(...(await attr(page, `[data-testid="${k}"]`, 'data-values') as number[][]).flat().map(Math.abs));
    assert.ok(se < 0.1 * scale, `${k}: the standard error ${se} is small enough (vs the largest entry ${scale}) for the comparison to mean something`);
  }
  // In the NTK parameterisation the analytic kernel at finite widths is the infinite-width kernel of the page's Gram.
  close(await attr(page, s, 'data-analytic-ntk') as number[][], await attr(page, '[data-testid="ntk"]', 'data-values') as number[][], 1e-12, 'analytic ntk');
  console.log(`Monte Carlo (8 inputs, width 256, 16 + 16 networks): ${Number(await page.getAttribute(s, 'data-ms')).toFixed(0)} ms`);
  assert.deepEqual(problems, []);
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await page.waitForSelector('[data-testid="mc-ntk"] svg');
    await page.screenshot({ path: `${shots}/kernels.png`, fullPage: true });
  }
  await page.context().close();
});

test('kernels: the input-compression bound calculator equals `tessera icb --json`, with and without the accuracies', { skip }, async () => {
  for (const args of [{ 'mi-bits': 6.5, m: 400, delta: 0.01, c: 2, 'train-acc': 0.99, 'test-acc': 0.9 }, { 'mi-bits': 12, m: 50 }]) {
    const cli = cliJson(['icb', ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]), '--json']);
    const { page, problems } = await app.open(route({ arch: RELU, samples: 2, width: 32, ...args }), '[data-testid="icb"][data-values]');
    const got = await attr(page, '[data-testid="icb"]', 'data-values') as Record<string, unknown>, want = cli as Record<string, unknown>;
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
    // The same function; the browser's Math.log and ** may differ from Node's in the last bit.
    for (const [k, v] of Object.entries(want)) {
      if (typeof v === 'number') assert.ok(Math.abs((got[k] as number) - v) <= 1e-14 * Math.max(1, Math.abs(v)), `${k}: page ${got[k]} vs CLI ${v}`);
      else assert.equal(got[k], v, k);
    }
    await page.waitForSelector('[data-testid="mc-status"][data-ms]', { timeout: 60_000 });
    assert.deepEqual(problems, []);
    await page.context().close();
  }
});

test('kernels: a malformed architecture shows the CLI\'s error text, from the parser and from the kernel', { skip }, async () => {
  const file = join(dir, 'rows.json');
  writeFileSync(file, JSON.stringify(CIRCLE8));
  for (const arch of ['dense:1.4:0.1 relux dense:1', 'dense:1.4', 'conv:1:3:1:0 relu flatten dense:1:0']) {
    const r = spawnSync(process.execPath, [cliPath, 'ntk', 'kernel', '--arch', arch, '--x1', file, '--backend', 'cpu'], { encoding: 'utf8' });
    assert.equal(r.status, 1, `the CLI rejects ${arch}`);
    const cliError = r.stderr.trim().split('\n').at(-1)!.replace(/^tessera: /, '');
    const { page, problems } = await app.open(route({ arch, x: 'circle8' }), '[data-testid="error"]', 60_000);
    assert.equal(await page.textContent('[data-testid="error"]'), cliError, arch);
    assert.deepEqual(problems, []);
    await page.context().close();
  }
});
