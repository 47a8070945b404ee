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
    const [runId] = readdirSync(dir);
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
