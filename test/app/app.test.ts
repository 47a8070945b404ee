// The web app in a real browser: `tessera app` serves build/app, playwright-core drives Debian's Chromium
// (headless; every request that is not to the app's 127.0.0.1 origin is aborted and fails the test). Each page
// loads without console errors; the planner's rows and the sizing page's numbers equal the CLI's --json output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliJson, cliPath, screenshotDir as shots, skipBrowser as skip, useApp } from '../support/browser.js';

const app = useApp();
const open = app.open;

interface CliPlan { plans: { kind: string; layout: string; memory: { total: number } & Record<string, number>; commBytes: number; problem: string | null; feasible: boolean }[]; recommended: string | null }

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
      bytes: e.getAttribute('data-bytes-per-device'), comm: e.getAttribute('data-comm-bytes'), memory: JSON.parse(e.getAttribute('data-memory')!) as unknown,
    })));
    // Every memory part (weights, gradients, optimizer, checkpoints, working set, buffers, overhead) as the CLI's JSON.
    assert.deepEqual(rows, expected.plans.map((p) => ({ kind: p.kind, layout: p.layout, bytes: JSON.stringify(p.memory.total), comm: JSON.stringify(p.commBytes), memory: p.memory })));
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

// A Llama-style Hugging Face config.json (grouped-query attention, SwiGLU width from the file).
const LLAMA_CONFIG = { model_type: 'llama', hidden_size: 2048, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 8192, vocab_size: 128256 };

/** A config.json in a fresh directory, for the CLI's side of a comparison. */
function configFile(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-planner-'));
  writeFileSync(join(dir, 'config.json'), text);
  return { dir, file: join(dir, 'config.json') };
}

test('planner: a pasted Hugging Face config.json gives the rows of `parallel plan --model config.json --json`', { skip }, async () => {
  const text = JSON.stringify(LLAMA_CONFIG, null, 2);
  const { file } = configFile(text);
  const expected = cliJson(['parallel', 'plan', '--model', file, '--cluster', '8xh100', '--seq', '32768', '--json']) as CliPlan;
  // Typed into the page: choose "config", paste, leave the box.
  const { page, problems } = await open('#/planner?model=7b&cluster=8xh100&seq=32768', '[data-testid="plan-row-tsp"]');
  await page.selectOption('select[name="model"]', 'config');
  await page.waitForSelector('[data-testid="config-json"]');
  await page.fill('[data-testid="config-json"]', text);
  await page.locator('[data-testid="config-json"]').blur();
  await page.waitForSelector('[data-testid="memory-chart"] svg');
  const rows = await page.$$eval('[data-testid^="plan-row-"]', (els) => els.map((e) => ({ layout: e.getAttribute('data-layout'), bytes: e.getAttribute('data-bytes-per-device') })));
  assert.deepEqual(rows, expected.plans.map((p) => ({ layout: p.layout, bytes: JSON.stringify(p.memory.total) })));
  assert.equal(await page.getAttribute('[data-testid="recommendation"]', 'data-layout'), expected.recommended ?? '');
  // The view is shareable: the pasted text is in the URL, and the URL alone gives the same rows.
  const url = page.url();
  assert.match(url, /model=config&.*config=/);
  await page.goto(`${app.base}#/`);
  await page.goto(url);
  await page.waitForSelector('[data-testid="memory-chart"] svg');
  assert.deepEqual(await page.$$eval('[data-testid^="plan-row-"]', (els) => els.map((e) => e.getAttribute('data-bytes-per-device'))), rows.map((r) => r.bytes));
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('planner: a model no layout can cut evenly marks those layouts impossible with the runtime\'s reason, as `parallel plan --json`', { skip }, async () => {
  // 3 heads: no tensor or head split over 2, 4 or 8 devices; sequences of 1000 tokens: no 16-chunk zigzag.
  const text = JSON.stringify({ hidden: 96, heads: 3, layers: 2, ffn: 384, vocab: 1000 });
  const { file } = configFile(text);
  const expected = cliJson(['parallel', 'plan', '--model', file, '--cluster', '8xmi300x', '--seq', '1000', '--json']) as CliPlan;
  const { page, problems } = await open(`#/planner?model=config&cluster=8xmi300x&seq=1000&config=${encodeURIComponent(text)}`, '[data-testid="plan-row-tsp"]');
  const rows = await page.$$eval('[data-testid^="plan-row-"]', (els) => els.map((e) => e.getAttribute('data-problem')));
  assert.deepEqual(rows, expected.plans.map((p) => p.problem ?? ''));
  assert.ok(expected.plans.filter((p) => p.problem !== null).length >= 5 && expected.plans.every((p) => p.problem === null || !p.feasible));
  assert.equal(await page.getAttribute('[data-testid="recommendation"]', 'data-layout'), expected.recommended ?? '');
  assert.equal(await page.textContent('[data-testid="plan-row-tsp"] [data-testid="problem"]'), expected.plans.find((p) => p.kind === 'tsp')!.problem);
  assert.deepEqual(problems, []);
  await page.context().close();
});

/** The CLI's error text for `--model <config.json holding text>`, with the file named as the page names it. */
function cliModelError(text: string): string {
  const { dir, file } = configFile(text);
  try {
    execFileSync(process.execPath, [cliPath, 'parallel', 'plan', '--model', file, '--cluster', '8xmi300x'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    const line = String((e as { stderr: string }).stderr).split('\n')[0]!;
    return line.replace(/^tessera: /, '').replaceAll(file, 'config.json').replaceAll(dir, '');
  }
  throw new Error('parallel plan accepted a bad config.json');
}

for (const [what, text] of [
  ['truncated JSON', '{"model_type": "llama", "hidden_size": 2048,'],
  ['a Hugging Face config without heads', '{"model_type": "llama", "hidden_size": 2048, "num_hidden_layers": 16, "vocab_size": 32000}'],
  ['tessera keys without layers', '{"hidden": 1024, "heads": 16, "ffn": 4096, "vocab": 32000}'],
] as const) {
  test(`planner: a pasted config.json with ${what} shows the CLI's error text and keeps the box`, { skip }, async () => {
    const expected = cliModelError(text);
    const { page, problems } = await open(`#/planner?model=config&cluster=8xmi300x&seq=65536&config=${encodeURIComponent(text)}`, '[data-testid="error"]');
    assert.equal(await page.textContent('[data-testid="error"]'), expected);
    assert.equal(await page.inputValue('[data-testid="config-json"]'), text);
    // The other inputs survive an edit of the box.
    await page.fill('[data-testid="config-json"]', JSON.stringify(LLAMA_CONFIG));
    await page.locator('[data-testid="config-json"]').blur();
    await page.waitForSelector('[data-testid="plan-row-tsp"]');
    assert.match(page.url(), /cluster=8xmi300x&seq=65536/);
    assert.deepEqual(problems, []);
    await page.context().close();
  });
}

test('planner: an unknown preset and a bad sequence show the CLI\'s error text, not a blank page', { skip }, async () => {
  const { page, problems } = await open('#/planner?model=70b&cluster=8xmi300x', '[data-testid="error"]');
  assert.equal(await page.textContent('[data-testid="error"]'), '--model expected a preset (7b, 7b-ffn4) or "config" (a pasted config.json), got "70b"');
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

test('sizing: an unknown model, an unknown accelerator and a bad sequence show the CLI\'s error text, not a blank page', { skip }, async () => {
  /** The CLI's message for `size check ARGS` (its stderr line without the "tessera: " prefix). */
  const cliError = (args: string[]): string => {
    try {
      execFileSync(process.execPath, [cliPath, 'size', 'check', ...args], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      return String((e as { stderr: string }).stderr).split('\n')[0]!.replace(/^tessera: /, '');
    }
    throw new Error(`size check ${args.join(' ')} succeeded`);
  };
  const { page, problems } = await open('#/sizing?model=nope', '[data-testid="error"]');
  assert.equal(await page.textContent('[data-testid="error"]'), cliError(['--model', 'nope']));
  await page.goto(`${app.base}#/sizing?model=zaya1&hw=tpu`);
  await page.waitForSelector('[data-testid="error"]:has-text("--hw")');
  assert.equal(await page.textContent('[data-testid="error"]'), cliError(['--model', 'zaya1', '--hw', 'tpu']));
  await page.goto(`${app.base}#/sizing?model=zaya1&seq=0`);
  await page.waitForSelector('[data-testid="error"]:has-text("--seq")');
  // commander wraps an option's message: "error: option '--seq <n>' argument '0' is invalid. <message>"
  assert.equal(await page.textContent('[data-testid="error"]'), cliError(['--model', 'zaya1', '--seq', '0']).replace(/^error: option .* is invalid\. /, ''));
  assert.deepEqual(problems, []);
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
