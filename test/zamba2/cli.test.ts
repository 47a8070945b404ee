// `tessera zamba2 …` end to end on a make-tiny checkpoint: the logits output contract (full forward and
// --step agree), greedy generation is deterministic and streams, sampling is seeded, corrupted checkpoints
// fail without printing logits, params prints the note's counts, and bench zamba2 --quick (tiny) keeps its
// JSON contract with the cache equal to the formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 180_000 });
const root = mkdtempSync(join(tmpdir(), 'tessera-zamba2-cli-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const model = join(root, 'tiny');

test('make-tiny, then logits --json (full and --step agree to 1e-4) on both backends', () => {
  const made = run('zamba2', 'make-tiny', '--out', model, '--seed', '2');
  assert.equal(made.status, 0, made.stderr);
  assert.match(made.stderr, /wrote a tiny Zamba2 checkpoint/);
  const full = run('zamba2', 'logits', '--model', model, '--ids', '1,40,41,300,7', '--json', '--backend', 'cpu');
  assert.equal(full.status, 0, full.stderr);
  const a = JSON.parse(full.stdout).logits as number[];
  const step = JSON.parse(run('zamba2', 'logits', '--model', model, '--ids', '1,40,41,300,7', '--json', '--step', '--backend', 'cpu').stdout).logits as number[];
  const wasm = JSON.parse(run('zamba2', 'logits', '--model', model, '--ids', '1,40,41,300,7', '--json').stdout).logits as number[];
  assert.ok(a.length > 300 && a.every(Number.isFinite));
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - step[i]!) <= 1e-4 * (1 + Math.abs(a[i]!)), `--step logit ${i}`);
    assert.ok(Math.abs(a[i]! - wasm[i]!) <= 1e-3 * (1 + Math.abs(a[i]!)), `wasm logit ${i}`);
  }
  const bad = run('zamba2', 'logits', '--model', model, '--ids', '1,x');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--ids expects comma-separated non-negative integer token ids, got "x"/);
  const range = run('zamba2', 'logits', '--model', model, '--ids', '1,99999', '--json');
  assert.notEqual(range.status, 0);
  assert.match(range.stderr, /token id at position 1 expected an integer in \[0, \d+\), got 99999/);
});

test('generate: the JSON ids match the streamed text; <s> is prepended; sampling depends on the seed; --stop ends it', () => {
  const args = ['zamba2', 'generate', '--model', model, '--prompt', 'Hey how are you', '--max-new-tokens', '12', '--backend', 'cpu'];
  const g1 = run(...args, '--json'), streamed = run(...args);
  assert.equal(g1.status, 0, g1.stderr);
  const j1 = JSON.parse(g1.stdout);
  assert.equal(j1.prompt_ids[0], 1, '<s> prepended');
  assert.ok(j1.ids.length >= 1 && j1.ids.length <= 12);
  assert.equal(streamed.stdout, `${j1.text}\n`);
  const s = (seed: string) => JSON.parse(run(...args, '--json', '--temperature', '1.5', '--top-k', '50', '--top-p', '0.95', '--seed', seed).stdout).ids.join(',');
  const s1 = s('1');
  assert.ok(s1.length > 0);
  assert.notEqual(s1, s('2'), 'different seeds give different samples (same-seed determinism: generate.test.ts)');
  const stop = JSON.parse(run(...args, '--json', '--stop', String(j1.ids[0])).stdout);
  assert.deepEqual(stop.ids, [j1.ids[0]]);
  assert.equal(stop.stopped_by, 'stop-token');
});

test('a truncated checkpoint fails before computing: an error on stderr, nothing on stdout', () => {
  const broken = join(root, 'broken');
  assert.equal(run('zamba2', 'make-tiny', '--out', broken).status, 0);
  const file = join(broken, 'model.safetensors');
  truncateSync(file, statSync(file).size - 1);
  const r = run('zamba2', 'logits', '--model', broken, '--ids', '1,2', '--json');
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /does not match its config\.json[\s\S]*unreadable file/);
});

test('params --preset prints the parameter counts from the config', () => {
  const r = run('zamba2', 'params', '--preset', '2.7B');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).parameters.total, 2_662_214_560);
});

test('bench zamba2 --quick --shapes tiny: JSON contract, cache equals the formula, KV only at the attention invocations', () => {
  const r = run('bench', 'zamba2', '--json', '--quick', '--shapes', 'tiny', '--max-context', '512', '--backend', 'cpu', '--no-torch');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.meta.contexts, [128, 512]);
  assert.ok(j.read_gbps > 0);
  const keys = ['shape', 'model', 'dtype', 'context', 'decode_ms', 'bound_ms', 'prefill_tok_s', 'peak_rss_bytes', 'cache_bytes'];
  assert.equal(j.rows.length, 2 * 2 * 2, 'zamba2 and attention-only, bf16 and f32, two contexts');
  for (const row of j.rows) {
    for (const k of keys) assert.ok(k in row, k);
    assert.ok(row.decode_ms > 0 && row.bound_ms > 0 && row.prefill_tok_s > 0 && row.peak_rss_bytes > 0);
  }
  const rowOf = (model: string, dtype: string, context: number) => j.rows.find((x: { model: string; dtype: string; context: number }) => x.model === model && x.dtype === dtype && x.context === context);
  for (const dtype of ['bf16', 'f32']) {
    const [a, b] = [rowOf('zamba2', dtype, 128), rowOf('zamba2', dtype, 512)];
    assert.equal(a.cache_bytes, a.cache_bytes_formula);
    assert.equal(b.cache_bytes, b.cache_bytes_formula);
    // KV bytes per token = 4 bytes · 2 · hybrid invocations · heads · head_dim = 4·2·3·4·16
    assert.equal((b.cache_bytes - a.cache_bytes) / 384, 4 * 2 * 3 * 4 * 16);
    assert.equal(b.read_bytes - a.read_bytes, b.cache_bytes - a.cache_bytes, 'only the cache grows with the context');
  }
  assert.ok(rowOf('zamba2', 'bf16', 128).read_bytes < rowOf('zamba2', 'f32', 128).read_bytes, 'bf16 matrices read fewer bytes');
  // One real generate per dtype: its peak RSS beside the weights and the cache it ends with (prompt + new − 1 tokens).
  assert.deepEqual(j.generate.map((g: { dtype: string }) => g.dtype), ['bf16', 'f32']);
  for (const g of j.generate) {
    assert.equal(g.new_tokens, 32);
    assert.ok(g.tok_s > 0 && g.peak_rss_bytes > g.weight_bytes && g.cache_bytes > 0);
    assert.equal(g.peak_rss_over_weights_and_cache, g.peak_rss_bytes / (g.weight_bytes + g.cache_bytes));
    assert.equal(g.weight_bytes, rowOf('zamba2', g.dtype, 128).weight_bytes);
  }
});
