// `tessera ckpt reshape` / `ckpt verify` through the binary: a training checkpoint → tp=2 → tsp=2 →
// single and back to a training checkpoint, byte-identical tensors; a corrupt shard is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../src/io/safetensors.js';
import { faultRun } from '../support/faultRun.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

test('ckpt reshape: training checkpoint → tp=2 → tsp=2 → single (+ training checkpoint) is bit-exact; verify names a corrupt shard', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-ckpt-'));
  try {
    await faultRun(join(root, 'run'), { maxSteps: 8 });
    const source = join(root, 'run', 'step-000000008.safetensors');
    const steps: [string, string][] = [[source, 'tp=2'], [join(root, 'tp2'), 'tsp=2'], [join(root, 'tsp2'), 'single']];
    for (const [input, to] of steps) {
      const out = join(root, to === 'single' ? 'single' : to.replace('=', ''));
      const r = run('ckpt', 'reshape', '--in', input, '--to', to, '--out', out, '--roles', '0.weight=column,0.bias=column,2.weight=row',
        ...(to === 'single' ? ['--training-checkpoint', join(root, 'back.safetensors')] : []));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`→ ${to}: 4 model and 8 optimizer tensors`));
    }
    assert.deepEqual(readdirSync(join(root, 'tp2')).sort(), ['manifest.json', 'rank-00000-of-00002.safetensors', 'rank-00001-of-00002.safetensors']);
    const a = readSafetensors(source), b = readSafetensors(join(root, 'back.safetensors'));
    assert.deepEqual(Object.keys(b.tensors).sort(), Object.keys(a.tensors).sort());
    for (const [k, t] of Object.entries(a.tensors)) assert.ok(Buffer.from(t.data.buffer).equals(Buffer.from(b.tensors[k]!.data.buffer)), k);
    assert.equal(b.metadata.progress, a.metadata.progress);
    assert.deepEqual(JSON.parse(b.metadata.optimizer!), JSON.parse(a.metadata.optimizer!));
    const hf = readSafetensors(join(root, 'single', 'model.safetensors'));
    assert.deepEqual(Object.keys(hf.tensors).sort(), ['0.bias', '0.weight', '2.bias', '2.weight']);

    const ok = run('ckpt', 'verify', '--in', join(root, 'tsp2'));
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /tsp=2, 2 file\(s\) verified/);
    const shard = join(root, 'tsp2', 'rank-00001-of-00002.safetensors');
    const bytes = readFileSync(shard);
    bytes[bytes.length - 3] ^= 0x40;
    writeFileSync(shard, bytes);
    const bad = run('ckpt', 'verify', '--in', join(root, 'tsp2'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /shard rank-00001-of-00002\.safetensors \(rank 1\): expected CRC-32 [0-9a-f]{8} \(manifest\), got [0-9a-f]{8} — the shard is corrupt/);
    assert.match(run('ckpt', 'reshape', '--in', join(root, 'tsp2'), '--to', 'single', '--out', join(root, 'x')).stderr, /rank-00001-of-00002\.safetensors \(rank 1\)/);
    assert.match(run('ckpt', 'reshape', '--in', source, '--to', 'tp=two', '--out', join(root, 'y')).stderr, /--to expected single, tp=D/);
    assert.match(run('ckpt', 'reshape', '--in', source, '--to', 'tp=2', '--out', join(root, 'tp2')).stderr, /already holds a manifest\.json/);
    // a training run's checkpoint directory: its newest sound checkpoint
    const fromDir = run('ckpt', 'reshape', '--in', join(root, 'run'), '--to', 'zero1=2', '--out', join(root, 'z'));
    assert.equal(fromDir.status, 0, fromDir.stderr);
    assert.match(fromDir.stdout, /training checkpoint step-000000008\.safetensors → zero1=2/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
