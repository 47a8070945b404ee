// Fuzzed condensed files and training checkpoints: truncations at every kind of offset, random byte flips in
// the header and the data, lying headers (shapes far larger than the file), out-of-range indices, a fan-in
// that is not constant, wrong versions. Every case must either load (a flip in tensor data can be harmless)
// or throw a TesseraError that names the file — never a RangeError/TypeError or a huge allocation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { key, split, uniformValues } from '../../src/core/random.js';
import { TesseraError } from '../../src/core/errors.js';
import { parseCheckpoint, serializeCheckpoint, parseSafetensors, serializeSafetensors } from '../../src/io/index.js';
import { mlp } from '../../src/nn/index.js';
import { sgd } from '../../src/optim/index.js';
import { createDynamicSparsity, condenseMlp } from '../../src/sparse/index.js';
import { loadCondensed, saveCondensed, trainingCheckpoint, type TrainProgress } from '../../src/train/index.js';
import { Tensor } from '../../src/tensor/index.js';

/** A small SRigL-sparse MLP, its optimizer and driver. */
function sparseModel() {
  const [km, ks] = split(key(3), 2);
  const model = mlp([12, 16, 4], km!);
  const optimizer = sgd({ lr: 0.1, momentum: 0.9 });
  const ds = createDynamicSparsity(model, optimizer, { method: 'srigl', sparsity: 0.7, distribution: 'uniform', totalSteps: 10, key: ks! });
  return { model, optimizer, ds };
}

/** Deterministic mutations of `bytes`: truncations, flips in the header and in the data, a lying length prefix. */
function mutations(bytes: Uint8Array, seed: number, count: number): { name: string; bytes: Uint8Array }[] {
  const u = uniformValues(key(seed), 3 * count, 'f64');
  const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const cut of [0, 1, 7, 8, 9, headerEnd - 1, headerEnd, headerEnd + 1, bytes.length - 1]) out.push({ name: `truncated to ${cut}`, bytes: bytes.slice(0, cut) });
  for (let i = 0; i < count; i++) {
    const b = bytes.slice();
    const inHeader = u[3 * i]! < 0.7;
    const at = inHeader ? 8 + Math.floor(u[3 * i + 1]! * (headerEnd - 8)) : headerEnd + Math.floor(u[3 * i + 1]! * (bytes.length - headerEnd));
    b[at] = Math.floor(u[3 * i + 2]! * 256);
    out.push({ name: `byte ${at} (${inHeader ? 'header' : 'data'}) set to ${b[at]}`, bytes: b });
  }
  const lying = bytes.slice();
  new DataView(lying.buffer).setBigUint64(0, 1n << 40n, true);
  out.push({ name: 'header length 2^40', bytes: lying });
  return out;
}

/** A JSON header rewritten by `edit` over the original tensor data. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] } | Record<string, string>>) => void): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(bytes.subarray(8 + n), 8 + text.length);
  return out;
}

/** Runs `load`; returns whether it threw (a TesseraError naming the file — anything else fails the test). */
function expectCleanOutcome(load: () => unknown, name: string, where: RegExp): boolean {
  try {
    load();
    return false;
  } catch (e) {
    assert.ok(e instanceof TesseraError, `${name}: expected a TesseraError, got ${(e as Error).name}: ${(e as Error).message}`);
    assert.match(e.message, where, `${name}: the error names the file`);
    return true;
  }
}

/** Truncated files and a lying length prefix must always be rejected; most header flips too. */
function checkRejections(cases: { name: string }[], threw: boolean[]): void {
  cases.forEach((c, i) => {
    if (/^truncated|^header length|shape \[1e9/.test(c.name)) assert.ok(threw[i], `${c.name} was accepted`);
  });
  assert.ok(threw.filter(Boolean).length > cases.length / 3, `only ${threw.filter(Boolean).length} of ${cases.length} mutations rejected`);
}

test('fuzzed condensed files: every truncation, flip and lying header loads or gives a TesseraError naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-fuzz-'));
  try {
    const { model, ds } = sparseModel();
    for (const [path, m] of Object.entries(ds.stateDict().masks)) model.setMask(path, m);
    const file = join(dir, 'good.safetensors');
    saveCondensed(file, condenseMlp(model));
    const good = new Uint8Array(readFileSync(file));
    const bad = join(dir, 'bad.safetensors');
    const cases = mutations(good, 11, 200);
    const huge = withHeader(good, (h) => {
      (h['layers.0.values'] as { shape: number[] }).shape = [1e9, 1e9];
    });
    cases.push({ name: 'values shape [1e9, 1e9]', bytes: huge });
    const threw = cases.map((c) => {
      writeFileSync(bad, c.bytes);
      return expectCleanOutcome(() => loadCondensed(bad), c.name, /bad\.safetensors/);
    });
    checkRejections(cases, threw);
    // The specific failures say what was expected.
    const outOfRange = parseSafetensors(good, 'good');
    (outOfRange.tensors['layers.1.indices']!.data as Uint16Array)[0] = 16; // layer 1 reads 16 features: 16 is out of range
    writeFileSync(bad, serializeSafetensors(outOfRange.tensors, { metadata: outOfRange.metadata }));
    assert.throws(() => loadCondensed(bad), /tensor "layers\.1\.indices" element 0 \(row 0\) expected an input index in \[0, 16\), got 16/);
    const fanIn = withHeader(good, (h) => {
      const meta = JSON.parse((h.__metadata__ as Record<string, string>)['tessera.condensed']!);
      meta.layers[0].fan_in += 1;
      (h.__metadata__ as Record<string, string>)['tessera.condensed'] = JSON.stringify(meta);
    });
    writeFileSync(bad, fanIn);
    assert.throws(() => loadCondensed(bad), /expected shape \[\d+, \d+\] — \[n_active, fan_in\] from the description; a different second dimension means the fan-in is not the constant/);
    const version = withHeader(good, (h) => {
      const meta = JSON.parse((h.__metadata__ as Record<string, string>)['tessera.condensed']!);
      meta.version = 9;
      (h.__metadata__ as Record<string, string>)['tessera.condensed'] = JSON.stringify(meta);
    });
    writeFileSync(bad, version);
    assert.throws(() => loadCondensed(bad), /description "version" expected 1 or 2 \(this tessera writes 2\), got 9/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fuzzed training checkpoints: truncations, flips, lying headers, bad masks and old versions give TesseraErrors naming the file', () => {
  const { model, optimizer, ds } = sparseModel();
  const progress: TrainProgress = { step: 3, epoch: 0, batchInEpoch: 3, key: key(1), history: [] };
  const good = serializeCheckpoint(trainingCheckpoint(model, optimizer, progress, { sparsity: ds, preprocessing: { mean: 0.1, std: 0.3, flatten: true } }));
  const round = parseCheckpoint(good, 'ck');
  assert.deepEqual(Object.keys(round.sparsity!.masks).sort(), ['0.weight', '2.weight']);
  assert.deepEqual(round.preprocessing, { mean: 0.1, std: 0.3, flatten: true });
  const cases = mutations(good, 12, 200);
  checkRejections(cases, cases.map((c) => expectCleanOutcome(() => parseCheckpoint(c.bytes, 'fuzz.safetensors'), c.name, /fuzz\.safetensors/)));
  const huge = withHeader(good, (h) => {
    (h['model/0.weight'] as { shape: number[] }).shape = [1e9, 1e9];
  });
  expectCleanOutcome(() => parseCheckpoint(huge, 'huge.safetensors'), 'lying shape', /huge\.safetensors/);
  assert.throws(() => parseCheckpoint(huge, 'huge.safetensors'), TesseraError);

  const file = parseSafetensors(good, 'ck');
  const rewrite = (edit: (t: Record<string, Tensor>, m: Record<string, string>) => void): Uint8Array => {
    const tensors = { ...file.tensors }, metadata = { ...file.metadata };
    edit(tensors, metadata);
    return serializeSafetensors(tensors, { metadata });
  };
  const old = rewrite((_t, m) => {
    m.format = 'tessera-checkpoint-1';
  });
  assert.throws(() => parseCheckpoint(old, 'old.safetensors'), /old\.safetensors: format 'tessera-checkpoint-1' was written by an older tessera; this version reads 'tessera-checkpoint-2'/);
  const notTwo = rewrite((t) => {
    const m = t['mask/0.weight']!;
    t['mask/0.weight'] = new Tensor(Uint8Array.from(m.data, (v, i) => (i === 5 ? 2 : v)), m.shape);
  });
  assert.throws(() => parseCheckpoint(notTwo, 'm.safetensors'), /tensor "mask\/0\.weight" element 5 expected 0 or 1, got 2/);
  const orphan = rewrite((t) => {
    t['mask/9.weight'] = t['mask/0.weight']!;
  });
  assert.throws(() => parseCheckpoint(orphan, 'o.safetensors'), /tensor "mask\/9\.weight" masks no tensor \(expected "model\/9\.weight"\)/);
  const shape = rewrite((t) => {
    t['mask/0.weight'] = t['mask/2.weight']!;
  });
  assert.throws(() => parseCheckpoint(shape, 's.safetensors'), /tensor "mask\/0\.weight" expected the shape of its weight \[16, 12\], got \[4, 16\]/);
  const prefix = rewrite((t) => {
    t['stray'] = t['model/0.bias']!;
  });
  assert.throws(() => parseCheckpoint(prefix, 'p.safetensors'), /tensor "stray" expected under model\/, optim\/, mask\/, sparsity\//);
  const json = rewrite((_t, m) => {
    m.preprocessing = '{"mean": 0, "std": -1, "flatten": true}';
  });
  assert.throws(() => parseCheckpoint(json, 'j.safetensors'), /metadata "preprocessing" expected \{ mean: finite, std: finite > 0, flatten: boolean \}/);
  // the sparse state itself is checked against the run it is loaded into
  const other = sparseModel();
  const wrongMethod = { ...round.sparsity!, meta: { ...(round.sparsity!.meta as object), method: 'rigl' } };
  assert.throws(() => other.ds.loadStateDict(wrongMethod), /meta\.method expected 'srigl'/);
});
