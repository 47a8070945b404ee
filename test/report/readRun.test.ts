// parseRunResult reads back what Run.finish writes (every field, NaN written as text included), and a damaged or
// foreign result.json fails with the file and the field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRun } from '../../src/report/run.js';
import { linePlot } from '../../src/report/plot.js';
import { parseRunResult } from '../../src/report/readRun.js';

async function finishedResult(): Promise<string> {
  let t = Date.UTC(2025, 2, 4, 5, 6, 7);
  const run = startRun({ name: 'x', seed: 3, runId: 'r1', config: { lr: 0.1, widths: [4, 2] }, versions: { tessera: '0.1.0' }, clock: () => (t += 1500) });
  run.addMetric('acc', 0.9);
  run.addMetric('loss', Number.NaN);
  run.addMetric('note', 'quick');
  run.addTable('per epoch', ['epoch', 'loss', 'ok'], [[1, 0.5, true], [2, null, false]]);
  run.addReference({ metric: 'acc', paper_value: 0.95, source: 'paper, Table 1' });
  run.addReference({ metric: 'other', paper_value: 'n/a', our_value: 'n/a', source: 'issue', note: 'not measured' });
  run.addPlot('loss', linePlot({ title: 'L', x: { field: 'e', title: 'e' }, y: { field: 'l', title: 'l' }, data: [{ e: 1, l: 1 }, { e: 2, l: 0.5 }] }), 'the loss');
  run.addNote('a note');
  return (await run.finish()).files.get('result.json')!;
}

test('parseRunResult returns every field Run.finish wrote', async () => {
  const text = await finishedResult();
  assert.deepEqual(parseRunResult(text, 'x/r1/result.json'), JSON.parse(text));
  const r = parseRunResult(text, 'x/r1/result.json');
  assert.equal(r.metrics.loss, 'NaN');
  assert.deepEqual(r.references[0], { metric: 'acc', paper_value: 0.95, our_value: 0.9, gap: 0.9 - 0.95, source: 'paper, Table 1' });
});

test('parseRunResult: bad files name the file and the field', async () => {
  const good = JSON.parse(await finishedResult()) as Record<string, unknown>;
  const bad = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
  const where = 'runs/x/result.json';
  assert.throws(() => parseRunResult('{"name":', where), { message: /^parseRunResult: runs\/x\/result\.json: expected JSON, got a parse error: / });
  assert.throws(() => parseRunResult('[]', where), { message: 'parseRunResult: runs/x/result.json: "(top level)" expected an object, got []' });
  assert.throws(() => parseRunResult(bad({ metrics: { acc: [1] } }), where), { message: 'parseRunResult: runs/x/result.json: "metrics.acc" expected a number or a string, got [1]' });
  assert.throws(() => parseRunResult(bad({ tables: [{ title: 't', columns: ['a', 'b'], rows: [[1]] }] }), where),
    { message: 'parseRunResult: runs/x/result.json: "tables[0].rows[0]" expected 2 cells (one per column), got 1' });
  assert.throws(() => parseRunResult(bad({ timing: { started: 's', finished: 'f' } }), where), { message: 'parseRunResult: runs/x/result.json: "timing.duration_s" expected a number, got undefined' });
  const { run_id: _dropped, ...noId } = good;
  assert.throws(() => parseRunResult(JSON.stringify(noId), where), { message: 'parseRunResult: runs/x/result.json: "run_id" expected a string, got undefined' });
});
