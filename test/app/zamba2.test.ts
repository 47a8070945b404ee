// The Zamba2 page in a real browser: on the tiny checkpoint the app ships (build/app/models/zamba2-tiny, the
// directory the page fetches), the tokens it generates equal `tessera zamba2 generate --json`'s ids — greedy for
// two prompts, and sampled with a temperature, top-p and seed — and its cache figures equal `zamba2 params`'
// cache_values; a chosen folder that is not a Zamba2 checkpoint, or holds a truncated safetensors file, shows
// the CLI's error text on the same folder word for word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliJson, cliPath, repoRoot, screenshotDir as shots, skipBrowser as skip, useApp, type Page } from '../support/browser.js';

const app = useApp();
const TINY = `${repoRoot}build/app/models/zamba2-tiny`;

interface CliGenerate { prompt_ids: number[]; ids: number[]; text: string; stopped_by: string }

const RUNS = [
  { prompt: 'How are you?', maxNewTokens: 24 },
  { prompt: 'the cat is here', maxNewTokens: 16 },
  { prompt: 'How are you?', maxNewTokens: 20, temperature: 0.8, topP: 0.9, seed: 3 },
];

async function generatedTokens(page: Page): Promise<{ ids: number[]; promptIds: number[]; text: string }> {
  const el = '[data-testid="generated"][data-done="true"]';
  return {
    ids: JSON.parse((await page.getAttribute(el, 'data-tokens'))!) as number[],
    promptIds: JSON.parse((await page.getAttribute(el, 'data-prompt-ids'))!) as number[],
    text: (await page.textContent(el))!,
  };
}

for (const r of RUNS) {
  const sampled = r.temperature !== undefined;
  const options = sampled ? ['--temperature', String(r.temperature), '--top-p', String(r.topP), '--seed', String(r.seed)] : [];
  test(`zamba2 page, "${r.prompt}", ${r.maxNewTokens} tokens${sampled ? `, temperature ${r.temperature} top-p ${r.topP} seed ${r.seed}` : ' greedy'}: the tokens of \`zamba2 generate --json\``, { skip }, async () => {
    const expected = cliJson(['zamba2', 'generate', '--model', TINY, '--prompt', r.prompt, '--max-new-tokens', String(r.maxNewTokens), ...options, '--json']) as CliGenerate;
    const query = new URLSearchParams({ prompt: r.prompt, 'max-new-tokens': String(r.maxNewTokens), ...(sampled ? { temperature: String(r.temperature), 'top-p': String(r.topP), seed: String(r.seed) } : {}) });
    const { page, problems } = await app.open(`#/zamba2?${query}`, '[data-testid="generated"][data-done="true"]', 60_000);
    const got = await generatedTokens(page);
    assert.deepEqual(got.promptIds, expected.prompt_ids);
    assert.deepEqual(got.ids, expected.ids);
    assert.equal(got.text, expected.text);
    assert.equal(expected.ids.length, r.maxNewTokens, 'the tiny model did not stop early: every position is compared');
    assert.equal(await page.getAttribute('[data-testid="generated"]', 'data-streamed'), String(r.maxNewTokens), 'each token arrived as its own progress message');
    // The chart's figures: the same cache sizes as `zamba2 params`, and the model's own count equals the formula.
    await page.waitForSelector('[data-testid="cache-chart"] svg');
    const params = cliJson(['zamba2', 'params', '--model', TINY]) as { cache_values: { recurrentTotal: number; kvPerToken: number } };
    const chart = '[data-testid="cache-chart"]';
    assert.equal(Number(await page.getAttribute(chart, 'data-recurrent-values')), params.cache_values.recurrentTotal);
    assert.equal(Number(await page.getAttribute(chart, 'data-kv-values-per-token')), params.cache_values.kvPerToken);
    const last = Number(await page.getAttribute(chart, 'data-last-bytes'));
    assert.equal(last, 4 * (params.cache_values.recurrentTotal + (expected.prompt_ids.length + r.maxNewTokens - 1) * params.cache_values.kvPerToken));
    assert.equal(Number(await page.getAttribute(chart, 'data-measured-bytes')), last);
    assert.ok(Number(await page.getAttribute('[data-testid="speed"]', 'data-tokens-per-second')) > 0);
    assert.deepEqual(problems, []);
    if (shots && r === RUNS[0]) {
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: `${shots}/zamba2.png`, fullPage: true });
    }
    await page.context().close();
  });
}

/** The CLI's error text on `dir` (run from its parent, so it names the folder as the page does: by its name). */
function cliError(parent: string, name: string): string {
  const run = spawnSync(process.execPath, [cliPath, 'zamba2', 'generate', '--model', name, '--prompt', 'hi', '--json'], { cwd: parent, encoding: 'utf8' });
  assert.equal(run.status, 1, run.stdout);
  assert.match(run.stderr, /^tessera: /);
  return run.stderr.replace(/^tessera: /, '').replace(/\n$/, '');
}

test('zamba2 page: a chosen folder that is not a Zamba2 checkpoint, and one with a truncated safetensors file, show the CLI\'s error text', { skip }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'tessera-zamba2-page-'));
  try {
    const notZamba2 = join(parent, 'llama-dir');
    mkdirSync(notZamba2);
    writeFileSync(join(notZamba2, 'config.json'), JSON.stringify({ model_type: 'llama', hidden_size: 32, num_hidden_layers: 2 }));
    const truncated = join(parent, 'truncated-dir');
    cpSync(TINY, truncated, { recursive: true });
    truncateSync(join(truncated, 'model.safetensors'), Math.floor(statSync(join(truncated, 'model.safetensors')).size / 2));
    const { page, problems } = await app.open('#/zamba2?max-new-tokens=4', '[data-testid="generated"][data-done="true"]', 60_000);
    for (const [name, dir, pattern] of [['llama-dir', notZamba2, /model_type expected "zamba2", got "llama"/], ['truncated-dir', truncated, /unreadable file: .*truncated-dir\/model\.safetensors/]] as const) {
      const expected = cliError(parent, name);
      assert.match(expected, pattern);
      await page.setInputFiles('[data-testid="model-dir"]', dir);
      // The page re-renders with the chosen folder's name (so an earlier folder's error is gone), then fails.
      await page.waitForSelector(`[data-testid="model-name"]:text-is("${name}")`, { timeout: 30_000 });
      await page.waitForSelector('[data-testid="error"]', { timeout: 30_000 });
      assert.equal(await page.textContent('[data-testid="error"]'), expected, name);
    }
    // Back to the shipped checkpoint: it generates again.
    await page.click('#shipped');
    await page.waitForSelector('[data-testid="generated"][data-done="true"]', { timeout: 30_000 });
    assert.equal(JSON.parse((await page.getAttribute('[data-testid="generated"]', 'data-tokens'))!).length, 4);
    assert.deepEqual(problems, []);
    await page.context().close();
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('zamba2 page: a bad sampling option shows the CLI\'s error text for it', { skip }, async () => {
  const cli = spawnSync(process.execPath, [cliPath, 'zamba2', 'generate', '--model', TINY, '--prompt', 'hi', '--top-p', '2'], { encoding: 'utf8' });
  const { page, problems } = await app.open('#/zamba2?top-p=2', '[data-testid="error"]');
  const text = (await page.textContent('[data-testid="error"]'))!;
  assert.equal(text, '--top-p expects a number in (0, 1], got "2"');
  assert.ok(cli.stderr.includes(text), cli.stderr);
  assert.deepEqual(problems, []);
  await page.context().close();
});
