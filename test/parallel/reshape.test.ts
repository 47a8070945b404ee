// Checkpoint reshaping: single → tp=4 → tsp=2 → single (and zero1, uneven flat splits) reproduces every
// model and optimizer byte; bad checksums and tampered replicas are detected and named; TP shards are the
// Megatron column/row slices; a reshaped training checkpoint resumes bit-identically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor/index.js';
import {
  assembleCheckpoint, parseLayout, parseShardManifest, reshapeCheckpoint, shardCheckpoint, splitAlong, stateFromSafetensors, trainingCheckpointBytes,
  type CheckpointState, type ShardedCheckpoint,
} from '../../src/parallel/reshape/index.js';
import { randomTensor } from '../support/random.js';
import { faultRun, weights } from '../support/faultRun.js';

function f32(seed: number, shape: number[]): Tensor {
  return randomTensor(seed, shape, -1, 1, 'f32');
}

/** A two-layer transformer-like state with Adam buffers, a NaN with a payload, an f64 and an i32 tensor. */
function transformerState(): CheckpointState {
  const h = 12, f = 24, V = 10;
  const model: Record<string, Tensor> = { 'embed_tokens.weight': f32(1, [V, h]), 'norm.weight': f32(2, [h]) };
  for (let l = 0; l < 2; l++) {
    const p = `layers.${l}.`;
    Object.assign(model, {
      [`${p}input_layernorm.weight`]: f32(10 + l, [h]),
      [`${p}self_attn.q_proj.weight`]: f32(20 + l, [h, h]), [`${p}self_attn.k_proj.weight`]: f32(30 + l, [h, h]),
      [`${p}self_attn.v_proj.weight`]: f32(40 + l, [h, h]), [`${p}self_attn.o_proj.weight`]: f32(50 + l, [h, h]),
      [`${p}self_attn.q_proj.bias`]: f32(55 + l, [h]), [`${p}self_attn.o_proj.bias`]: f32(56 + l, [h]),
      [`${p}mlp.gate_proj.weight`]: f32(60 + l, [f, h]), [`${p}mlp.up_proj.weight`]: f32(70 + l, [f, h]), [`${p}mlp.down_proj.weight`]: f32(80 + l, [h, f]),
    });
  }
  const nan = model['layers.0.self_attn.q_proj.weight']!.data as Float32Array;
  new Uint32Array(nan.buffer)[3] = 0x7fc12345; // a NaN payload must survive
  model['router.temperature'] = randomTensor(5, [3], -1, 1, 'f64');
  model['position_ids'] = new Tensor(Int32Array.from([0, 1, 2, 3, 4]), [5]);
  const optimizer: Record<string, Tensor> = {};
  let seed = 1000;
  for (const [name, t] of Object.entries(model)) {
    if (t.dtype === 'i32') continue;
    optimizer[`${name}/m`] = randomTensor(seed++, [...t.shape], -1, 1, t.dtype);
    optimizer[`${name}/v`] = randomTensor(seed++, [...t.shape], 0, 1, t.dtype);
  }
  return { model, optimizer, optimizerMeta: { name: 'adam', stepCount: 17, hyper: { lr: 0.001 } }, metadata: { progress: '{"step":17}' } };
}

const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

function assertSameState(a: CheckpointState, b: CheckpointState): void {
  for (const group of ['model', 'optimizer'] as const) {
    assert.deepEqual(Object.keys(a[group]).sort(), Object.keys(b[group]).sort(), group);
    for (const [k, t] of Object.entries(a[group])) {
      const u = b[group][k]!;
      assert.equal(u.dtype, t.dtype, k);
      assert.deepEqual(u.shape, t.shape, k);
      assert.ok(bytes(t).equals(bytes(u)), `${group} ${k}: bytes differ`);
    }
  }
  assert.deepEqual(a.optimizerMeta, b.optimizerMeta);
  assert.deepEqual(a.metadata, b.metadata);
}

const reader = (s: ShardedCheckpoint) => (file: string) => {
  const b = s.files[file];
  if (!b) throw new Error(`no file ${file}`);
  return b;
};

test('single → tp=4 → tsp=2 → single is bit-exact for model and optimizer state (and through zero1=3, tsp=3, tp=2)', () => {
  const state = transformerState();
  const single = shardCheckpoint(state, parseLayout('single'));
  assert.deepEqual(Object.keys(single.files).sort(), ['model.safetensors', 'optimizer.safetensors']);
  const tp4 = reshapeCheckpoint(single.manifest, reader(single), parseLayout('tp=4'));
  assert.equal(tp4.manifest.files.length, 4);
  const tsp2 = reshapeCheckpoint(tp4.manifest, reader(tp4), parseLayout('tsp=2'));
  const back = reshapeCheckpoint(tsp2.manifest, reader(tsp2), parseLayout('single'));
  assertSameState(state, assembleCheckpoint(back.manifest, reader(back)));
  for (const [name, b] of Object.entries(single.files)) assert.ok(Buffer.from(b).equals(Buffer.from(back.files[name]!)), `${name} differs byte for byte`);
  let current = single;
  for (const l of ['zero1=3', 'tsp=3', 'tp=2', 'zero1=8', 'single']) {
    current = reshapeCheckpoint(current.manifest, reader(current), parseLayout(l));
    assertSameState(state, assembleCheckpoint(current.manifest, reader(current)));
  }
  // the manifest survives JSON and describes every shard
  const m = parseShardManifest(JSON.stringify(tp4.manifest));
  for (const f of m.files) assert.match(f.crc32, /^[0-9a-f]{8}$/);
});

test('TP shards are Megatron slices: q/gate/up by output rows, o/down by input columns, norms replicated, optimizer buffers like their parameter', () => {
  const state = transformerState();
  const tp = shardCheckpoint(state, parseLayout('tp=4'));
  const rank = (r: number) => stateFromSafetensors(tp.files[`rank-0000${r}-of-00004.safetensors`]!, 'rank').model;
  const q = state.model['layers.1.self_attn.q_proj.weight']!, down = state.model['layers.1.mlp.down_proj.weight']!;
  for (let r = 0; r < 4; r++) {
    const files = rank(r);
    assert.ok(bytes(files['model/layers.1.self_attn.q_proj.weight']!).equals(bytes(splitAlong(q, 0, 4)[r]!)));
    assert.deepEqual(files['model/layers.1.mlp.down_proj.weight']!.shape, [12, 6]);
    assert.ok(bytes(files['model/layers.1.mlp.down_proj.weight']!).equals(bytes(splitAlong(down, 1, 4)[r]!)));
    assert.deepEqual(files['model/norm.weight']!.shape, [12]);
    assert.deepEqual(files['optim/layers.1.mlp.up_proj.weight/m']!.shape, [6, 12]);
  }
  assert.deepEqual(tp.manifest.model['layers.0.self_attn.o_proj.bias']!.placement, { kind: 'replicated' });
  assert.deepEqual(tp.manifest.model['layers.0.self_attn.q_proj.bias']!.placement, { kind: 'split', dim: 0 });
  // TSP keeps 1/D of the state: nothing replicated; the norm is split flat
  const tsp = shardCheckpoint(state, parseLayout('tsp=2'));
  assert.ok(Object.values(tsp.manifest.model).every((r) => r.placement.kind !== 'replicated'));
  assert.deepEqual(tsp.manifest.model['norm.weight']!.placement, { kind: 'flat' });
  const total = Object.values(state.model).reduce((n, t) => n + t.data.byteLength, 0) + Object.values(state.optimizer).reduce((n, t) => n + t.data.byteLength, 0);
  const stored = Object.values(tsp.files).reduce((n, b) => n + Object.values(stateFromSafetensors(b, 'shard').model).reduce((m, t) => m + t.data.byteLength, 0), 0);
  assert.equal(stored, total, 'tsp=2 stores every byte of state exactly once');
  // ZeRO-1: parameters once, optimizer state partitioned
  const z = shardCheckpoint(state, parseLayout('zero1=8'));
  assert.deepEqual(z.manifest.files.map((f) => f.file)[0], 'model.safetensors');
  assert.equal(z.manifest.files.length, 9);
  assert.ok(Object.values(z.manifest.optimizer).every((r) => r.placement.kind === 'zero1'));
});

test('a shard with a bad checksum is detected and named; truncation, tampered replicas and indivisible shapes too', () => {
  const state = transformerState();
  const tp = shardCheckpoint(state, parseLayout('tp=4'));
  const corrupt = { ...tp.files };
  const victim = 'rank-00002-of-00004.safetensors';
  corrupt[victim] = Uint8Array.from(corrupt[victim]!, (b, i) => (i === corrupt[victim]!.length - 5 ? b ^ 1 : b));
  assert.throws(() => assembleCheckpoint(tp.manifest, (f) => corrupt[f]!), /shard rank-00002-of-00004\.safetensors \(rank 2\): expected CRC-32 [0-9a-f]{8} \(manifest\), got [0-9a-f]{8} — the shard is corrupt/);
  corrupt[victim] = tp.files[victim]!.slice(0, 100);
  assert.throws(() => assembleCheckpoint(tp.manifest, (f) => corrupt[f]!), /rank-00002-of-00004\.safetensors \(rank 2\): expected \d+ bytes \(manifest\), got 100/);
  // A replica that differs (with a checksum recomputed to match) is still caught.
  const tampered = shardCheckpoint({ ...state }, parseLayout('tp=2'));
  const r1 = stateFromSafetensors(tampered.files['rank-00001-of-00002.safetensors']!, 'r1');
  const other = shardCheckpoint({ ...state, model: { ...state.model, 'norm.weight': f32(99, [12]) } }, parseLayout('tp=2'));
  const mixed: Record<string, Uint8Array> = { ...tampered.files, 'rank-00001-of-00002.safetensors': other.files['rank-00001-of-00002.safetensors']! };
  const manifest = { ...tampered.manifest, files: tampered.manifest.files.map((f) => (f.rank === 1 ? other.manifest.files[1]! : f)) };
  assert.ok(r1.model);
  assert.throws(() => assembleCheckpoint(manifest, (f) => mixed[f]!), /replicated tensor norm\.weight: rank 1's copy differs from rank 0's/);
  assert.throws(() => shardCheckpoint(state, parseLayout('tp=5')), /layers\.0\.mlp\.down_proj\.weight \[12, 24\] is row-parallel: dim 1 \(24\) expected divisible by tp=5/);
  assert.throws(() => parseLayout('pp=2'), /--to expected single, tp=D, tsp=D or zero1=N/);
  assert.throws(() => parseShardManifest('{"format":"x"}', 'd/manifest.json'), /d\/manifest\.json: expected format "tessera-sharded-1"/);
});

test('a real training checkpoint reshaped single → tp=2 → tsp=2 → back resumes to weights bit-identical to an uninterrupted run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-reshape-'));
  try {
    const full = faultRun(join(root, 'full'));
    await full;
    await faultRun(join(root, 'a'), { maxSteps: 16 });
    const state = stateFromSafetensors(new Uint8Array(readFileSync(join(root, 'a', 'step-000000016.safetensors'))), 'step-16');
    assert.ok(Object.keys(state.optimizer).length > 0);
    const roles = { '0.weight': 'column', '0.bias': 'column', '2.weight': 'row' } as const;
    let s = shardCheckpoint(state, parseLayout('single'));
    for (const l of ['tp=2', 'tsp=2', 'single']) s = reshapeCheckpoint(s.manifest, reader(s), parseLayout(l), { roles });
    mkdirSync(join(root, 'b'));
    writeFileSync(join(root, 'b', 'step-000000016.safetensors'), trainingCheckpointBytes(assembleCheckpoint(s.manifest, reader(s))));
    const resumed = faultRun(join(root, 'b'));
    assert.equal((await resumed).resumedFrom, join(root, 'b', 'step-000000016.safetensors'));
    assert.deepEqual(weights(resumed.model), weights(full.model));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
