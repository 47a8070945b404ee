// The sparse workflow as a user runs it: tessera train --sparsity → sparse condense → sparse eval (same
// predictions and logits as the dense masked checkpoint, the keys of tessera eval --json) → sparse bench
// --model (its output contract) → sparse export-onnx (onnxruntime reproduces the logits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrt, createOrtModel } from '../../src/io/index.js';
import { condensedTestSet, loadClassifierCheckpoint } from '../../src/train/index.js';
import { loadCondensed } from '../../src/train/index.js';
import { noGrad } from '../../src/tensor/index.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

test('train --sparsity 0.9 --method srigl --ablation → condense → sparse eval equals the dense masked model; bench --model and export-onnx keep their contracts', { timeout: 240_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-sparse-flow-'));
  try {
    const t = run('train', '--dataset', 'mnist', '--train-limit', '1000', '--test-limit', '300', '--epochs', '2', '--batch-size', '32', '--results', root, '--run-id', 'r1',
      '--sparsity', '0.9', '--method', 'srigl', '--ablation', '--delta-t', '10');
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stderr, /0\.weight \[300×784\]: sparsity 9\d\.\d%, fan-in \d+, ablated \d+\/300 rows/);
    const dir = join(root, 'train-mlp-mnist-srigl-90', 'r1', 'checkpoints');
    const ck = join(dir, readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort().at(-1)!);
    const out = join(root, 'model.condensed.safetensors');
    const c = run('sparse', 'condense', '--checkpoint', ck, '--out', out);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /layer 0: 784 → \d+\/300 active rows, fan-in \d+ \(u16\)/);

    const dense = run('eval', '--checkpoint', ck, '--json', '--test-limit', '300');
    const sparse = run('sparse', 'eval', '--model', out, '--json', '--test-limit', '300', '--against', ck);
    assert.equal(dense.status, 0, dense.stderr);
    assert.equal(sparse.status, 0, sparse.stderr);
    const d = JSON.parse(dense.stdout), s = JSON.parse(sparse.stdout);
    for (const k of ['accuracy', 'loss', 'perClass', 'n']) assert.ok(k in s && k in d, `key ${k}`);
    assert.equal(s.accuracy, d.accuracy);
    assert.deepEqual(s.perClass, d.perClass);
    assert.equal(s.prediction_mismatches, 0);
    assert.ok(s.max_abs_logit_diff < 1e-5, `max |Δlogit| ${s.max_abs_logit_diff}`);
    assert.ok(Math.abs(s.loss - d.loss) < 1e-5);
    // sparse predict: per example the argmax of its logits, and over the 300 examples sparse eval's accuracy.
    const p = run('sparse', 'predict', '--model', out, '--indices', '0-299', '--json');
    assert.equal(p.status, 0, p.stderr);
    const predictions = JSON.parse(p.stdout).predictions as { index: number; label: number; class: number; logits: number[] }[];
    assert.deepEqual(predictions.map((q) => q.index), Array.from({ length: 300 }, (_, i) => i));
    for (const q of predictions) assert.equal(q.class, q.logits.indexOf(Math.max(...q.logits)));
    assert.equal(predictions.filter((q) => q.class === q.label).length / 300, s.accuracy);
    const far = run('sparse', 'predict', '--model', out, '--indices', '2,99999');
    assert.notEqual(far.status, 0);
    assert.match(far.stderr, /--indices expects test examples in \[0, \d+\), got 99999/);

    const b = run('sparse', 'bench', '--model', out, '--json', '--reps', '5');
    assert.equal(b.status, 0, b.stderr);
    const bench = JSON.parse(b.stdout);
    assert.equal(bench.layers.length, 3);
    for (const row of bench.layers) {
      assert.deepEqual(Object.keys(row).sort(), ['active_rows', 'batch', 'condensed_ms', 'dense_ms', 'fan_in', 'in', 'layer', 'ort_ms', 'out', 'threads']);
      assert.ok(row.condensed_ms > 0 && row.dense_ms > 0 && row.batch === 1);
    }
    assert.ok(bench.model.batch === 1 && bench.model.condensed_ms > 0 && bench.model.dense_ms > 0);

    const onnx = join(root, 'model.onnx');
    const e = run('sparse', 'export-onnx', '--checkpoint', ck, '--out', onnx);
    assert.equal(e.status, 0, e.stderr);
    const ort = await loadOrt();
    if (ort.ort) {
      const mlp = loadCondensed(out);
      const { x } = condensedTestSet(mlp, { testLimit: 50 });
      const session = await createOrtModel(ort.ort, new Uint8Array(readFileSync(onnx)), 784, 1);
      const got = await session.run(x.data as Float32Array, 50);
      await session.release();
      const want = noGrad(() => loadClassifierCheckpoint(ck).model.forward(x)).data;
      let diff = 0;
      for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
      assert.ok(diff < 1e-4, `onnxruntime vs tessera max |Δlogit| ${diff}`);
    }

    // A CNN checkpoint cannot be condensed yet: a clear error, not a crash.
    const cnn = run('train', '--model', 'cnn', '--dataset', 'mnist', '--train-limit', '200', '--test-limit', '50', '--epochs', '1', '--batch-size', '50', '--results', root, '--run-id', 'c1',
      '--sparsity', '0.8', '--method', 'rigl', '--delta-t', '1');
    assert.equal(cnn.status, 0, cnn.stderr);
    assert.match(cnn.stderr, /conv1?\.weight|0\.weight \[16×1×\d×\d\]: sparsity/);
    const cdir = join(root, 'train-cnn-mnist-rigl-80', 'c1', 'checkpoints');
    const cck = join(cdir, readdirSync(cdir).filter((f) => f.endsWith('.safetensors')).sort().at(-1)!);
    const bad = run('sparse', 'condense', '--checkpoint', cck, '--out', join(root, 'cnn.safetensors'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /condensing expects an MLP checkpoint \(Linear layers\), got --model cnn/);
    const ce = run('eval', '--checkpoint', cck, '--json');
    assert.equal(ce.status, 0, ce.stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('train: sparse options without --sparsity, and --ablation without srigl, are errors naming the option', () => {
  const stray = run('train', '--method', 'rigl', '--epochs', '1');
  assert.notEqual(stray.status, 0);
  assert.match(stray.stderr, /--method needs --sparsity <s>/);
  const ablation = run('train', '--sparsity', '0.9', '--method', 'rigl', '--ablation', '--epochs', '1');
  assert.notEqual(ablation.status, 0);
  assert.match(ablation.stderr, /--ablation is SRigL's neuron ablation; it needs --method srigl, got --method rigl/);
  const range = run('train', '--sparsity', '1.5');
  assert.notEqual(range.status, 0);
  assert.match(range.stderr, /--sparsity expects a number in \[0, 1\), got "1\.5"/);
});
