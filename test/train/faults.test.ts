// Fault-tolerant training: kills at random steps (child processes), a kill in the middle of a checkpoint
// write, NaN loss, a full disk, a corrupt or truncated newest checkpoint. Every run must end with weights
// bit-identical to an uninterrupted run and never lose more than one checkpoint interval to a kill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { key, uniformValues } from '../../src/core/random.js';
import { crc32Hex } from '../../src/core/checksum.js';
import {
  corruptBytes, diskFullStore, fileCheckpointStore, findResumePoint, nanLossOnCalls, readManifest, truncateBytes, type ProgressEvent,
} from '../../src/train/index.js';
import { crossEntropy } from '../../src/tensor/index.js';
import { faultRun, RUN, TOTAL_STEPS, weights } from '../support/faultRun.js';

const trainer = fileURLToPath(new URL('../support/faultTrainer.js', import.meta.url));
const tempDir = () => mkdtempSync(join(tmpdir(), 'tessera-faults-'));

interface ChildLine { kind: string; step?: number; steps?: number; weights?: Record<string, number[]>; path?: string; sparsity?: unknown }

function child(dir: string, env: Record<string, string>): { killed: boolean; lines: ChildLine[] } {
  const r = spawnSync(process.execPath, [trainer], { encoding: 'utf8', env: { ...process.env, TESSERA_FAULT_DIR: dir, ...env }, timeout: 30_000 });
  if (r.signal !== 'SIGKILL' && r.status !== 0) throw new Error(`trainer failed (${r.status} ${r.signal}): ${r.stderr}`);
  return { killed: r.signal === 'SIGKILL', lines: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ChildLine) };
}

async function uninterrupted(): Promise<Record<string, number[]>> {
  const dir = tempDir();
  try {
    const run = faultRun(dir);
    await run;
    return weights(run.model);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('sweep: 20 SIGKILLs at random steps (plus one half-way through a checkpoint write), each resumed: at most one checkpoint interval lost per kill; final weights bit-identical to an uninterrupted run', { timeout: 120_000 }, async () => {
  const expected = await uninterrupted();
  const dir = tempDir();
  try {
    // 20 distinct kill steps in [1, TOTAL_STEPS − 1], from a fixed key, in increasing order.
    const u = uniformValues(key(2026), 400, 'f64');
    const steps = [...new Set(Array.from(u, (v) => 1 + Math.floor(v * (TOTAL_STEPS - 1))))].slice(0, 20).sort((a, b) => a - b);
    assert.equal(steps.length, 20);
    let previousKill = 0;
    let lostMax = 0;
    for (const killAt of steps) {
      const { killed, lines } = child(dir, { TESSERA_KILL_AT: String(killAt) });
      assert.ok(killed, `expected the kill at step ${killAt}`);
      const resumed = lines.find((l) => l.kind === 'resume')?.step ?? 0;
      const lost = previousKill - resumed;
      assert.ok(lost >= 0 && lost <= RUN.every, `kill at ${previousKill} resumed from ${resumed}: lost ${lost} steps, more than one interval (${RUN.every})`);
      lostMax = Math.max(lostMax, lost);
      previousKill = killAt;
    }
    // Die half-way through writing a checkpoint: the partial temp file must be ignored.
    const midWrite = 4 * Math.ceil((previousKill + 1) / 4);
    assert.ok(child(dir, { TESSERA_KILL_IN_WRITE: String(midWrite) }).killed);
    assert.ok(readdirSync(dir).some((f) => f.endsWith('.partial.tmp')));
    const final = child(dir, {});
    assert.equal(final.killed, false);
    assert.equal(final.lines.find((l) => l.kind === 'resume')?.step, midWrite - RUN.every);
    const done = final.lines.find((l) => l.kind === 'done')!;
    assert.equal(done.steps, TOTAL_STEPS);
    assert.deepEqual(done.weights, expected);
    // keep-last-K and the manifest: exactly K checkpoints, each listed with its true size and CRC-32.
    const { manifest } = readManifest(dir);
    assert.equal(manifest!.checkpoints.length, RUN.keepLast);
    for (const c of manifest!.checkpoints) {
      const bytes = readFileSync(join(dir, c.file));
      assert.equal(bytes.length, c.bytes);
      assert.equal(crc32Hex(bytes), c.crc32);
    }
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort(), manifest!.checkpoints.map((c) => c.file));
    assert.ok(lostMax === RUN.every, 'some kill landed just before a checkpoint');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sparse (SRigL with ablation): 8 SIGKILLs at random steps, each resumed from the masks, accumulated gradients and ablated rows in the checkpoint; final weights and topology bit-identical to an uninterrupted run', { timeout: 120_000 }, async () => {
  const cleanDir = tempDir(), dir = tempDir();
  try {
    const clean = faultRun(cleanDir, {}, { sparse: true });
    await clean;
    const expected = { weights: weights(clean.model), sparsity: clean.sparsity!.stats() };
    assert.ok(expected.sparsity.some((l) => l.updates > 0), 'the run updates its topology');
    const u = uniformValues(key(15), 200, 'f64');
    const steps = [...new Set(Array.from(u, (v) => 1 + Math.floor(v * (TOTAL_STEPS - 1))))].slice(0, 8).sort((a, b) => a - b);
    for (const killAt of steps) assert.ok(child(dir, { TESSERA_FAULT_SPARSE: '1', TESSERA_KILL_AT: String(killAt) }).killed, `expected the kill at step ${killAt}`);
    const final = child(dir, { TESSERA_FAULT_SPARSE: '1' });
    assert.equal(final.killed, false);
    const done = final.lines.find((l) => l.kind === 'done')!;
    assert.equal(done.steps, TOTAL_STEPS);
    assert.deepEqual(done.weights, expected.weights);
    assert.deepEqual(done.sparsity, expected.sparsity);
    // a sparse checkpoint resumed without its sparsity options is refused, not silently densified
    await assert.rejects(faultRun(dir), /is a sparse-training checkpoint \(method srigl, 2 masked weight\(s\)\); resume it with the same sparsity options/);
  } finally {
    rmSync(cleanDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('NaN loss (transient, twice): rollback to the newest good checkpoint and replay; final weights bit-identical', async () => {
  const expected = await uninterrupted();
  const dir = tempDir();
  try {
    const events: ProgressEvent[] = [];
    const nan = nanLossOnCalls(crossEntropy, [11, 26]);
    const run = faultRun(dir, { loss: nan.loss, onNonFinite: 'rollback', onProgress: (e) => events.push(e) });
    const result = await run;
    assert.equal(result.steps, TOTAL_STEPS);
    const rollbacks = events.filter((e) => e.kind === 'rollback');
    assert.deepEqual(rollbacks.map((e) => e.kind === 'rollback' && [e.failedStep, e.step]), [[10, 8], [22, 20]]);
    assert.equal(nan.calls(), TOTAL_STEPS + 2 + 2 + 2); // two NaN calls, plus two replays of 2 steps each
    assert.deepEqual(weights(run.model), expected);
    // without rollback the NaN is an error naming the step
    const strict = faultRun(tempDir(), { loss: nanLossOnCalls(crossEntropy, [3]).loss });
    await assert.rejects(strict, /loss is NaN at step 2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('full disk: failed saves are reported, training continues, older checkpoints stay valid; final weights bit-identical', async () => {
  const expected = await uninterrupted();
  const dir = tempDir();
  try {
    const events: ProgressEvent[] = [];
    const full = (path: string) => /step-0000000(12|16|20)\.safetensors$/.test(path);
    const run = faultRun(dir, {
      checkpoint: { dir, everySteps: RUN.every, keepLast: RUN.keepLast, store: diskFullStore(fileCheckpointStore, full), onWriteError: 'continue' },
      onProgress: (e) => events.push(e),
    });
    await run;
    assert.deepEqual(events.filter((e) => e.kind === 'checkpoint-failed').map((e) => e.kind === 'checkpoint-failed' && e.step), [12, 16, 20]);
    assert.match((events.find((e) => e.kind === 'checkpoint-failed') as { error: string }).error, /ENOSPC/);
    assert.deepEqual(weights(run.model), expected);
    assert.deepEqual(readManifest(dir).manifest!.checkpoints.map((c) => c.step), [24, 28, 32]);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')));
    // with the default policy the full disk is an error that names the file
    await assert.rejects(faultRun(tempDir(), { checkpoint: { dir: tempDir(), everySteps: 4, store: diskFullStore(fileCheckpointStore, () => true) } }), /step-000000004\.safetensors: ENOSPC/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const damage of ['corrupt', 'truncated'] as const) {
  test(`a ${damage} newest checkpoint is detected by its manifest entry, named, skipped; resume from the one before is bit-identical`, async () => {
    const expected = await uninterrupted();
    const dir = tempDir();
    try {
      await faultRun(dir, { maxSteps: 18 }); // checkpoints 8, 12, 16 and the stop at 18
      const newest = join(dir, 'step-000000018.safetensors');
      const bytes = new Uint8Array(readFileSync(newest));
      writeFileSync(newest, damage === 'corrupt' ? corruptBytes(bytes) : truncateBytes(bytes));
      const point = findResumePoint(dir);
      assert.equal(point.found!.step, 16);
      assert.equal(point.skipped.length, 1);
      assert.equal(point.skipped[0]!.path, newest);
      assert.match(point.skipped[0]!.reason, damage === 'corrupt' ? /expected CRC-32 [0-9a-f]{8} \(manifest\), got [0-9a-f]{8} \(corrupt\)/ : /expected \d+ bytes \(manifest\), got \d+ \(truncated/);
      const events: ProgressEvent[] = [];
      const run = faultRun(dir, { onProgress: (e) => events.push(e) });
      await run;
      assert.ok(events.some((e) => e.kind === 'checkpoint-skipped' && e.path === newest));
      assert.equal((events.find((e) => e.kind === 'resume') as { step: number }).step, 16);
      assert.deepEqual(weights(run.model), expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('no manifest (e.g. written by an older tessera): unlisted checkpoints are validated by parsing; a truncated one is skipped', async () => {
  const dir = tempDir();
  try {
    await faultRun(dir, { maxSteps: 12 });
    rmSync(join(dir, 'manifest.json'));
    const newest = join(dir, 'step-000000012.safetensors');
    writeFileSync(newest, truncateBytes(new Uint8Array(readFileSync(newest))));
    const point = findResumePoint(dir);
    assert.equal(point.found!.step, 8);
    assert.match(point.skipped[0]!.reason, /step-000000012\.safetensors/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
