// Run directories: result.json fields, report.md sections (references with the gap), run ids, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRun, type RunWriter } from '../../src/report/run.js';
import { linePlot } from '../../src/report/plot.js';
import { writeFileAtomic } from '../../src/io/atomicWrite.js';

/** A RunWriter that keeps files in a Map and records the order of calls. */
function memoryWriter() {
  const files = new Map<string, string>();
  const calls: string[] = [];
  const writer: RunWriter = {
    mkdir(dir) { calls.push(`mkdir ${dir}`); },
    writeFile(file, data) {
      calls.push(`write ${file}`);
      files.set(file, typeof data === 'string' ? data : new TextDecoder().decode(data));
    },
  };
  return { writer, files, calls };
}

/** A fake clock: 2025-03-04 05:06:07.000 UTC, then +12.5 s per call. */
function fakeClock(): () => number {
  let t = Date.UTC(2025, 2, 4, 5, 6, 7);
  return () => { const now = t; t += 12_500; return now; };
}

const lossRows = [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch }));

async function exampleRun(writer: RunWriter, resultsDir = 'results') {
  const run = startRun({
    name: 'mlp-fashion', seed: 7, resultsDir, writer, clock: fakeClock(), runId: 'r1',
    config: { model: 'mlp', widths: [784, 300, 100, 10], optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } },
    versions: { tessera: '0.1.0', node: 'v20.0.0' },
  });
  run.addMetric('test_accuracy', 0.8912);
  run.addMetric('train_loss', 0.2875);
  run.addTable('Per-class accuracy', ['class', 'accuracy'], [['T-shirt', 0.85], ['Trouser | pants', 0.97]]);
  run.addReference({ metric: 'test_accuracy', paper_value: 0.885, source: 'Xiao et al. 2017, Table 3 (MLPClassifier)' });
  run.addReference({ metric: 'epochs_to_88', paper_value: 10, our_value: 6, source: 'issue 3 acceptance' });
  run.addReference({ metric: 'ece', paper_value: 0.02, source: 'not measured in quick mode' });
  run.addPlot('loss', linePlot({ title: 'Loss', x: { field: 'epoch', title: 'Epoch' }, y: { field: 'loss', title: 'Loss' }, data: lossRows }), 'Training loss per epoch');
  run.addNote('Quick run: 3 epochs.');
  return { run, finished: await run.finish() };
}

test('finish writes the SVG, report.md and then result.json (last) into results/<name>/<runId>', async () => {
  const { writer, files, calls } = memoryWriter();
  const { run, finished } = await exampleRun(writer);
  assert.equal(run.runDir, 'results/mlp-fashion/r1');
  assert.equal(finished.runDir, run.runDir);
  assert.deepEqual(calls, [
    'mkdir results/mlp-fashion/r1',
    'write results/mlp-fashion/r1/loss.svg',
    'write results/mlp-fashion/r1/report.md',
    'write results/mlp-fashion/r1/result.json',
  ]);
  const svg = files.get('results/mlp-fashion/r1/loss.svg')!;
  assert.ok(svg.startsWith('<svg') && svg.endsWith('</svg>'));
  assert.ok(svg.includes('>Epoch</text>') && svg.includes('>Loss</text>'));
  assert.equal(svg, finished.files.get('loss.svg'));
});

test('result.json has config, seed, versions, metrics, tables, references with sources and gaps, timing, plots, notes', async () => {
  const { writer, files } = memoryWriter();
  await exampleRun(writer);
  const result = JSON.parse(files.get('results/mlp-fashion/r1/result.json')!);
  assert.equal(result.name, 'mlp-fashion');
  assert.equal(result.run_id, 'r1');
  assert.equal(result.seed, 7);
  assert.deepEqual(result.config.optimizer, { name: 'sgd', lr: 0.05, momentum: 0.9 });
  assert.equal(result.versions.tessera, '0.1.0');
  assert.equal(result.versions.node, 'v20.0.0');
  assert.match(result.versions['vega-lite'], /^6\./);
  assert.deepEqual(result.metrics, { test_accuracy: 0.8912, train_loss: 0.2875 });
  assert.deepEqual(result.tables, [{ title: 'Per-class accuracy', columns: ['class', 'accuracy'], rows: [['T-shirt', 0.85], ['Trouser | pants', 0.97]] }]);
  const [acc, epochs, ece] = result.references;
  assert.equal(acc.our_value, 0.8912);
  assert.ok(Math.abs(acc.gap - (0.8912 - 0.885)) < 1e-15);
  assert.equal(acc.source, 'Xiao et al. 2017, Table 3 (MLPClassifier)');
  assert.deepEqual(epochs, { metric: 'epochs_to_88', paper_value: 10, our_value: 6, gap: -4, source: 'issue 3 acceptance' });
  assert.deepEqual(ece, { metric: 'ece', paper_value: 0.02, our_value: null, gap: null, source: 'not measured in quick mode' });
  assert.deepEqual(result.timing, { started: '2025-03-04T05:06:07.000Z', finished: '2025-03-04T05:06:19.500Z', duration_s: 12.5 });
  assert.deepEqual(result.plots, [{ file: 'loss.svg', caption: 'Training loss per epoch', warnings: [] }]);
  assert.deepEqual(result.notes, ['Quick run: 3 epochs.']);
});

test('report.md has the header, config, metrics, the references table with the gap column, tables, plots and notes', async () => {
  const { writer, files } = memoryWriter();
  await exampleRun(writer);
  const md = files.get('results/mlp-fashion/r1/report.md')!;
  assert.ok(md.startsWith('# mlp-fashion\n\nRun `r1` · seed 7 · started 2025-03-04 05:06:07 UTC · took 12.5 s · tessera 0.1.0, node v20.0.0'));
  assert.ok(md.includes('| optimizer.lr | 0.05 |'));
  assert.ok(md.includes('| widths | [784,300,100,10] |'));
  assert.ok(md.includes('## Metrics\n\n| metric | value |\n| :--- | ---: |\n| test_accuracy | 0.8912 |\n| train_loss | 0.2875 |'));
  assert.ok(md.includes([
    '## Paper reference numbers', '',
    '| metric | paper | ours | gap (ours − paper) | source |',
    '| :--- | ---: | ---: | ---: | :--- |',
    '| test_accuracy | 0.885 | 0.8912 | 0.0062 | Xiao et al. 2017, Table 3 (MLPClassifier) |',
    '| epochs_to_88 | 10 | 6 | -4 | issue 3 acceptance |',
    '| ece | 0.02 |  |  | not measured in quick mode |',
  ].join('\n')), md);
  assert.ok(md.includes('## Per-class accuracy\n\n| class | accuracy |'));
  assert.ok(md.includes('| Trouser \\| pants | 0.97 |'));
  assert.ok(md.includes('![Training loss per epoch](loss.svg)'));
  assert.ok(md.endsWith('## Notes\n\nQuick run: 3 epochs.\n'));
});

test('a real directory: files land on disk through a writer built from node:fs and io/writeFileAtomic', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-report-'));
  try {
    const writer: RunWriter = { mkdir: (dir) => { fs.mkdirSync(dir, { recursive: true }); }, writeFile: writeFileAtomic };
    const { finished } = await exampleRun(writer, path.join(root, 'results'));
    const dir = path.join(root, 'results', 'mlp-fashion', 'r1');
    assert.equal(finished.runDir, dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['loss.svg', 'report.md', 'result.json']);
    for (const [name, contents] of finished.files) assert.equal(fs.readFileSync(path.join(dir, name), 'utf8'), contents);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8')).seed, 7);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('default run ids: UTC stamp plus a hash suffix, different for two runs in the same second', () => {
  const clock = () => Date.UTC(2025, 0, 2, 3, 4, 5);
  const a = startRun({ name: 'x', seed: 0, config: { lr: 0.1 }, clock });
  const b = startRun({ name: 'x', seed: 0, config: { lr: 0.2 }, clock });
  const c = startRun({ name: 'x', seed: 0, config: { lr: 0.1 }, clock });
  for (const run of [a, b, c]) assert.match(run.runId, /^20250102-030405-[0-9a-f]{6}$/);
  assert.equal(new Set([a.runId, b.runId, c.runId]).size, 3);
  assert.equal(a.runDir, `results/x/${a.runId}`);
});

test('non-finite metrics are kept as text in result.json (JSON has no NaN)', async () => {
  const run = startRun({ name: 'diverged', seed: 1, config: {}, runId: 'r' });
  run.addMetric('loss', NaN);
  run.addReference({ metric: 'loss', paper_value: 0.3, source: 'p. 4' });
  const { result, files } = await run.finish();
  assert.deepEqual(result['metrics'], { loss: 'NaN' });
  assert.deepEqual((result['references'] as { gap: unknown }[])[0]!.gap, 'NaN');
  assert.ok(files.get('report.md')!.includes('| loss | NaN |'));
});

test('plot warnings from vega-lite are recorded with the plot in result.json', async () => {
  const run = startRun({ name: 'warned', seed: 0, config: {}, runId: 'r' });
  const spec = { data: { values: lossRows }, mark: 'point', encoding: { x: { field: 'epoch', type: 'quantitative', aggregate: 'bogus' } } };
  run.addPlot('p.svg', spec as never, 'a plot with a bad aggregate');
  const { result } = await run.finish();
  assert.deepEqual(result['plots'], [{ file: 'p.svg', caption: 'a plot with a bad aggregate', warnings: ['Invalid aggregation operator "bogus".'] }]);
});

test('bad input is an error that names what is wrong', async () => {
  const base = { name: 'x', seed: 0, config: {} };
  assert.throws(() => startRun({ ...base, name: '../escape' }), /startRun: name expected letters/);
  assert.throws(() => startRun({ ...base, runId: 'a/b' }), /runId expected letters/);
  assert.throws(() => startRun({ ...base, seed: 1.5 }), /seed expected a safe integer, got 1\.5/);
  assert.throws(() => startRun({ ...base, config: { optimizer: { step: () => 0 } } }), /config\.optimizer\.step expected JSON data .*got function/);
  assert.throws(() => startRun({ ...base, config: { shape: new Float32Array(2) } as never }), /config\.shape expected JSON data .*got Float32Array/);
  const run = startRun({ ...base, runId: 'r' });
  run.addMetric('acc', 0.5);
  assert.throws(() => run.addMetric('acc', 0.6), /metric "acc" is already set to 0\.5/);
  assert.throws(() => run.addTable('t', ['a', 'b'], [[1]]), /Run\.addTable: table "t": .*row 0 expected 2 cells \(a, b\), got 1/);
  assert.throws(() => run.addReference({ metric: 'acc', paper_value: 0.9, source: '' }), /source of reference "acc" expected a non-empty string/);
  assert.throws(() => run.addPlot('../p', linePlot({ title: 't', x: { field: 'epoch' }, y: { field: 'loss' }, data: lossRows }), 'c'), /fileName expected a plain file name/);
  const raw = { data: { values: lossRows }, mark: 'line', encoding: { x: { field: 'epoch', type: 'quantitative' }, y: { field: 'acc', type: 'quantitative' } } } as const;
  assert.throws(() => run.addPlot('p', raw, 'c'), /Run\.addPlot\(p\.svg\): encoding\.y uses field "acc", which no data row has; rows have fields: epoch, loss/);
  await run.finish();
  assert.throws(() => run.addNote('late'), /Run\.addNote: run results\/x\/r is already finished/);
  await assert.rejects(run.finish(), /already finished/);
});
