// Condensed safetensors files: round trip, and each kind of bad file rejected with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { key } from '../../src/core/random.js';
import * as T from '../../src/tensor/index.js';
import { readSafetensors, writeSafetensors } from '../../src/io/index.js';
import { Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { condenseLinear, condenseMlp, condensedMlpForward } from '../../src/sparse/condensed.js';
import { describeCondensed, parseCondensed, serializeCondensed } from '../../src/sparse/condensedFile.js';
import { loadCondensed, saveCondensed } from '../../src/train/sparseServing.js';
import { fanInMask } from './condensedHelpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-condensed-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function model(): Sequential {
  const m = new Sequential(new Linear(10, 8, { key: key(1) }), ReLU(), new Linear(8, 4, { key: key(2) }));
  m.setMask('0.weight', new T.Tensor(fanInMask(8, 10, 3, [1, 6], 3), [8, 10]));
  m.setMask('2.weight', new T.Tensor(fanInMask(4, 8, 5, [], 4), [4, 8]));
  return m;
}

test('save → load round trip keeps every array, the description and the outputs', () => {
  const mlp = condenseMlp(model());
  const file = join(dir, 'mlp.safetensors');
  saveCondensed(file, mlp);
  const back = loadCondensed(file);
  assert.deepEqual(describeCondensed(back), describeCondensed(mlp));
  back.layers.forEach((l, i) => {
    const o = mlp.layers[i]!;
    assert.deepEqual(Array.from(l.values.data), Array.from(o.values.data));
    assert.deepEqual(Array.from(l.indices.data), Array.from(o.indices.data));
    assert.equal(l.indices.dtype, o.indices.dtype);
    assert.deepEqual(Array.from(l.activeRows), Array.from(o.activeRows));
    assert.deepEqual(l.bias && Array.from(l.bias.data), o.bias && Array.from(o.bias.data));
  });
  const x = T.random.normal(key(5), [3, 10]);
  assert.deepEqual(condensedMlpForward(back, x).toArray(), condensedMlpForward(mlp, x).toArray());
  // a single layer without bias, i32 indices
  const inF = 70_000, mask = new Uint8Array(2 * inF);
  mask[7] = mask[inF + 69_000] = 1;
  const single = condenseLinear({ weight: T.random.normal(key(6), [2, inF]), mask });
  saveCondensed(join(dir, 'single.safetensors'), single);
  const s = loadCondensed(join(dir, 'single.safetensors'));
  assert.ok(s.layers[0]!.indices.data instanceof Int32Array && s.layers[0]!.bias === null);
  assert.deepEqual(Array.from(s.layers[0]!.indices.data), [7, 69_000]);
  assert.equal(readdirSync(dir).filter((f) => f.includes('.tmp')).length, 0, 'no temp files left');
});

/** Rewrite a valid file with `edit` applied to its tensors and description. */
function tampered(name: string, edit: (tensors: Record<string, T.Tensor>, meta: Record<string, any>) => void): string {
  const good = join(dir, `good-${name}.safetensors`);
  saveCondensed(good, condenseMlp(model()));
  const { tensors, metadata } = readSafetensors(good);
  const meta = JSON.parse(metadata['tessera.condensed']!);
  edit(tensors, meta);
  const bad = join(dir, `bad-${name}.safetensors`);
  writeSafetensors(bad, tensors, { metadata: { 'tessera.condensed': JSON.stringify(meta) } });
  return bad;
}

test('an out-of-range index is rejected, naming the tensor, element, row and range', () => {
  const file = tampered('index', (t) => {
    const idx = t['layers.1.indices']!.data as Uint16Array;
    idx[7] = 6; // layer 1 reads layer 0's 6 active rows: indices must be < 6
  });
  assert.throws(() => loadCondensed(file), /bad-index\.safetensors: tensor "layers\.1\.indices" element 7 \(row 1\) expected an input index in \[0, 6\), got 6/);
});

test('a fan-in that is not constant (shape disagrees with the fan-in) is rejected', () => {
  const file = tampered('fanin', (t) => {
    const v = t['layers.0.values']!; // [6, 3] → [3, 6]: same numbers, rows of another length
    t['layers.0.values'] = T.reshape(v, [3, 6]);
  });
  assert.throws(() => loadCondensed(file), /tensor "layers\.0\.values" expected shape \[6, 3\] — \[n_active, fan_in\] from the description; a different second dimension means the fan-in is not the constant 3, got \[3, 6\]/);
  const file2 = tampered('fanin2', (t) => {
    t['layers.1.indices'] = T.reshape(t['layers.1.indices']!, [10, 2]);
  });
  assert.throws(() => loadCondensed(file2), /layers\.1\.indices" expected shape \[4, 5\]/);
});

test('shapes disagreeing with the description are rejected', () => {
  const rows = tampered('nactive', (_t, meta) => {
    meta.layers[0].n_active = 5;
    meta.layers[1].in_features = 5;
  });
  assert.throws(() => loadCondensed(rows), /tensor "layers\.0\.values" expected shape \[5, 3\]/);
  const chain = tampered('chain', (_t, meta) => {
    meta.layers[1].in_features = 7;
  });
  assert.throws(() => loadCondensed(chain), /layers\[1\]\.in_features expected layer 0's n_active = 6, got 7/);
  const bias = tampered('bias', (t) => {
    t['layers.1.bias'] = T.zeros([3]);
  });
  assert.throws(() => loadCondensed(bias), /tensor "layers\.1\.bias" expected shape \[4\] — \[n_active\] from the description, got \[3\]/);
});

test('dtype mismatches, bad active rows, missing or foreign metadata and stray tensors are rejected', () => {
  const dtype = tampered('dtype', (t) => {
    t['layers.0.indices'] = T.cast(t['layers.0.indices']!, 'i32');
  });
  assert.throws(() => loadCondensed(dtype), /tensor "layers\.0\.indices" expected dtype U16 \(index_dtype "u16"\), got I32/);
  const values = tampered('values', (t) => {
    t['layers.0.values'] = T.cast(t['layers.0.values']!, 'f64');
  });
  assert.throws(() => loadCondensed(values), /"layers\.0\.values" expected dtype F32, got F64/);
  const order = tampered('order', (t) => {
    const r = t['layers.0.active_rows']!.data as Int32Array;
    [r[1], r[2]] = [r[2]!, r[1]!];
  });
  assert.throws(() => loadCondensed(order), /"layers\.0\.active_rows" element 2 expected strictly increasing rows/);
  const range = tampered('rowrange', (t) => {
    (t['layers.1.active_rows']!.data as Int32Array)[3] = 4;
  });
  assert.throws(() => loadCondensed(range), /"layers\.1\.active_rows" element 3 expected a row in \[0, 4\), got 4/);
  const extra = tampered('extra', (t) => {
    t['layers.2.values'] = T.zeros([1]);
  });
  assert.throws(() => loadCondensed(extra), /unexpected tensors "layers\.2\.values"/);
  const version = tampered('version', (_t, meta) => {
    meta.version = 3;
  });
  assert.throws(() => loadCondensed(version), /description "version" expected 1 or 2 \(this tessera writes 2\), got 3/);
  const plain = join(dir, 'plain.safetensors');
  writeSafetensors(plain, { w: T.zeros([2]) });
  assert.throws(() => loadCondensed(plain), /metadata "tessera\.condensed" expected .*got none — not a condensed file\?/);
  const nan = tampered('nan', (t) => {
    (t['layers.1.values']!.data as Float32Array)[0] = NaN;
  });
  assert.throws(() => loadCondensed(nan), /"layers\.1\.values" element 0 expected a finite number, got NaN/);
});

test('parseCondensed reads the bytes saveCondensed writes (serializeCondensed), with loadCondensed\'s checks and error text', () => {
  const mlp = condenseMlp(model());
  const file = join(dir, 'bytes.safetensors');
  saveCondensed(file, mlp);
  const bytes = new Uint8Array(readFileSync(file));
  assert.deepEqual(bytes, serializeCondensed(mlp));
  const back = parseCondensed(bytes, 'bytes.safetensors');
  assert.deepEqual(describeCondensed(back), describeCondensed(mlp));
  const x = T.random.normal(key(5), [3, 10]);
  assert.deepEqual(condensedMlpForward(back, x).toArray(), condensedMlpForward(mlp, x).toArray());
  // A truncated file and a plain (non-condensed) safetensors file: the same message from bytes as from the path.
  const cut = join(dir, 'cut.safetensors');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
  const message = (f: () => unknown): string => { try { f(); } catch (e) { return (e as Error).message; } return 'no error'; };
  const fromPath = message(() => loadCondensed(cut));
  assert.match(fromPath, /cut\.safetensors: tensor "layers\.\d\.\w+": "data_offsets" \[\d+, \d+\] expected inside the \d+-byte data section/);
  assert.equal(message(() => parseCondensed(bytes.subarray(0, bytes.length - 10), cut)), fromPath);
  const plain = join(dir, 'plain-bytes.safetensors');
  writeSafetensors(plain, { w: T.ones([2, 2]) });
  assert.equal(message(() => parseCondensed(new Uint8Array(readFileSync(plain)), plain)), message(() => loadCondensed(plain)));
  assert.match(message(() => loadCondensed(plain)), /metadata "tessera\.condensed" expected .*not a condensed file\?/);
});
