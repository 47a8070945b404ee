// The command line: help, option errors, the engine bench's JSON contract, train → eval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 180_000 });

test('--help everywhere; unknown options and bad values are errors', () => {
  for (const args of [['--help'], ['train', '--help'], ['eval', '--help'], ['bench', 'engine', '--help'], ['repro', '--help'], ['demo', '--help']]) {
    const r = run(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /Usage: tessera/);
  }
  const unknown = run('train', '--epochs', '2', '--bogus');
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /unknown option '--bogus'/);
  const bad = run('train', '--epochs', 'zero');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--epochs expects a positive integer, got "zero"/);
  const choice = run('train', '--model', 'resnet');
  assert.match(choice.stderr, /Allowed choices are mlp, cnn/);
  const resume = run('train', '--resume');
  assert.match(resume.stderr, /--resume needs --run-id/);
});

test('bench engine --json --quick prints one JSON object with the documented keys', () => {
  const r = run('bench', 'engine', '--json', '--quick');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one line of JSON on stdout');
  const j = JSON.parse(lines[0]!);
  for (const k of ['tessera_wasm_1t', 'tessera_wasm_all', 'tessera_cpu', 'tfjs_wasm', 'tfjs_cpu']) assert.ok(j.gemm1024_gflops[k] > 0, `gemm1024_gflops.${k}`);
  for (const k of ['tessera_wasm_all', 'tfjs_wasm']) assert.ok(j.gemv4096_ms[k] > 0, `gemv4096_ms.${k}`);
  for (const k of ['tessera', 'tfjs_wasm']) assert.ok(j.mlp_step_ms[k] > 0, `mlp_step_ms.${k}`);
  assert.ok(Number.isInteger(j.threads) && j.threads >= 1);
  // Native: numbers when the addon loaded, else null, and a reason either way.
  assert.equal(typeof j.backend_available.native, 'boolean');
  assert.equal(typeof j.backend_reason, 'string');
  assert.ok(j.backend_reason.length > 0);
  const nativeKeys: [string, string][] = [['gemm1024_gflops', 'tessera_native_1t'], ['gemm1024_gflops', 'tessera_native_all'], ['mlp_step_ms', 'tessera_native'], ['cnn_step_ms', 'tessera_native']];
  for (const [g, k] of nativeKeys) {
    if (j.backend_available.native) assert.ok(j[g][k] > 0, `${g}.${k}`);
    else assert.equal(j[g][k], null, `${g}.${k} without native`);
  }
  assert.ok(j.cnn_step_ms.tessera_wasm > 0, 'cnn_step_ms.tessera_wasm');
  // Torch: numbers with its BLAS described, or null with a note saying why.
  const torchKeys: [string, string][] = [['gemm1024_gflops', 'torch_1t'], ['gemm1024_gflops', 'torch_all'], ['mlp_step_ms', 'torch'], ['cnn_step_ms', 'torch']];
  if (j.torch === null) {
    for (const [g, k] of torchKeys) assert.equal(j[g][k], null, `${g}.${k} without torch`);
    assert.ok(j.notes.some((n: string) => /torch/.test(n)), 'a note says why torch is missing');
  } else {
    for (const [g, k] of torchKeys) assert.ok(j[g][k] > 0, `${g}.${k}`);
    assert.equal(typeof j.torch.blas, 'string');
    assert.equal(typeof j.torch.blas_fast, 'boolean');
    if (!j.torch.blas_fast) assert.ok(j.notes.some((n: string) => /BLAS is slow/.test(n)), 'a slow torch BLAS is reported');
  }
  assert.ok(j.limits.peak_gflops_per_core > 0 && j.limits.read_gbps > 0);
  assert.equal(typeof j.limits.frequency_source, 'string');
  assert.ok(j.limits.read.bytes >= 256 * 2 ** 20, 'the read bandwidth pass covers at least 256 MiB');
  for (const k of ['gemm_native_all_over_torch_all', 'gemm_native_all_over_wasm_all', 'mlp_native_over_torch', 'cnn_native_over_torch']) {
    assert.ok(j.ratios[k] === null || j.ratios[k] > 0, `ratios.${k}`);
  }
  for (const k of ['gemm_native_all_at_least_0_9x_torch_all', 'gemm_native_all_at_least_2x_wasm_all', 'mlp_native_at_most_1_25x_torch', 'cnn_native_at_most_1_5x_torch']) {
    assert.ok(j.targets[k] === null || typeof j.targets[k] === 'boolean', `targets.${k}`);
  }
  if (j.backend_available.native) assert.ok(j.ratios.gemm_native_all_over_wasm_all > 0);
});

test('bench engine --no-peers reports null peers and says why', () => {
  const r = run('bench', 'engine', '--json', '--quick', '--no-peers');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const k of ['tfjs_wasm', 'tfjs_cpu', 'torch_1t', 'torch_all']) assert.equal(j.gemm1024_gflops[k], null, `gemm1024_gflops.${k}`);
  assert.equal(j.mlp_step_ms.torch, null);
  assert.equal(j.torch, null);
  assert.ok(j.notes.some((n: string) => /--no-peers/.test(n)));
  assert.equal(j.ratios.mlp_native_over_torch, null);
  assert.equal(j.targets.cnn_native_at_most_1_5x_torch, null);
});

test('train writes a report and a checkpoint that eval reads back', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  try {
    const t = run('train', '--dataset', 'mnist', '--train-limit', '1000', '--test-limit', '300', '--epochs', '2', '--batch-size', '32', '--results', root, '--run-id', 'r1');
    assert.equal(t.status, 0, t.stderr);
    const dir = join(root, 'train-mlp-mnist', 'r1');
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    assert.ok(result.metrics.test_accuracy > 0.6, `test accuracy ${result.metrics.test_accuracy}`);
    assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /!\[Train and test accuracy per epoch\]\(learning-curve\.svg\)/);
    assert.match(readFileSync(join(dir, 'learning-curve.svg'), 'utf8'), /^<svg/);
    const ck = readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.safetensors')).sort().at(-1)!;
    const e = run('eval', '--checkpoint', join(dir, 'checkpoints', ck), '--json', '--test-limit', '300');
    assert.equal(e.status, 0, e.stderr);
    const m = JSON.parse(e.stdout);
    assert.ok(Math.abs(m.accuracy - result.metrics.test_accuracy) < 1e-12, `eval ${m.accuracy} vs train ${result.metrics.test_accuracy}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
