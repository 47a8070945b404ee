// Metered bytes equal the analytic per-layer volume exactly (sent and received, every rank, every
// layer), one test per layout, D = 1, 2, 4, 8; and the forward volumes equal the note's closed forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulated, type RankRun } from '../../src/parallel/transports/simulated.js';
import { blockLayoutProgram, type LayoutName, type LayoutRunArgs } from '../../src/parallel/layouts/index.js';
import type { RankBlockResult } from '../../src/parallel/layouts/common.js';
import { layoutTraffic, noteForwardVolume } from '../../src/parallel/analytic/volume.js';
import type { BlockConfig } from '../../src/parallel/block.js';

const cfg: BlockConfig = { batch: 2, seq: 16, hidden: 16, heads: 8, kvHeads: 8, ffn: 24, dtype: 'f32' };

function meteredByLayer(r: RankRun<RankBlockResult>): Record<string, { sent: number; recv: number }> {
  const out: Record<string, { sent: number; recv: number }> = {};
  for (const t of r.traffic) {
    if (t.bytesSent === 0 && t.bytesRecv === 0) continue;
    const o = (out[t.layer] ??= { sent: 0, recv: 0 });
    o.sent += t.bytesSent;
    o.recv += t.bytesRecv;
  }
  return out;
}

async function check(layout: LayoutName, extra: Partial<LayoutRunArgs> = {}, c: BlockConfig = cfg) {
  for (const D of [1, 2, 4, 8]) {
    const runs = await runSimulated(D, blockLayoutProgram, { cfg: c, seed: 2, layout, ...extra });
    for (const r of runs) {
      const predicted = Object.fromEntries(Object.entries(layoutTraffic(layout, c, D, r.rank, { tp: extra.tp })).map(([k, v]) => [k, { sent: v.sent * 4, recv: v.recv * 4 }]));
      assert.deepEqual(meteredByLayer(r), predicted, `${layout} D=${D} rank ${r.rank}`);
    }
  }
}

test('tp: metered bytes = analytic per layer', () => check('tp'));
test('sp: metered bytes = analytic per layer', () => check('sp'));
test('ulysses: metered bytes = analytic per layer', () => check('ulysses'));
test('tpsp: metered bytes = analytic per layer (default T, and T = 4 on 8 ranks)', async () => {
  await check('tpsp');
  const runs = await runSimulated(8, blockLayoutProgram, { cfg, seed: 2, layout: 'tpsp', tp: 4 });
  for (const r of runs) {
    const p = layoutTraffic('tpsp', cfg, 8, r.rank, { tp: 4 });
    assert.deepEqual(meteredByLayer(r), Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { sent: v.sent * 4, recv: v.recv * 4 }])));
  }
});
test('tsp: metered bytes = analytic per layer', () => check('tsp'));
test('tsp with GQA and batch 1: metered = analytic', async () => {
  const c = { ...cfg, batch: 1, heads: 8, kvHeads: 4 };
  const runs = await runSimulated(4, blockLayoutProgram, { cfg: c, seed: 2, layout: 'tsp' });
  for (const r of runs) {
    const p = layoutTraffic('tsp', c, 4, r.rank);
    assert.deepEqual(meteredByLayer(r), Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { sent: v.sent * 4, recv: v.recv * 4 }])));
  }
});

test("forward received volume equals the note's §A.5 closed forms", async () => {
  const D = 4, { batch: b, seq: s, hidden: h, ffn: f } = cfg, kvDim = cfg.kvHeads * (h / cfg.heads);
  const fwd = (layout: LayoutName, r: number) => {
    const t = layoutTraffic(layout, cfg, D, r);
    return (t['attention.forward']?.recv ?? 0) + (t['mlp.forward']?.recv ?? 0);
  };
  for (let r = 0; r < D; r++) {
    assert.equal(fwd('tp', r), noteForwardVolume('tp', { b, s, h, kvDim, f, D }));
    assert.equal(fwd('sp', r), noteForwardVolume('cp', { b, s, h, kvDim, f, D }));
    assert.equal(fwd('ulysses', r), noteForwardVolume('ulysses', { b, s, h, kvDim, f, D }));
    assert.equal(fwd('tsp', r), noteForwardVolume('tsp', { b, s, h, kvDim, f, D }));
  }
});

test('the analytic model follows the algorithm choice: tree all-reduce, chain broadcast and chain reduce', async () => {
  const comm = { allReduce: 'tree', broadcast: 'ring', reduce: 'ring' } as const;
  for (const layout of ['tp', 'tsp', 'ulysses'] as const) {
    for (const D of [2, 4, 8]) {
      const runs = await runSimulated(D, blockLayoutProgram, { cfg, seed: 2, layout }, { comm });
      for (const r of runs) {
        const p = layoutTraffic(layout, cfg, D, r.rank, { comm });
        assert.deepEqual(meteredByLayer(r), Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { sent: v.sent * 4, recv: v.recv * 4 }])), `${layout} D=${D} rank ${r.rank}`);
      }
    }
  }
});

test('tsp with head buckets: metered = analytic', async () => {
  const runs = await runSimulated(4, blockLayoutProgram, { cfg, seed: 2, layout: 'tsp', headBuckets: 2 });
  for (const r of runs) {
    const p = layoutTraffic('tsp', cfg, 4, r.rank, { headBuckets: 2 });
    assert.deepEqual(meteredByLayer(r), Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { sent: v.sent * 4, recv: v.recv * 4 }])));
  }
});
