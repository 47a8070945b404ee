// Parity of every layout with the single-device block (outputs and all gradients), on simulated
// ranks for D = 1, 2, 4, 8, in f32 (1e-5) and f64 (1e-10), MHA and GQA; uneven cuts are rejected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulated } from '../../src/parallel/transports/simulated.js';
import { blockLayoutProgram, compareWithReference, LAYOUTS, type LayoutRunArgs } from '../../src/parallel/layouts/index.js';
import type { BlockConfig } from '../../src/parallel/block.js';

const base: BlockConfig = { batch: 2, seq: 16, hidden: 16, heads: 8, kvHeads: 8, ffn: 24, dtype: 'f32' };

async function parity(args: LayoutRunArgs, D: number) {
  const runs = await runSimulated(D, blockLayoutProgram, args);
  return compareWithReference(args, runs.map((r) => r.result));
}

for (const dtype of ['f32', 'f64'] as const) {
  const tol = dtype === 'f32' ? 1e-5 : 1e-10;
  for (const kvHeads of [8, 4]) {
    test(`every layout equals the single-device block, ${dtype}, ${kvHeads === 8 ? 'MHA' : 'GQA (8 query / 4 KV heads)'}, D = 1, 2, 4, 8`, async () => {
      for (const layout of LAYOUTS) {
        for (const D of [1, 2, 4, 8]) {
          // KV heads must split over the ranks that split heads (D for tp/ulysses/tsp, T for tpsp).
          const cfg = { ...base, dtype, kvHeads: D > kvHeads && layout !== 'sp' && layout !== 'tpsp' ? D : kvHeads };
          const rep = await parity({ cfg, seed: 7, layout }, D);
          assert.ok(rep.maxRelDiff < tol, `${layout} D=${D}: max rel diff ${rep.maxRelDiff} (worst: ${JSON.stringify(rep.perRank)})`);
          assert.ok(rep.gradientsCovered, `${layout} D=${D}: some weight gradient element not returned by any rank`);
        }
      }
    });
  }
}

test('tpsp on a 2×2 and a 4×2 and 2×4 mesh, GQA with 2 KV heads', async () => {
  for (const [D, tp] of [[4, 2], [8, 4], [8, 2]] as const) {
    const rep = await parity({ cfg: { ...base, kvHeads: 4, seq: 16 }, seed: 3, layout: 'tpsp', tp }, D);
    assert.ok(rep.maxRelDiff < 1e-5, `D=${D} T=${tp}: ${rep.maxRelDiff}`);
  }
});

test('a sequence that does not cut into equal chunks, or heads that do not split, is rejected with a clear error', async () => {
  await assert.rejects(parity({ cfg: { ...base, seq: 10 }, seed: 1, layout: 'tsp' }, 4), /tsp: seq expected a multiple of 8 \(zigzag order cuts the sequence into 8 equal chunks for 4 sequence shards\), got 10/);
  await assert.rejects(parity({ cfg: { ...base, seq: 10 }, seed: 1, layout: 'ulysses' }, 4), /ulysses: seq expected a multiple of 4/);
  await assert.rejects(parity({ cfg: { ...base, seq: 12 }, seed: 1, layout: 'sp' }, 4), /sp: seq expected a multiple of 8/);
  await assert.rejects(parity({ cfg: { ...base, kvHeads: 2 }, seed: 1, layout: 'tp' }, 4), /tp: kvHeads expected a multiple of 4 \(the ranks that split it\), got 2/);
  await assert.rejects(parity({ cfg: { ...base, ffn: 30 }, seed: 1, layout: 'tsp' }, 4), /tsp: ffn expected a multiple of 4/);
  // TP does not cut the sequence: any length works.
  const rep = await parity({ cfg: { ...base, seq: 11 }, seed: 1, layout: 'tp' }, 4);
  assert.ok(rep.maxRelDiff < 1e-5);
});

test('TSP moves no all-reduce; TP moves nothing but all-reduces', async () => {
  const cfg = { ...base };
  const tsp = await runSimulated(4, blockLayoutProgram, { cfg, seed: 1, layout: 'tsp' });
  const tp = await runSimulated(4, blockLayoutProgram, { cfg, seed: 1, layout: 'tp' });
  for (const r of tsp) assert.deepEqual([...new Set(r.traffic.map((t) => t.collective))].filter((c) => c !== 'barrier').sort(), ['all-gather', 'broadcast', 'reduce', 'reduce-scatter', 'send-recv']);
  for (const r of tp) assert.deepEqual([...new Set(r.traffic.map((t) => t.collective))].filter((c) => c !== 'barrier'), ['all-reduce']);
});

test('tsp head buckets: same outputs and gradients, same bytes, smaller gathered K/V buffers', async () => {
  const cfg = { ...base, hidden: 32, dtype: 'f64' as const };
  const comm = async (B: number) => {
    const runs = await runSimulated(2, blockLayoutProgram, { cfg, seed: 4, layout: 'tsp', headBuckets: B });
    const rep = compareWithReference({ cfg, seed: 4 }, runs.map((r) => r.result));
    assert.ok(rep.maxRelDiff < 1e-10, `B=${B}: ${rep.maxRelDiff}`);
    return { bytes: runs[0]!.bytesSent, peakComm: runs[0]!.memory.peak.comm, gathers: runs[0]!.traffic.filter((t) => t.collective === 'all-gather').reduce((s, t) => s + t.calls, 0) };
  };
  const one = await comm(1), two = await comm(2), four = await comm(4);
  assert.equal(two.bytes, one.bytes);
  assert.equal(four.bytes, one.bytes);
  assert.equal(two.gathers, 2 * one.gathers);
  assert.ok(four.peakComm < two.peakComm && two.peakComm < one.peakComm, `${one.peakComm} ${two.peakComm} ${four.peakComm}`);
  await assert.rejects(runSimulated(2, blockLayoutProgram, { cfg, seed: 4, layout: 'tsp', headBuckets: 3 }), /tsp: headBuckets expected a divisor of the KV heads per rank \(4\), got 3/);
});

test('layoutShardingProblem names the uneven cut in the words each layout\'s rank program throws, and null when every layout runs', async () => {
  const { layoutShardingProblem } = await import('../../src/parallel/sharding.js');
  const cases: { layout: LayoutRunArgs['layout']; cfg: BlockConfig; D: number; T: number }[] = [
    { layout: 'tp', cfg: { ...base, heads: 4, kvHeads: 4, hidden: 16, ffn: 24 }, D: 8, T: 8 },
    { layout: 'tp', cfg: { ...base, ffn: 20 }, D: 8, T: 8 },
    { layout: 'sp', cfg: { ...base, seq: 12 }, D: 4, T: 1 },
    { layout: 'ulysses', cfg: { ...base, kvHeads: 2 }, D: 4, T: 1 },
    { layout: 'ulysses', cfg: { ...base, seq: 10 }, D: 4, T: 1 },
    { layout: 'tpsp', cfg: { ...base, seq: 6 }, D: 4, T: 2 },
    { layout: 'tpsp', cfg: { ...base, kvHeads: 1 }, D: 4, T: 2 },
    { layout: 'tsp', cfg: { ...base, ffn: 18 }, D: 4, T: 4 },
    { layout: 'tsp', cfg: { ...base, seq: 12 }, D: 4, T: 4 },
  ];
  for (const c of cases) {
    const problem = layoutShardingProblem(c.layout, c.cfg, c.D, c.layout === 'tpsp' ? c.T : c.layout === 'sp' || c.layout === 'ulysses' ? 1 : c.D);
    assert.ok(problem !== null, `${c.layout} ${JSON.stringify(c.cfg)}: a problem`);
    await assert.rejects(runSimulated(c.D, blockLayoutProgram, { cfg: c.cfg, seed: 1, layout: c.layout, tp: c.T }), (e: Error) => {
      assert.ok(e.message.includes(problem), `${c.layout}: the runtime says "${e.message}", the planner "${problem}"`);
      return true;
    });
  }
  for (const layout of LAYOUTS) assert.equal(layoutShardingProblem(layout, base, 4, layout === 'tpsp' ? 2 : layout === 'sp' || layout === 'ulysses' ? 1 : 4), null, layout);
});
