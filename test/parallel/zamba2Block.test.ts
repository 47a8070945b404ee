// Zamba2's shared block (RMSNorms, q/k/v/gate_up LoRA adapters of one invocation, rotate-half RoPE at global
// positions, (d/2)^−1/2 scale, GQA, gated GELU MLP, the hybrid layer's linear) under the parallel layouts:
// TP and TSP (and the TP×SP mesh it shares with TP) on 1, 2 and 4 in-process ranks match the single-device
// block — Y, dh, de and every weight gradient (norms and adapters too) — to 1e-5 in f32 and 1e-10 in f64.
// The single-device block is tied to PyTorch through the shared-block golden fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Tensor } from '../../src/tensor/index.js';
import { referenceGradients } from '../../src/parallel/block.js';
import type { BlockConfig } from '../../src/parallel/block.js';
import { describeBlock } from '../../src/parallel/blocks.js';
import { blockLayoutProgram, compareWithReference, type LayoutName, type LayoutRunArgs } from '../../src/parallel/layouts/index.js';
import { runSimulated } from '../../src/parallel/transports/simulated.js';
import { cutWeight, evenPiece, joinPieces, shardShape, specCovers, type ShardSpec } from '../../src/parallel/sharding.js';
import { ZAMBA2_WEIGHT_NAMES, zamba2Dims, zamba2SharedBlock, type Zamba2BlockChoice } from '../../src/parallel/zamba2Block.js';

const zamba2: Zamba2BlockChoice = { kind: 'zamba2', adapterRank: 3, ropeTheta: 10000 };
// hidden 16 → attention width 32; MHA: 4 heads of d = 8; GQA: 8 query heads of d = 4 over 4 KV heads.
const mha: BlockConfig = { batch: 2, seq: 16, hidden: 16, heads: 4, kvHeads: 4, ffn: 24, dtype: 'f32' };
const gqa: BlockConfig = { ...mha, heads: 8, kvHeads: 4 };

async function parity(args: LayoutRunArgs, D: number) {
  const runs = await runSimulated(D, blockLayoutProgram, args);
  return { runs, report: compareWithReference(args, runs.map((r) => r.result)) };
}

test('the single-device Zamba2 block equals the PyTorch shared-block golden (float64, 1e-10)', () => {
  const g = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/zamba2-block-golden.json', import.meta.url)), 'utf8'));
  const { hidden: H, heads, intermediate: I, rank, theta } = g.dims as Record<string, number>;
  const cfg: BlockConfig = { batch: 1, seq: g.h1.length / H, hidden: H, heads, kvHeads: heads, ffn: I, dtype: 'f64' };
  const z = zamba2Dims(cfg, { kind: 'zamba2', adapterRank: rank, ropeTheta: theta });
  assert.equal(z.headDim, g.dims.head_dim);
  const fixtureName: Record<string, string> = { inNorm: 'in_norm', ffNorm: 'ff_norm', gateUp: 'gate_up' };
  const shapes = describeBlock(cfg, { kind: 'zamba2', adapterRank: rank, ropeTheta: theta }).weightShapes;
  const w = Object.fromEntries(ZAMBA2_WEIGHT_NAMES.map((n) => [n, new Tensor(Float64Array.from(g.weights[fixtureName[n] ?? n]), shapes[n]!)]));
  const rows = (a: number[]) => new Tensor(Float64Array.from(a), [1, a.length / H, H]);
  const t = zamba2SharedBlock(rows(g.h1), rows(g.e1), w, z).data;
  assert.equal(t.length, g.t1.length);
  for (let i = 0; i < t.length; i++) assert.ok(Math.abs(t[i]! - g.t1[i]!) <= 1e-10 * (1 + Math.abs(g.t1[i]!)), `t1[${i}]: ${t[i]} vs ${g.t1[i]}`);
});

test('a fused gate|up shard (blocks = 2) is gate rows then up rows; its head pieces join back to it', () => {
  const w = new Tensor(Float64Array.from({ length: 8 * 3 }, (_, i) => i), [8, 3]); // gate rows 0–3, up rows 4–7
  const spec: ShardSpec = { name: 'gateUp', axis: 0, lo: 2, hi: 4, blocks: 2 }; // FFN columns 2, 3 of 4
  const shard = cutWeight(w, spec);
  assert.deepEqual(shard.shape, shardShape(spec, w.shape));
  assert.deepEqual(Array.from(shard.data), [6, 7, 8, 9, 10, 11, 18, 19, 20, 21, 22, 23]); // rows 2, 3, 6, 7
  const pieces = [0, 1].map((k) => evenPiece(shard, spec, 2, k));
  assert.deepEqual(Array.from(pieces[1]!.data), [9, 10, 11, 21, 22, 23]); // rows 3 and 7
  assert.deepEqual(Array.from(joinPieces(pieces, spec).data), Array.from(shard.data));
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].filter((i) => specCovers(spec, 8, 3, i, 0)), [2, 3, 6, 7]);
});

test('every Zamba2 weight and both inputs get a non-zero reference gradient (so parity is not vacuous)', () => {
  const block = describeBlock({ ...mha, dtype: 'f64' }, zamba2);
  const { x, dy, weights } = block.init(5);
  const ref = referenceGradients((xx, w) => block.forward(xx, w), x, weights, dy);
  const maxAbs = (t: Tensor) => Math.max(...Array.from(t.data as Float64Array, Math.abs));
  for (const n of ZAMBA2_WEIGHT_NAMES) assert.ok(maxAbs(ref.grads[n]!) > 1e-3, `d${n} is ${maxAbs(ref.grads[n]!)}`);
  assert.ok(maxAbs(ref.dx) > 1e-3);
  assert.deepEqual(ref.y.shape, [2, 16, 16]);
  assert.deepEqual(ref.dx.shape, [2, 16, 32]); // dh | de
});

for (const dtype of ['f32', 'f64'] as const) {
  const tol = dtype === 'f32' ? 1e-5 : 1e-10;
  for (const [label, cfg] of [['MHA (4 heads)', mha], ['GQA (8 query / 4 KV heads)', gqa]] as const) {
    test(`Zamba2 block under TP and TSP equals one device, ${dtype} (${tol}), ${label}, D = 1, 2, 4`, async (t) => {
      for (const layout of ['tp', 'tsp'] as LayoutName[]) {
        for (const D of [1, 2, 4]) {
          const { runs, report } = await parity({ cfg: { ...cfg, dtype }, block: zamba2, seed: 11, layout }, D);
          t.diagnostic(`${layout} D=${D} ${dtype} ${label}: max rel diff ${report.maxRelDiff.toExponential(2)}`);
          assert.ok(report.maxRelDiff < tol, `${layout} D=${D}: max rel diff ${report.maxRelDiff} (worst: ${JSON.stringify(report.perRank)})`);
          assert.ok(report.gradientsCovered, `${layout} D=${D}: some weight gradient element not returned by any rank`);
          // every rank checked Y, dh, de and a gradient of every weight (its shard or the replicated whole)
          for (const r of runs) assert.deepEqual(r.result.grads.map((g) => g.spec.name).sort(), [...ZAMBA2_WEIGHT_NAMES].sort());
        }
      }
    });
  }
}

test('Zamba2 block: the TP×SP mesh (2×2), SP, TSP head buckets and no-RoPE also equal one device', async () => {
  const cases: [string, LayoutRunArgs, number][] = [
    ['tpsp 2×2', { cfg: mha, block: zamba2, seed: 3, layout: 'tpsp', tp: 2 }, 4],
    ['sp 2', { cfg: mha, block: zamba2, seed: 3, layout: 'sp' }, 2],
    ['tsp 2, 2 head buckets', { cfg: { ...mha, dtype: 'f64' }, block: zamba2, seed: 3, layout: 'tsp', headBuckets: 2 }, 2],
    ['tp 2, no RoPE', { cfg: gqa, block: { ...zamba2, ropeTheta: null }, seed: 3, layout: 'tp' }, 2],
    ['tsp 4, no RoPE', { cfg: gqa, block: { ...zamba2, ropeTheta: null }, seed: 3, layout: 'tsp' }, 4],
  ];
  for (const [name, args, D] of cases) {
    const { report } = await parity(args, D);
    assert.ok(report.maxRelDiff < (args.cfg.dtype === 'f64' ? 1e-10 : 1e-5), `${name}: ${report.maxRelDiff}`);
    assert.ok(report.gradientsCovered, name);
  }
});

test('Zamba2 under TSP keeps the TSP schedule: all-reduce only for the replicated weights (norms, LoRA downs, linear)', async () => {
  const tsp = await runSimulated(4, blockLayoutProgram, { cfg: mha, block: zamba2, seed: 1, layout: 'tsp' });
  const tp = await runSimulated(4, blockLayoutProgram, { cfg: mha, block: zamba2, seed: 1, layout: 'tp' });
  const replicatedElements = 2 * 16 + 3 * 3 * 32 + 16 + 3 * 16 + 16 * 16; // inNorm, qA kA vA, ffNorm, mA, linear
  for (const r of tsp) {
    const moved = r.traffic.filter((x) => x.bytesSent + x.bytesRecv > 0);
    assert.deepEqual([...new Set(moved.filter((x) => x.layer !== 'grad-sync').map((x) => x.collective))].sort(), ['all-gather', 'broadcast', 'reduce', 'reduce-scatter', 'send-recv']);
    assert.deepEqual([...new Set(moved.filter((x) => x.layer === 'grad-sync').map((x) => x.collective))], ['all-reduce']);
    // ring all-reduce of the replicated gradients: 2·(D−1)/D of them sent per rank
    assert.equal(moved.filter((x) => x.layer === 'grad-sync').reduce((s, x) => s + x.bytesSent, 0), (2 * 3 / 4) * replicatedElements * 4);
  }
  for (const r of tp) assert.deepEqual([...new Set(r.traffic.filter((x) => x.bytesSent > 0).map((x) => x.collective))], ['all-reduce']);
});

test('Zamba2 block: ulysses, uneven head or FFN cuts and bad settings are clear errors', async () => {
  await assert.rejects(parity({ cfg: mha, block: zamba2, seed: 1, layout: 'ulysses' }, 2), /ulysses: block expected the transformer block \(the other blocks run under tp, sp, tpsp and tsp\), got zamba2/);
  await assert.rejects(parity({ cfg: { ...mha, heads: 8, kvHeads: 2 }, block: zamba2, seed: 1, layout: 'tsp' }, 4), /tsp: kvHeads expected a multiple of 4 \(the ranks that split it\), got 2/);
  await assert.rejects(parity({ cfg: { ...mha, ffn: 30 }, block: zamba2, seed: 1, layout: 'tp' }, 4), /tp: ffn expected a multiple of 4/);
  assert.throws(() => describeBlock({ ...mha, heads: 5, kvHeads: 5 }, zamba2), /zamba2 block: heads expected a divisor of the attention width 2·hidden \(32\), got 5/);
  assert.throws(() => describeBlock(mha, { ...zamba2, adapterRank: 0 }), /zamba2 block: adapterRank expected a positive integer, got 0/);
});

test('tessera parallel run --block zamba2 (worker threads, and --json) reports the parity with one device', () => {
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const run = (...a: string[]) => spawnSync(process.execPath, [cli, 'parallel', 'run', '--block', 'zamba2', ...a], { encoding: 'utf8', timeout: 120_000 });
  const text = run('--layout', 'tsp', '--ranks', '2', '--seq', '8', '--hidden', '16', '--heads', '4', '--ffn', '16', '--adapter-rank', '2');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /tsp on 2 worker threads: Zamba2 shared block \(r=2, RoPE θ=10000\): b=1 s=8 h=16 a=4 kv=4 f=16 f32/);
  const diff = Number(/single-device block \(outputs and every gradient\): (\S+)/.exec(text.stdout)![1]);
  assert.ok(diff < 1e-5, text.stdout);
  assert.match(text.stdout, /no prediction for this block/);
  const j = JSON.parse(run('--layout', 'tp', '--ranks', '2', '--seq', '8', '--hidden', '16', '--heads', '4', '--rope-theta', '0', '--transport', 'simulated', '--json').stdout);
  assert.ok(j.max_rel_diff < 1e-5);
  assert.equal(j.predicted, null);
  const bad = run('--layout', 'ulysses', '--ranks', '2', '--seq', '8', '--hidden', '16', '--heads', '4', '--transport', 'simulated');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /ulysses: block expected the transformer block/);
});
