// The --quick smoke version of every reproduction runs and writes a complete report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_DIR } from '../../src/io/datasets.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('repro fashion-mnist-baselines --quick', { skip: !existsSync(FASHION_MNIST_DIR) && `needs ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`, timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-repro-'));
  try {
    const r = spawnSync(process.execPath, [cli, 'repro', 'fashion-mnist-baselines', '--quick', '--results', root], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const dir = join(root, 'fashion-mnist-baselines');
    const [runId] = readdirSync(dir).filter((d) => d !== 'trials');
    const result = JSON.parse(readFileSync(join(dir, runId!, 'result.json'), 'utf8'));
    // One epoch on 10k images: well above chance (10%), below the 10-epoch targets.
    assert.ok(result.metrics.mlp_test_accuracy > 0.75, `mlp ${result.metrics.mlp_test_accuracy}`);
    assert.ok(result.metrics.cnn_test_accuracy > 0.7, `cnn ${result.metrics.cnn_test_accuracy}`);
    assert.equal(result.references.length, 2);
    for (const ref of result.references) assert.ok(typeof ref.gap === 'number' && ref.source.length > 0);
    assert.match(readFileSync(join(dir, runId!, 'report.md'), 'utf8'), /gap/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('repro wide-sparse --quick: the best sparse-wide MLP beats the dense narrow one at 3,970 weights; `sweep run --workers 2` reports the same numbers', { skip: !existsSync(FASHION_MNIST_DIR) && `needs ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`, timeout: 400_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-repro-'));
  try {
    const r = spawnSync(process.execPath, [cli, 'repro', 'wide-sparse', '--quick', '--results', root], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const dir = join(root, 'wide-sparse');
    const [runId] = readdirSync(dir).filter((d) => d !== 'trials');
    const result = JSON.parse(readFileSync(join(dir, runId!, 'result.json'), 'utf8'));
    const m = result.metrics;
    assert.ok(m.mnist_relu_best_sparse_accuracy > m.mnist_relu_dense_width5_accuracy, `sparse-wide ${m.mnist_relu_best_sparse_accuracy} vs dense narrow ${m.mnist_relu_dense_width5_accuracy}`);
    assert.ok(m.mnist_relu_best_sparse_width > 5);
    assert.ok(result.references.some((ref: { metric: string; paper_value: number }) => ref.metric === 'mnist_relu_best_sparse_accuracy' && ref.paper_value === 0.963));
    assert.ok(Number.isInteger(m.kernel_width_min_distance) && Number.isInteger(m.kernel_width_best_accuracy));
    const report = readFileSync(join(dir, runId!, 'report.md'), 'utf8');
    assert.match(report, /kernel-distance\.svg/);
    assert.match(report, /linear bottleneck/);
    assert.match(readFileSync(join(dir, runId!, 'kernel-distance.svg'), 'utf8'), /^<svg/);
    // the same grid on two worker processes gives the same report (trials are deterministic)
    const sweepRoot = join(root, 'sweep');
    const s = spawnSync(process.execPath, [cli, 'sweep', 'run', 'wide-sparse', '--quick', '--workers', '2', '--results', sweepRoot], { encoding: 'utf8' });
    assert.equal(s.status, 0, s.stderr);
    const [sweepRun] = readdirSync(join(sweepRoot, 'wide-sparse')).filter((d) => d !== 'trials');
    const numbers = (file: string) => {
      const r = JSON.parse(readFileSync(file, 'utf8'));
      return { metrics: r.metrics, tables: r.tables, references: r.references, notes: r.notes.filter((n: string) => !n.startsWith('Sweep:')) };
    };
    assert.deepEqual(numbers(join(sweepRoot, 'wide-sparse', sweepRun!, 'result.json')), numbers(join(dir, runId!, 'result.json')));
    assert.equal(readdirSync(join(sweepRoot, 'wide-sparse', 'trials')).filter((f) => /^[0-9a-f]{16}\.json$/.test(f)).length, result.config.trials);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('repro srigl --quick: accuracy table, per-layer constant fan-in, condensed inference equal to dense', { skip: !existsSync(FASHION_MNIST_DIR) && `needs ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`, timeout: 400_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-repro-'));
  try {
    const r = spawnSync(process.execPath, [cli, 'repro', 'srigl', '--quick', '--results', root], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const dir = join(root, 'srigl');
    const [runId] = readdirSync(dir).filter((d) => d !== 'trials');
    const result = JSON.parse(readFileSync(join(dir, runId!, 'result.json'), 'utf8'));
    const m = result.metrics;
    for (const method of ['static', 'rigl', 'srigl', 'srigl-ablation']) assert.ok(m[`mlp_${method}_90_accuracy`] > 0.6, `${method}: ${m[`mlp_${method}_90_accuracy`]}`);
    const timing = result.tables.find((t: { title: string }) => t.title.startsWith('Condensed batch-1'));
    assert.equal(timing.rows.length, 4);
    for (const row of timing.rows) assert.ok(row[6] < 1e-5, `condensed vs dense max |difference| ${row[6]}`);
    const stats = result.tables.find((t: { title: string }) => t.title.startsWith('Per-layer sparsity'));
    assert.ok(stats.rows.some((row: (string | number)[]) => row[3] === '0.weight' && row[5] === 62), 'SRigL 90%: first layer constant fan-in 62');
    assert.match(readFileSync(join(dir, runId!, 'accuracy-vs-sparsity.svg'), 'utf8'), /^<svg/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
