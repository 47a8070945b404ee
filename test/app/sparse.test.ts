// The sparse inference page in a real browser: the shipped condensed SRigL MLP classifies test digits in the
// engine worker (wasm) exactly as `tessera sparse predict --json` does, each layer is timed condensed vs dense
// with equal outputs, a drawn digit is classified, and bad model files or URL inputs show the CLI's error text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliJson, cliPath, repoRoot, screenshotDir as shots, skipBrowser as skip, useApp, type Page } from '../support/browser.js';
import { serializeSafetensors } from '../../src/io/index.js';
import { ones } from '../../src/tensor/index.js';

const app = useApp();
const MODEL = `${repoRoot}app/public/models/mnist-srigl90.condensed.safetensors`;

interface CliPredictions { dataset: string; predictions: { index: number; label: number; class: number; logits: number[] }[] }

const prediction = (page: Page, testid: string) => page.$eval(`[data-testid="${testid}"]`, (e) => ({
  index: e.getAttribute('data-index'), label: e.getAttribute('data-label'), class: e.getAttribute('data-class'), logits: JSON.parse(e.getAttribute('data-logits') ?? 'null') as number[] | null,
}));

test('sparse page: test digits 0–9 get the classes and logits (within 1e-4) of `sparse predict --json`', { skip }, async () => {
  const expected = cliJson(['sparse', 'predict', '--model', MODEL, '--indices', '0-9', '--json']) as CliPredictions;
  assert.equal(expected.dataset, 'mnist');
  const { page, problems } = await app.open('#/sparse?digit=0', '[data-testid="digit-prediction"][data-index="0"][data-class]', 30_000);
  for (const want of expected.predictions) {
    if (want.index > 0) {
      await page.goto(`${app.base}#/sparse?digit=${want.index}`);
      await page.waitForSelector(`[data-testid="digit-prediction"][data-index="${want.index}"][data-class]`);
    }
    const got = await prediction(page, 'digit-prediction');
    assert.equal(got.label, String(want.label), `digit ${want.index}: the shipped digit is the CLI's test example`);
    assert.equal(got.class, String(want.class), `digit ${want.index}`);
    assert.equal(got.logits!.length, want.logits.length);
    const diff = Math.max(...got.logits!.map((v, k) => Math.abs(v - want.logits[k]!)));
    assert.ok(diff < 1e-4, `digit ${want.index}: max |Δlogit| ${diff}`);
  }
  assert.match((await page.textContent('[data-testid="sparse-backend"]'))!, /^wasm, \d+ threads? \(cross-origin isolated\)$/);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('sparse page: every layer is timed condensed vs dense, with equal outputs, as the file\'s layers (`sparse inspect --json`)', { skip }, async () => {
  const inspect = cliJson(['sparse', 'inspect', MODEL, '--json']) as { layers: { in_features: number; out_features: number; n_active: number; fan_in: number }[] };
  const { page, problems } = await app.open('#/sparse?digit=7&reps=5', '[data-testid="timing"]', 60_000);
  const rows = await page.$$eval('[data-testid="timing-row"]', (els) => els.map((e) => ({
    layer: Number(e.getAttribute('data-layer')), condensed: Number(e.getAttribute('data-condensed-ms')), dense: Number(e.getAttribute('data-dense-ms')), diff: Number(e.getAttribute('data-max-abs-diff')),
    shape: e.children[1]!.textContent, fanIn: Number(e.children[2]!.textContent),
  })));
  assert.deepEqual(rows.map((r) => [r.layer, r.shape, r.fanIn]), inspect.layers.map((l, i) => [i, `${l.in_features} → ${l.n_active}/${l.out_features}`, l.fan_in]));
  for (const r of rows) {
    assert.ok(r.condensed > 0 && r.dense > 0 && Number.isFinite(r.condensed) && Number.isFinite(r.dense), `layer ${r.layer}: ${r.condensed} / ${r.dense} ms`);
    assert.ok(r.diff < 1e-4, `layer ${r.layer}: condensed vs dense max |Δ| ${r.diff}`);
  }
  const whole = await page.$eval('[data-testid="timing-model"]', (e) => [Number(e.getAttribute('data-condensed-ms')), Number(e.getAttribute('data-dense-ms'))]);
  assert.ok(whole.every((v) => v > 0 && Number.isFinite(v)), `whole network ${whole}`);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('sparse page: a drawn vertical stroke is MNIST-centred and classified as 1, a drawn ring as 0', { skip }, async () => {
  const { page, problems } = await app.open('#/sparse', '[data-testid="digit-prediction"][data-class]', 30_000);
  const box = (await page.locator('[data-testid="draw"]').boundingBox())!;
  const stroke = async (points: [number, number][]): Promise<void> => {
    await page.mouse.move(box.x + points[0]![0], box.y + points[0]![1]);
    await page.mouse.down();
    for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
    await page.mouse.up();
  };
  const drawn = async (): Promise<string | null> => {
    await page.waitForSelector('[data-testid="drawing-prediction"][data-class]');
    return (await prediction(page, 'drawing-prediction')).class;
  };
  await stroke([[60, 40], [62, 240]]); // off-centre on purpose: centring moves it to the middle
  assert.equal(await drawn(), '1');
  await page.click('[data-testid="clear"]');
  assert.equal(await page.getAttribute('[data-testid="drawing-prediction"]', 'data-class'), null);
  await stroke(Array.from({ length: 41 }, (_, k): [number, number] => [140 + 60 * Math.sin((2 * Math.PI * k) / 40), 140 - 90 * Math.cos((2 * Math.PI * k) / 40)]));
  assert.equal(await drawn(), '0');
  assert.deepEqual(problems, []);
  await page.context().close();
});

/** The message `tessera sparse predict --model NAME` prints for a file NAME in `dir` (stderr without "tessera: "). */
function cliError(dir: string, name: string): string {
  const r = spawnSync(process.execPath, [cliPath, 'sparse', 'predict', '--model', name, '--indices', '0'], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(r.status, 0, `sparse predict accepted ${name}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith('tessera: ') && !l.startsWith('tessera: backend'))!;
  return line.slice('tessera: '.length);
}

test('sparse page: a truncated and a non-condensed model file show the CLI\'s error text, and the shipped model keeps working', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-app-sparse-'));
  try {
    const good = readFileSync(MODEL);
    writeFileSync(join(dir, 'truncated.safetensors'), good.subarray(0, good.length - 1000));
    writeFileSync(join(dir, 'plain.safetensors'), serializeSafetensors({ weight: ones([4, 3]) }));
    const { page, problems } = await app.open('#/sparse?digit=4', '[data-testid="digit-prediction"][data-class]', 30_000);
    for (const name of ['truncated.safetensors', 'plain.safetensors']) {
      const want = cliError(dir, name);
      await page.setInputFiles('[data-testid="model-file"]', join(dir, name));
      await page.waitForSelector(`[data-testid="error"]:has-text("${name}")`);
      assert.equal(await page.textContent('[data-testid="error"]'), want);
    }
    assert.match((await page.textContent('[data-testid="error"]'))!, /metadata "tessera\.condensed" expected .*not a condensed file\?/);
    // The shipped model is still the one loaded: the next digit is classified by it.
    await page.click('button[data-step="1"]');
    await page.waitForSelector('[data-testid="digit-prediction"][data-index="5"][data-class]');
    assert.equal(await page.getAttribute('[data-testid="model-summary"]', 'data-name'), 'mnist-srigl90.condensed.safetensors');
    assert.deepEqual(problems, []);
    if (shots) {
      mkdirSync(shots, { recursive: true });
      await page.goto(`${app.base}#/sparse?digit=3`);
      await page.waitForSelector('[data-testid="digit-prediction"][data-index="3"][data-class]');
      await page.waitForSelector('[data-testid="timing"]');
      const box = (await page.locator('[data-testid="draw"]').boundingBox())!;
      await page.mouse.move(box.x + 80, box.y + 60);
      await page.mouse.down();
      for (const [x, y] of [[200, 60], [120, 240]] as const) await page.mouse.move(box.x + x, box.y + y, { steps: 8 });
      await page.mouse.up();
      await page.waitForSelector('[data-testid="drawing-prediction"][data-class]');
      await page.screenshot({ path: `${shots}/sparse.png`, fullPage: true });
    }
    await page.context().close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sparse page: a test digit outside the shipped 100 and a bad --reps show their error text, not a blank page', { skip }, async () => {
  const { page, problems } = await app.open('#/sparse?digit=100', '[data-testid="error"]', 30_000);
  assert.equal(await page.textContent('[data-testid="error"]'), 'digit expects a test digit in [0, 100) (the digits shipped with the page), got 100');
  await page.goto(`${app.base}#/sparse?digit=2&reps=0`);
  await page.waitForSelector('[data-testid="error"]:has-text("--reps")');
  assert.equal(await page.textContent('[data-testid="error"]'), '--reps expects a positive integer, got "0"');
  assert.deepEqual(problems, []);
  await page.context().close();
});
