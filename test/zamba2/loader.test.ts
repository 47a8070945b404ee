// The checkpoint loader on make-tiny output: every layout/storage variant loads to the same model, half
// precision is read exactly, and corrupted checkpoints (truncated file, wrong dtype, missing / extra /
// mis-shaped tensors, a broken shard index) are rejected with one error listing the problems before any
// tensor data is read or any computation runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadZamba2Checkpoint, writeTinyZamba2Checkpoint, Zamba2Model } from '../../src/models/zamba2/index.js';
import { readSafetensors, writeSafetensors, encodeHalf, decodeBf16, decodeF16 } from '../../src/io/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { isHalfWeight, weightBytes } from '../../src/nn/storedWeight.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-zamba2-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `ck${n++}`);
const ids = [1, 40, 41, 300, 7, 9, 12, 3];

function logitsOf(dir: string): ArrayLike<number> {
  const ck = loadZamba2Checkpoint(dir);
  const m = new Zamba2Model(ck.config, ck.weights);
  return m.forwardLast(ids, m.newCache());
}

test('single file, 3 shards with an index, legacy "blocks" layout and duplicated shared blocks load to the same model', () => {
  const base = fresh();
  const { tensors } = writeTinyZamba2Checkpoint(base, { seed: 4 });
  const ref = logitsOf(base);
  const ck = loadZamba2Checkpoint(base);
  assert.equal((ck.weights.embed as Tensor).data[5], tensors.get('model.embed_tokens.weight')![5]);
  assert.equal(ck.weights.lmHead, ck.weights.embed, 'tied lm_head');
  for (const variant of [{ shards: 3 }, { layout: 'blocks' as const }, { duplicateShared: true }, { layout: 'blocks' as const, shards: 2 }]) {
    const dir = fresh();
    writeTinyZamba2Checkpoint(dir, { seed: 4, ...variant });
    const info = loadZamba2Checkpoint(dir).info;
    if ('layout' in variant) assert.equal(info.layout, 'blocks');
    if ('duplicateShared' in variant) assert.equal(info.duplicatesSkipped, 24);
    assert.deepEqual(Array.from(logitsOf(dir)), Array.from(ref), JSON.stringify(variant));
  }
});

test('BF16 and F16 checkpoints are read exactly (the f32 weights rounded once)', () => {
  const dir32 = fresh();
  const { tensors } = writeTinyZamba2Checkpoint(dir32, { seed: 5 });
  for (const [dtype, decode] of [['BF16', decodeBf16], ['F16', decodeF16]] as const) {
    const dir = fresh();
    writeTinyZamba2Checkpoint(dir, { seed: 5, dtype });
    const ck = loadZamba2Checkpoint(dir);
    assert.deepEqual(ck.info.dtypes, [dtype]);
    const w = tensors.get('model.layers.1.mamba_decoder.mamba.in_proj.weight')!;
    const want = decode(encodeHalf(w, dtype), 0, w.length);
    assert.deepEqual(Array.from((ck.weights.layers[1]!.mamba.mixer.inProj as Tensor).data), Array.from(want));
    assert.ok(want.some((v, i) => v !== w[i]), 'rounding changed some values');
  }
});

function rewrite(dir: string, edit: (t: Record<string, Tensor>) => void): void {
  const file = join(dir, 'model.safetensors');
  const { tensors } = readSafetensors(file);
  const copy = { ...tensors };
  edit(copy);
  writeSafetensors(file, copy);
}

test('a truncated safetensors file is rejected, naming the file', () => {
  const dir = fresh();
  writeTinyZamba2Checkpoint(dir, {});
  const file = join(dir, 'model.safetensors');
  truncateSync(file, statSync(file).size - 100);
  assert.throws(() => loadZamba2Checkpoint(dir), (e: Error) => /unreadable file/.test(e.message) && e.message.includes(file) && /data section|bytes/.test(e.message));
});

test('a truncated shard among several is rejected', () => {
  const dir = fresh();
  writeTinyZamba2Checkpoint(dir, { shards: 3 });
  const shard = join(dir, 'model-00002-of-00003.safetensors');
  truncateSync(shard, 20);
  assert.throws(() => loadZamba2Checkpoint(dir), (e: Error) => e.message.includes('model-00002-of-00003.safetensors') && /unreadable file/.test(e.message));
});

test('a wrong dtype, a missing tensor, an extra tensor and a wrong shape are all listed in one error', () => {
  const dir = fresh();
  writeTinyZamba2Checkpoint(dir, {});
  rewrite(dir, (t) => {
    t['model.layers.0.mamba.D'] = new Tensor(new Int32Array(8), [8]);
    delete t['model.layers.2.mamba.out_proj.weight'];
    t['model.layers.0.mamba.bogus'] = new Tensor(new Float32Array(3), [3]);
    t['model.final_layernorm.weight'] = new Tensor(new Float32Array(33), [33]);
  });
  assert.throws(() => loadZamba2Checkpoint(dir), (e: Error) => {
    const m = e.message;
    return /wrong dtypes \(1\): model\.layers\.0\.mamba\.D: I32 \(expected F32, F16 or BF16\)/.test(m)
      && /missing tensors \(1\): model\.layers\.2\.mamba\.out_proj\.weight \[32, 64\]/.test(m)
      && /unexpected tensors \(1\): model\.layers\.0\.mamba\.bogus/.test(m)
      && /wrong shapes \(1\): model\.final_layernorm\.weight: \[33\] \(expected \[32\]\)/.test(m);
  });
});

test('a missing shard and an index that disagrees with the shards are rejected', () => {
  const dir = fresh();
  writeTinyZamba2Checkpoint(dir, { shards: 2 });
  const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
  const [name] = Object.keys(index.weight_map);
  index.weight_map[name!] = index.weight_map[name!] === 'model-00001-of-00002.safetensors' ? 'model-00002-of-00002.safetensors' : 'model-00001-of-00002.safetensors';
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
  assert.throws(() => loadZamba2Checkpoint(dir), new RegExp(`index puts ${name!.replace(/\./g, '\\.')} in`));
  unlinkSync(join(dir, 'model-00002-of-00002.safetensors'));
  assert.throws(() => loadZamba2Checkpoint(dir), /model-00002-of-00002\.safetensors expected to exist|no such file/);
});

test('a missing config.json or weights are named', () => {
  const dir = fresh();
  writeTinyZamba2Checkpoint(dir, {});
  unlinkSync(join(dir, 'model.safetensors'));
  assert.throws(() => loadZamba2Checkpoint(dir), /expected model\.safetensors, model\.safetensors\.index\.json or \*\.safetensors/);
  assert.throws(() => loadZamba2Checkpoint(join(root, 'nope')), /config\.json expected to exist/);
});

test('weights "stored" keeps BF16/F16 matrices as 16-bit words: the same logits as the widened model, half the bytes', () => {
  for (const dtype of ['BF16', 'F16'] as const) {
    const dir = fresh();
    writeTinyZamba2Checkpoint(dir, { seed: 6, dtype });
    const wide = loadZamba2Checkpoint(dir), stored = loadZamba2Checkpoint(dir, { weights: 'stored' });
    const inProj = stored.weights.layers[0]!.mamba.mixer.inProj;
    assert.ok(isHalfWeight(inProj) && inProj.format === dtype.toLowerCase(), 'in_proj held as words');
    assert.ok(!isHalfWeight(stored.weights.layers[0]!.mamba.inputNorm as never), 'norms stay float');
    const bytes = (ck: typeof wide) => [...ck.weights.named.values()].reduce((n, w) => n + weightBytes(w), 0);
    assert.ok(bytes(stored) < 0.6 * bytes(wide), `${bytes(stored)} vs ${bytes(wide)}`);
    const a = new Zamba2Model(wide.config, wide.weights), b = new Zamba2Model(stored.config, stored.weights);
    const la = a.forwardLast(ids, a.newCache()), lb = b.forwardLast(ids, b.newCache());
    for (let i = 0; i < la.length; i++) assert.ok(Math.abs(la[i]! - lb[i]!) <= 1e-4 * (1 + Math.abs(la[i]!)), `${dtype} logit ${i}: ${la[i]} vs ${lb[i]}`);
    const step = b.newCache();
    b.forwardLast(ids.slice(0, -1), step);
    const last = b.forwardLast(ids.slice(-1), step, 'recurrent');
    for (let i = 0; i < la.length; i++) assert.ok(Math.abs(la[i]! - last[i]!) <= 1e-3 * (1 + Math.abs(la[i]!)), `${dtype} decode-step logit ${i}`);
  }
});

test('a model larger than the memory limit is refused before reading, with the bytes it needs', () => {
  const dir = fresh();
  writeTinyZamba2Checkpoint(dir, { dtype: 'BF16' });
  assert.throws(() => loadZamba2Checkpoint(dir, { memoryLimitBytes: 1000 }), (e: Error) => /needs 0\.\d+ GB for its weights \(f32\), but only 0\.00 GB/.test(e.message) && /weights "stored"/.test(e.message));
  assert.throws(() => loadZamba2Checkpoint(dir, { memoryLimitBytes: 1000, weights: 'stored' }), /\(stored\)/);
  assert.ok(loadZamba2Checkpoint(dir, { memoryLimitBytes: 1e9 }).weights);
});
