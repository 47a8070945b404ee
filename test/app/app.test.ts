// The web app in a real browser: `tessera app` serves build/app, playwright-core drives Debian's Chromium
// (headless; every request that is not to the app's 127.0.0.1 origin is aborted and fails the test). Each page
// loads without console errors; the planner's rows and the sizing page's numbers equal the CLI's --json output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { cliJson, screenshotDir as shots, skipBrowser as skip, useApp } from '../support/browser.js';

const app = useApp();
const open = app.open;

interface CliPlan { plans: { kind: string; layout: string; memory: { total: number }; commBytes: number }[]; recommended: string | null }

const CONFIGS = [
  { model: '7b', cluster: '8xmi300x', seq: 131072 },
  { model: '7b', cluster: '8xh100', seq: 32768 },
  { model: '7b-ffn4', cluster: '8xmi300x', seq: 65536, batch: 2, stateBytes: 18 },
];

test('home page links the planner and the sizing page, without console errors', { skip }, async () => {
  const { page, problems } = await open('#/', 'a[href^="#/planner"]');
  await page.click('main a[href^="#/planner"]');
  await page.waitForSelector('[data-testid="plan-row-tsp"]');
  assert.deepEqual(problems, []);
  await page.context().close();
});

for (const c of CONFIGS) {
  const args = ['--model', c.model, '--cluster', c.cluster, '--seq', String(c.seq), '--batch', String(c.batch ?? 1), '--state-bytes', String(c.stateBytes ?? 16)];
  test(`planner ${c.model} / ${c.cluster} / ${c.seq}: every plan row's bytes per device equal \`parallel plan --json\``, { skip }, async () => {
    const expected = cliJson(['parallel', 'plan', ...args, '--json']) as CliPlan;
    const query = `model=${c.model}&cluster=${c.cluster}&seq=${c.seq}${c.batch ? `&batch=${c.batch}` : ''}${c.stateBytes ? `&state-bytes=${c.stateBytes}` : ''}`;
    const { page, problems } = await open(`#/planner?${query}`, '[data-testid="memory-chart"] svg');
    const rows = await page.$$eval('[data-testid^="plan-row-"]', (els) => els.map((e) => ({
      kind: e.getAttribute('data-testid')!.slice('plan-row-'.length), layout: e.getAttribute('data-layout'),
      bytes: e.getAttribute('data-bytes-per-device'), comm: e.getAttribute('data-comm-bytes'),
    })));
    assert.deepEqual(rows, expected.plans.map((p) => ({ kind: p.kind, layout: p.layout, bytes: JSON.stringify(p.memory.total), comm: JSON.stringify(p.commBytes) })));
    assert.equal(await page.getAttribute('[data-testid="recommendation"]', 'data-layout'), expected.recommended ?? '');
    // Every layout kind of the CLI has its row(s), and the chart has one bar segment per (layout, non-zero part).
    assert.deepEqual([...new Set(rows.map((r) => r.kind))], ['tp', 'sp', 'ulysses', 'tpsp', 'tsp']);
    assert.deepEqual(problems, []);
    if (shots && c === CONFIGS[0]) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: `${shots}/planner.png`, fullPage: true });
    }
    await page.context().close();
  });
}

test('planner: an unknown preset and a bad sequence show the CLI\'s error text, not a blank page', { skip }, async () => {
  const { page, problems } = await open('#/planner?model=70b&cluster=8xmi300x', '[data-testid="error"]');
  assert.equal(await page.textContent('[data-testid="error"]'), '--model expected a preset (7b, 7b-ffn4), got "70b"');
  await page.goto(`${app.base}#/planner?model=7b&cluster=8xmi300x&seq=-3`);
  await page.waitForSelector('[data-testid="error"]:has-text("--seq")');
  assert.equal(await page.textContent('[data-testid="error"]'), '--seq expects a positive integer, got "-3"');
  assert.deepEqual(problems, []);
  await page.context().close();
});

interface CliSize { hardware: { name: string }; gemms: { efficiency: number; tflops: number; tiles: number; waves: number }[]; forward: { tflops: number; efficiency: number }; suggestions: { tunable: string; suggested: number }[] }

test('sizing zaya1 / all accelerators / seq 4096: every GEMM, the forward pass and the suggestions equal `size check --json`', { skip }, async () => {
  const expected = cliJson(['size', 'check', '--model', 'zaya1', '--hw', 'all', '--microbatch', '1', '--seq', '4096', '--tp', '1', '--json']) as CliSize[];
  const { page, problems } = await open('#/sizing?model=zaya1&hw=all&microbatch=1&seq=4096&tp=1', '[data-testid^="size-report-"]');
  assert.ok(expected.length >= 4);
  for (const r of expected) {
    const hw = r.hardware.name;
    const gemms = await page.$$eval(`[data-testid="gemm-row-${hw}"]`, (els) => els.map((e) => ({
      efficiency: e.getAttribute('data-efficiency'), tflops: e.getAttribute('data-tflops'), tiles: Number(e.getAttribute('data-tiles')), waves: Number(e.getAttribute('data-waves')),
    })));
    assert.deepEqual(gemms, r.gemms.map((g) => ({ efficiency: JSON.stringify(g.efficiency), tflops: JSON.stringify(g.tflops), tiles: g.tiles, waves: g.waves })), hw);
    const fwd = `[data-testid="size-forward-${hw}"]`;
    assert.equal(await page.getAttribute(fwd, 'data-tflops'), JSON.stringify(r.forward.tflops), hw);
    assert.equal(await page.getAttribute(fwd, 'data-efficiency'), JSON.stringify(r.forward.efficiency), hw);
    const sugg = await page.$$eval(`[data-testid="suggestion-${hw}"]`, (els) => els.map((e) => ({ tunable: e.getAttribute('data-tunable'), suggested: Number(e.getAttribute('data-suggested')) })));
    assert.deepEqual(sugg, r.suggestions.map((s) => ({ tunable: s.tunable, suggested: s.suggested })), hw);
  }
  assert.deepEqual(problems, []);
  if (shots) await page.screenshot({ path: `${shots}/sizing.png`, clip: { x: 0, y: 0, width: 1200, height: 900 } });
  await page.context().close();
});

test('tessera app sends the cross-origin-isolation headers, and the page is isolated', { skip }, async () => {
  const res = await fetch(app.base);
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.equal((await fetch(`${app.base}assets/../../package.json`)).status, 404);
  const { page, problems } = await open('#/', 'main a');
  assert.equal(await page.evaluate(() => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated), true);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('the home page\'s engine worker runs the wasm backend with threads, and its matmul equals the cpu reference', { skip }, async () => {
  const { page, problems } = await open('#/', '[data-testid="engine-check"][data-max-abs-diff]', 60_000);
  // `tessera app` serves the page cross-origin isolated, so the worker opens wasm with one thread per core.
  assert.match((await page.textContent('[data-testid="engine-backend"]'))!, /^wasm, \d+ threads? \(cross-origin isolated\)$/);
  const diff = Number(await page.getAttribute('[data-testid="engine-check"]', 'data-max-abs-diff'));
  assert.ok(Number.isFinite(diff) && diff < 1e-3, `wasm vs cpu reference matmul: largest difference ${diff}`);
  assert.deepEqual(problems, []);
  await page.context().close();
});
