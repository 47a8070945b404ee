// The memory meter during the schedules: weights and gradients held per rank are exactly the
// layout's shard (1/D for TP and TSP, everything for SP/Ulysses); TSP holds fewer activation
// bytes per rank than TP; live counts return to the resident state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulated } from '../../src/parallel/transports/simulated.js';
import { blockLayoutProgram } from '../../src/parallel/layouts/index.js';
import { blockParameterCount, type BlockConfig } from '../../src/parallel/block.js';
import { MemoryMeter } from '../../src/parallel/meters.js';

const cfg: BlockConfig = { batch: 1, seq: 32, hidden: 16, heads: 4, kvHeads: 4, ffn: 32, dtype: 'f32' };

test('meter: live and peak by category, peak of the total', () => {
  const m = new MemoryMeter();
  const a = m.hold('weights', 100), b = m.hold('comm', 50);
  m.release(b);
  m.hold('activations', 30);
  m.release(a);
  const s = m.snapshot();
  assert.deepEqual(s.live, { weights: 0, activations: 30, gradients: 0, comm: 0 });
  assert.deepEqual(s.peak, { weights: 100, activations: 30, gradients: 0, comm: 50 });
  assert.equal(s.peakTotal, 150);
});

test('weights and gradients per rank are the layout shard; TSP keeps fewer activations than TP', async () => {
  const D = 4, full = blockParameterCount(cfg) * 4;
  const peaks = async (layout: 'tp' | 'sp' | 'ulysses' | 'tsp') => (await runSimulated(D, blockLayoutProgram, { cfg, seed: 1, layout })).map((r) => r.memory);
  const tp = await peaks('tp'), sp = await peaks('sp'), ul = await peaks('ulysses'), tsp = await peaks('tsp');
  for (const m of tp) { assert.equal(m.peak.weights, full / D); assert.equal(m.peak.gradients, full / D); }
  for (const m of tsp) { assert.equal(m.peak.weights, full / D); assert.equal(m.peak.gradients, full / D); }
  for (const m of [...sp, ...ul]) { assert.equal(m.peak.weights, full); assert.equal(m.peak.gradients, full); }
  for (let r = 0; r < D; r++) {
    assert.ok(tsp[r]!.peak.activations < tp[r]!.peak.activations, `rank ${r}: tsp ${tsp[r]!.peak.activations} vs tp ${tp[r]!.peak.activations}`);
    assert.ok(tsp[r]!.peakTotal < sp[r]!.peakTotal && tsp[r]!.peakTotal < tp[r]!.peakTotal);
    assert.equal(tsp[r]!.live.comm, 0);
  }
});
