// `repro zaya1-tiny --quick`, in process: the counts, both training runs and the report pieces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zaya1Tiny } from '../../src/experiments/zaya1Tiny.js';

test('repro zaya1-tiny --quick: ZAYA1 counts vs reported; tiny runs learn; balancing lowers the max expert load', async () => {
  const r = await zaya1Tiny.run({ quick: true, seed: 0, resultsDir: '/nonexistent', versions: {}, log: () => {} });
  assert.equal(r.metrics.zaya1_nonembedding_matrices, 8_289_157_120);
  assert.equal(r.metrics.zaya1_active_matrices, 739_409_920);
  assert.ok(Math.abs(r.metrics.zaya1_nonembedding_all! / 8.3e9 - 1) < 0.01);
  assert.ok(Math.abs(r.metrics.zaya1_active_all! / 0.76e9 - 1) < 0.02);
  assert.ok(r.metrics.tiny_final_loss_balanced! < Math.log(39), 'below the uniform-prediction loss');
  assert.ok(r.metrics.tiny_mean_max_load_balanced! < r.metrics.tiny_mean_max_load_control!);
  assert.equal(r.tables.length, 3);
  assert.equal(r.references.length, 2);
  assert.equal(r.plots![0]!.file, 'zaya1-tiny.svg');
});
