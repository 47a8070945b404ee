// Smaller-than-quick runs of both robustness reproductions, in process, and the CLI output contracts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_DIR } from '../../src/io/datasets.js';
import { useBackend } from '../../src/cli/backend.js';
import { runBnVulnerability } from '../../src/experiments/bnVulnerability.js';
import { assembleCnnStudy, CNN_QUICK, runCnnDimensionTrial, runCnnTrial, vggCnn } from '../../src/experiments/bnCnnStudy.js';
import { key as makeKey } from '../../src/core/random.js';
import { zeros } from '../../src/tensor/index.js';
import { runInputFaults } from '../../src/experiments/inputFaults.js';
import type { ExperimentContext } from '../../src/experiments/index.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 180_000 });
const ctx = (): ExperimentContext => ({ quick: true, seed: 0, resultsDir: tmpdir(), versions: {}, log: () => {} });

test('bn-vulnerability (smaller than --quick): all variants, drops per ε, dimension table, spheres table, sanity checks clean', { skip: !existsSync(FASHION_MNIST_DIR) && `needs ${FASHION_MNIST_DIR}`, timeout: 300_000 }, async () => {
  const dispose = await useBackend('wasm');
  try {
    const r = await runBnVulnerability(ctx(), {
      datasets: ['fashion-mnist'], trainImages: 1000, testImages: 100, epochs: 2, hidden: [64], learningRates: { 'fashion-mnist': [0.05], mnist: [] },
      linfEps: [0.02, 0.1], l2Eps: [1], sigmas: [0.2], pgdSteps: 5, upsampleFactors: [1],
      spheres: { dim: 5, trainPoints: 400, valPoints: 60, testPoints: 200, width: 16, hidden: 1, learningRates: [0.05], batchSize: 50, epochs: 2, weightDecay: 1e-3, pgdSteps: 5, pgdStepSize: 0.1, seeds: 1 },
    });
    for (const v of ['bn', 'none', 'none_wd']) {
      assert.ok(r.metrics[`fmnist_lr0.05_${v}_clean`]! > 0.6, `${v} clean ${r.metrics[`fmnist_lr0.05_${v}_clean`]}`);
      assert.ok(r.metrics[`fmnist_lr0.05_${v}_pgd_linf_0.1`]! < r.metrics[`fmnist_lr0.05_${v}_pgd_linf_0.02`]!, v);
    }
    assert.equal(typeof r.metrics.fmnist_bn_extra_linf_loss_max, 'number');
    assert.ok(Number.isFinite(r.metrics.fmnist_bn_extra_linf_loss_max));
    assert.match(r.notes![0]!, /(NOT )?REPRODUCED at lr 0.05/);
    assert.ok(!r.notes!.some((n) => n.startsWith('SANITY WARNING')), r.notes!.filter((n) => n.startsWith('SANITY')).join('\n'));
    assert.equal(r.tables[2]!.rows.length, 2, 'dimension rows: bn and none+wd at ×1');
    assert.match(r.tables[3]!.title, /Adversarial spheres/);
    assert.deepEqual(r.tables[3]!.rows.map((row) => row[1]), ['bn', 'none', 'none+wd']);
    assert.ok(r.notes!.some((n) => /^Adversarial spheres .*(HOLDS|does NOT hold) here/.test(n)));
    assert.ok(!r.notes!.some((n) => /not implemented/.test(n)));
  } finally {
    await dispose();
  }
});

test('input-faults (smaller than --quick): curves for every fault, I(T;Y) within bounds, fooling margins', { timeout: 300_000 }, async () => {
  const dispose = await useBackend('wasm');
  try {
    const r = await runInputFaults(ctx(), {
      epochs: 2, trainImages: 1000, testImages: 20, bimSteps: 20, linfSteps: 20, allTargetImages: 3, allTargetSteps: 20, sigmas: [1e-6, 2], angles: [0, 90], foolingSeeds: 2, foolingSteps: 10, snapshotEvery: 10,
    });
    assert.ok(r.metrics.wd_clean_accuracy! > 0.3 && r.metrics.nowd_clean_accuracy! > 0.3, `${r.metrics.wd_clean_accuracy} ${r.metrics.nowd_clean_accuracy}`);
    const curves = r.tables[1]!.rows;
    const faults = new Set(curves.map((row) => row[1]));
    for (const f of ['noise', 'rotation', 'bim-l2 miscls', 'bim-l2 one-tgt', 'bim-l2 all-tgt', 'bim-linf miscls', 'bim-linf one-tgt', 'bim-linf all-tgt']) assert.ok(faults.has(f), f);
    for (const row of curves) assert.ok((row[5] as number) >= -1e-9 && (row[5] as number) <= 3.33, `I(T;Y) ${row[5]}`);
    // along the miscls BIM trajectory the distortion grows (SNR falls) and accuracy does not rise
    const mis = curves.filter((row) => row[0] === 'wd 0' && row[1] === 'bim-l2 miscls');
    assert.equal(mis.length, 3);
    assert.equal(mis[0]![3], Infinity);
    assert.ok((mis[2]![3] as number) < (mis[1]![3] as number), `SNR ${mis.map((m) => m[3]).join(', ')}`);
    assert.ok((mis.at(-1)![4] as number) <= (mis[0]![4] as number));
    assert.ok(r.metrics.fooling_nowd_images_margin_on_other! >= 0 && r.metrics.fooling_nowd_images_margin_on_other! <= 1);
  } finally {
    await dispose();
  }
});

test('robust mi prints the bits alone on its last line; bad files are clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mi-'));
  try {
    const labels = Array.from({ length: 1000 }, (_, i) => i % 10);
    writeFileSync(join(dir, 'y.json'), JSON.stringify(labels));
    writeFileSync(join(dir, 'p.json'), JSON.stringify(labels.map((y) => (y + 1) % 10)));
    writeFileSync(join(dir, 'bad.json'), '[1, 2.5]');
    const r = run('robust', 'mi', '--pred', join(dir, 'p.json'), '--labels', join(dir, 'y.json'));
    assert.equal(r.status, 0, r.stderr);
    const last = r.stdout.trim().split('\n').at(-1)!;
    assert.match(last, /^\d+(\.\d+)?$/);
    assert.equal(Number(last).toFixed(4), '3.3206');
    const bad = run('robust', 'mi', '--pred', join(dir, 'bad.json'), '--labels', join(dir, 'y.json'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /integer class ids/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('robust eval attacks a tessera train checkpoint over an ε sweep with the sanity checks', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-robust-'));
  try {
    const t = run('train', '--dataset', 'mnist', '--train-limit', '1000', '--test-limit', '200', '--epochs', '2', '--batch-size', '32', '--results', root, '--run-id', 'r1');
    assert.equal(t.status, 0, t.stderr);
    const dir = join(root, 'train-mlp-mnist', 'r1', 'checkpoints');
    const ck = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort().at(-1)!;
    const e = run('robust', 'eval', '--model', join(dir, ck), '--attack', 'pgd-linf', '--eps', '0,0.05,0.1', '--test-limit', '100', '--steps', '5', '--black-box', '100', '--json');
    assert.equal(e.status, 0, e.stderr);
    const j = JSON.parse(e.stdout);
    assert.deepEqual(j.points.map((p: { eps: number }) => p.eps), [0, 0.05, 0.1]);
    assert.equal(j.points[0].robustAccuracy, j.cleanAccuracy);
    assert.ok(j.points[2].robustAccuracy < j.cleanAccuracy);
    assert.equal(j.warnings.length, 0, JSON.stringify(j.warnings));
    assert.ok(j.checks.some((c: { name: string; passed: boolean }) => c.name === 'black-box-vs-white-box' && c.passed), 'Square ran at the largest ε and did not beat PGD');
    const badEps = run('robust', 'eval', '--model', join(dir, ck), '--eps', '0,-1');
    assert.match(badEps.stderr, /--eps expects comma-separated numbers ≥ 0/);

    // AutoAttack standard: the cascade's per-attack report, each attack alone, RobustBench's entry.
    const aa = run('robust', 'eval', '--model', join(dir, ck), '--attack', 'autoattack', '--version', 'standard', '--eps', '0.05', '--test-limit', '60', '--steps', '5', '--square-queries', '50', '--individual', '--json');
    assert.equal(aa.status, 0, aa.stderr);
    const a = JSON.parse(aa.stdout);
    assert.equal(a.version, 'standard');
    const rep = a.reports[0];
    assert.deepEqual(rep.steps.map((s: { attack: string }) => s.attack), ['apgd-ce', 'apgd-t', 'fab-t', 'square'].slice(0, rep.steps.length));
    assert.ok(rep.steps[0].attacked === Math.round(rep.cleanAccuracy * 60) && rep.robustAccuracy <= rep.cleanAccuracy);
    const best = Math.min(...rep.individual.map((x: { robustAccuracy: number }) => x.robustAccuracy));
    assert.ok(rep.robustAccuracy <= best + 2 / 60, `cascade ${rep.robustAccuracy} vs best single ${best}`);
    assert.ok(rep.maxPerturbation <= 0.05 + 1e-6);
    assert.equal(a.robustbench[0].info.autoattack_acc, String(Math.round(rep.robustAccuracy * 10000) / 100).replace(/^(\d+)$/, '$1.0'));
    assert.equal(a.robustbench[0].path, 'model_info/mnist/Linf/tessera-mlp.json');
    const text = run('robust', 'eval', '--model', join(dir, ck), '--attack', 'autoattack', '--eps', '0.05', '--test-limit', '30', '--steps', '3', '--square-queries', '20');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /AutoAttack standard \(linf, ε = 0\.05\)/);
    assert.match(text.stdout, /apgd-ce +\d+ +\d+/);
    const mixed = run('robust', 'eval', '--model', join(dir, ck), '--attack', 'autoattack', '--eps', '0.05', '--restarts', '3');
    assert.notEqual(mixed.status, 0);
    assert.match(mixed.stderr, /--attack autoattack fixes its restarts/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('bn-vulnerability CNN study (smaller than --quick): VGG-style CNN with and without BN, every perturbation, matched BN, tables and metrics', { skip: !existsSync(FASHION_MNIST_DIR) && `needs ${FASHION_MNIST_DIR}`, timeout: 300_000 }, async () => {
  const dispose = await useBackend('auto');
  try {
    const withBn = vggCnn(true, makeKey(0), { channels: [4, 8], side: 28 }), plain = vggCnn(false, makeKey(0), { channels: [4, 8], side: 28 });
    assert.deepEqual(withBn.forward(zeros([2, 1, 28, 28])).shape, [2, 10]);
    assert.ok(Object.keys(withBn.stateDict()).some((k) => k.includes('running_mean')) && !Object.keys(plain.stateDict()).some((k) => k.includes('running_mean')));
    const s = { ...CNN_QUICK, datasets: ['fashion-mnist' as const], trainImages: 1000, testImages: 60, epochs: 3, lr: 0.1, channels: [4, 8] as [number, number], pgdSteps: 5, dimensionTrainImages: 300, dimensionEpochs: 1, linfEps: [0.02, 0.2] };
    const r = await runCnnTrial(s, 'fashion-mnist', 0, 0, { log: () => {} });
    for (const v of ['bn', 'none', 'none+wd', 'bn-final'] as const) {
      assert.ok(r[v].clean > 0.3, `${v} clean ${r[v].clean}`);
      assert.ok(r[v].linf[1]! < r[v].linf[0]! + 1e-9 && r[v].linf[1]! < r[v].clean, `${v}: PGD-ℓ∞ lowers accuracy`);
      assert.equal(r[v].noise.length, 2);
      assert.equal(r[v].l2.length, 2);
    }
    assert.ok(r.bn.epoch! >= 1 && r.bn.epoch! <= s.epochs, `matched epoch ${r.bn.epoch}`);
    const d = await runCnnDimensionTrial(s, 2, 'bn', 0, { log: () => {} });
    assert.equal(d.inputs, 56 * 56);
    const a = assembleCnnStudy(s, [{ dataset: 'fashion-mnist', seed: 0, result: r }], [{ factor: 2, variant: 'bn', result: d }]);
    assert.equal(a.tables[0]!.rows.length, 4);
    assert.ok(Number.isFinite(a.metrics.cnn_fmnist_bn_extra_linf_loss_max));
    assert.equal(a.metrics['cnn_fmnist_bn_clean'], r.bn.clean);
    assert.equal(a.metrics['cnn_dim_x2_bn_pgd_linf'], d.robust);
  } finally {
    await dispose();
  }
});
