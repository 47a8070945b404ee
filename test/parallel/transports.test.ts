// Worker threads over SharedArrayBuffer: the same results and the same metered bytes as the
// simulated ranks, every layout at parity on D = 1, 2, 4 real threads, and a rank that throws or
// hangs makes every other rank fail fast (both transports) with an error naming it and the collective.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOnWorkers } from '../../src/parallel/transports/workers.js';
import { ParallelRunError, runSimulated } from '../../src/parallel/transports/simulated.js';
import { compareWithReference, LAYOUTS } from '../../src/parallel/layouts/index.js';
import type { RankBlockResult } from '../../src/parallel/layouts/common.js';
import { collectivesProgram, hangingProgram, throwingProgram } from './programs.js';

const programs = new URL('./programs.js', import.meta.url).href;
const layouts = new URL('../../src/parallel/layouts/index.js', import.meta.url).href;

test('workers: collectives equal the simulated ranks, also when messages go in many small chunks', async () => {
  const sim = await runSimulated(4, collectivesProgram, { n: 5 });
  const w = await runOnWorkers<Record<string, number[] | null>>(4, { module: programs, exportName: 'collectivesProgram' }, { n: 5 }, { slotBytes: 24 });
  assert.deepEqual(w.map((r) => r.result), sim.map((r) => r.result));
  assert.deepEqual(w.map((r) => r.traffic), sim.map((r) => r.traffic));
});

test('workers: every layout equals the single-device block on D = 1, 2, 4 threads (f32, GQA)', async () => {
  const cfg = { batch: 1, seq: 16, hidden: 16, heads: 8, kvHeads: 4, ffn: 16, dtype: 'f32' as const };
  for (const D of [1, 2, 4]) {
    for (const layout of LAYOUTS) {
      const args = { cfg, seed: 5, layout };
      const runs = await runOnWorkers<RankBlockResult>(D, { module: layouts, exportName: 'blockLayoutProgram' }, args);
      const rep = compareWithReference(args, runs.map((r) => r.result));
      assert.ok(rep.maxRelDiff < 1e-5, `${layout} D=${D}: ${rep.maxRelDiff}`);
      assert.ok(rep.gradientsCovered);
    }
  }
});

function assertNamed(e: unknown, culprit: number, collective: string): true {
  assert.ok(e instanceof ParallelRunError, String(e));
  assert.match(e.message, new RegExp(`rank ${culprit}`));
  const others = e.rankErrors.filter((m, r) => r !== culprit && m !== null);
  assert.ok(others.length > 0, e.message);
  for (const m of others) {
    assert.match(m!, new RegExp(`rank ${culprit}`));
    assert.match(m!, new RegExp(collective));
  }
  return true;
}

test('a rank that throws makes every other rank fail fast, naming it and the collective (both transports)', async () => {
  let t = Date.now();
  await assert.rejects(runSimulated(4, throwingProgram, { bad: 2 }, { timeoutMs: 60_000 }), (e) => assertNamed(e, 2, 'all-reduce \\(layer mlp.forward'));
  assert.ok(Date.now() - t < 5000, 'simulated: not fast');
  t = Date.now();
  await assert.rejects(runOnWorkers(4, { module: programs, exportName: 'throwingProgram' }, { bad: 2 }, { timeoutMs: 60_000 }), (e) => assertNamed(e, 2, 'all-reduce \\(layer mlp.forward'));
  assert.ok(Date.now() - t < 20_000, 'workers: not fast (waited for the 60 s timeout?)');
});

test('a rank that stops responding makes the others time out with an error naming it and the collective (both transports)', async () => {
  await assert.rejects(runSimulated(4, hangingProgram, { bad: 1 }, { timeoutMs: 300 }), (e) => {
    assert.match((e as Error).message, /timed out after 300 ms waiting for rank \d in all-gather \(layer attention.forward, rank \d\): rank 1 is not responding/);
    return true;
  });
  await assert.rejects(runOnWorkers(3, { module: programs, exportName: 'hangingProgram' }, { bad: 1, busy: true }, { timeoutMs: 4000 }), (e) => {
    assert.match((e as Error).message, /timed out after 4000 ms waiting for rank \d in all-gather \(layer attention.forward, rank \d\): rank 1 is not responding/);
    return true;
  });
});
