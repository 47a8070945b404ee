// `tessera size check` / `size suggest` through the binary: every GEMM of ZAYA1 and Zamba2-2.7B on every
// catalog GPU, config.json input, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

test('size check --hw all on the ZAYA1 and Zamba2-2.7B presets: four reports, each GEMM with its efficiency and bound', () => {
  for (const model of ['zaya1', 'zamba2-2.7b']) {
    const r = run('size', 'check', '--model', model, '--json');
    assert.equal(r.status, 0, r.stderr);
    const reports = JSON.parse(r.stdout) as { hardware: { name: string }; gemms: { efficiency: number; waveEfficiency: number; gemm: { name: string } }[] }[];
    assert.deepEqual(reports.map((x) => x.hardware.name).sort(), ['a100', 'h100', 'h200', 'mi300x']);
    for (const rep of reports) for (const g of rep.gemms) assert.ok(g.efficiency > 0 && g.efficiency <= 1, g.gemm.name);
    const text = run('size', 'check', '--model', model, '--hw', 'mi300x,a100');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /AMD Instinct MI300X \(304 CUs/);
    assert.match(text.stdout, /NVIDIA A100 SXM4 80GB \(108 SMs/);
    assert.match(text.stdout, /LM head \(tied embedding\)/);
    assert.match(text.stdout, /nearest efficient dimensions:/);
  }
});

test('size check reads a Hugging Face config.json and proposes the nearest efficient dims; size suggest; errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-size-'));
  try {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, num_hidden_layers: 32, intermediate_size: 10922, vocab_size: 50257 }));
    const r = run('size', 'check', '--model', file, '--hw', 'h100');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /FAIL vocab divisible by 64/);
    assert.match(r.stdout, /vocab 50257 → 50304: predicted \+/);
    assert.match(r.stdout, /ffn 10922 → \d+: predicted \+/);
    const s = run('size', 'suggest', '--params', '1e9', '--hw', 'h100', '--json');
    assert.equal(s.status, 0, s.stderr);
    assert.ok((JSON.parse(s.stdout) as { proposals: unknown[] }[])[0]!.proposals.length >= 3);
    writeFileSync(file, '{ not json');
    assert.match(run('size', 'check', '--model', file).stderr, /config\.json: expected JSON, got a parse error/);
    assert.match(run('size', 'check', '--model', 'gpt9').stderr, /presets zaya1, zamba2-2\.7b/);
    assert.match(run('size', 'suggest', '--params', 'lots').stderr, /--params expects a positive number/);
    assert.match(run('size', 'check', '--model', join(dir, 'missing.json')).stderr, /missing\.json expected to exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('size bench --quick --json: GEMM sweep points, STREAM rates and a fitted tile', () => {
  const r = run('size', 'bench', '--quick', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { gemm: { gflops: number }[]; stream: Record<string, number>; fit: { best: { tile: number[]; meanAbsError: number }; candidates: number } };
  assert.equal(j.gemm.length, 12);
  for (const p of j.gemm) assert.ok(p.gflops > 0);
  for (const k of ['copy', 'scale', 'add', 'triad']) assert.ok(j.stream[k]! > 0, k);
  assert.equal(j.fit.candidates, 25);
  assert.ok(Number.isFinite(j.fit.best.meanAbsError) && j.fit.best.tile.length === 2);
});
