// A smaller-than-quick `repro icb`: two binary tasks (one Fashion-MNIST pair, one MNIST digit pair), two
// random models each, a label-noise sweep, then the run report with its three plots. Checks the
// bookkeeping: ICB = sqrt((2^I + ln 20)/2m) of the LOO bits, held ⇔ GE ≤ ICB, InfoNCE ≤ log2 m.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { experiments } from '../../src/experiments/index.js';
import { ICB_QUICK, runIcbStudy } from '../../src/experiments/icb.js';
import { FASHION_MNIST_DIR } from '../../src/io/datasets.js';
import { nodeRunWriter } from '../../src/io/files.js';
import { startRun } from '../../src/report/index.js';

test('repro icb (smaller than --quick): per-model bound bookkeeping, label-noise sweep, report with plots', { skip: !existsSync(FASHION_MNIST_DIR) && `needs ${FASHION_MNIST_DIR}`, timeout: 120_000 }, async () => {
  assert.ok(experiments.some((e) => e.name === 'icb'), 'registered');
  assert.ok(ICB_QUICK.datasets.length >= 5, 'at least 5 datasets in --quick');
  const settings = {
    ...ICB_QUICK, datasets: [ICB_QUICK.datasets[0]!, ICB_QUICK.datasets[3]!], modelsPerDataset: 2, trainSizes: [40], testSize: 80,
    labelNoise: [0, 1], labelNoiseDatasets: 1,
  };
  const lines: string[] = [];
  const result = await runIcbStudy({ quick: true, seed: 0, resultsDir: '', versions: {}, log: (l) => lines.push(l) }, settings);
  assert.equal(result.metrics.models, 4);
  const perModel = result.tables[0]!;
  assert.equal(perModel.rows.length, 4);
  const col = (name: string) => perModel.columns.indexOf(name);
  for (const row of perModel.rows) {
    const m = row[col('m')] as number, bits = row[col('I LOO (bits)')] as number, ge = row[col('GE')] as number, icb = row[col('ICB')] as number;
    assert.ok(Math.abs(icb - Math.sqrt((2 ** Math.max(bits, 0) + Math.log(20)) / (2 * m))) < 1e-3, `ICB of ${bits} bits at m = ${m}`);
    assert.equal(row[col('held')], ge <= icb ? 'yes' : 'NO');
    assert.ok((row[col('I InfoNCE (bits)')] as number) <= Math.log2(m) + 1e-4);
    assert.ok((row[col('test acc')] as number) > 0.6, `binary test accuracy above chance: ${row}`);
  }
  assert.equal(result.tables[2]!.rows.length, 2, 'label-noise sweep rows');
  assert.ok(result.metrics.fraction_bound_held! >= 0 && result.metrics.fraction_bound_held! <= 1);
  assert.ok(lines.some((l) => /label noise/.test(l)));
  const root = mkdtempSync(join(tmpdir(), 'tessera-icb-'));
  try {
    const run = startRun({ name: 'icb', config: { test: true }, seed: 0, resultsDir: root, writer: nodeRunWriter(), versions: {}, title: 'icb test' });
    for (const [k, v] of Object.entries(result.metrics)) run.addMetric(k, v);
    for (const t of result.tables) run.addTable(t.title, t.columns, t.rows);
    for (const r of result.references) run.addReference(r);
    for (const pl of result.plots ?? []) run.addPlot(pl.file, pl.spec, pl.caption);
    const { runDir } = await run.finish();
    const files = readdirSync(runDir);
    for (const f of ['ge-vs-icb.svg', 'mi-vs-label-noise.svg', 'mi-vs-robustness.svg', 'report.md', 'result.json']) assert.ok(files.includes(f), f);
    assert.match(readFileSync(join(runDir, 'ge-vs-icb.svg'), 'utf8'), /<svg/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
