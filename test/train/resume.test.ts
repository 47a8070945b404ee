// Crash safety: `tessera train` killed with SIGKILL at random moments and resumed with --resume
// ends with exactly the weights of an uninterrupted run with the same seed, and every checkpoint
// file on disk is complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../src/io/safetensors.js';
import { uniformValues, key } from '../../src/core/random.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const args = (results: string, runId: string) => [
  cli, 'train', '--dataset', 'mnist', '--model', 'mlp', '--train-limit', '2000', '--test-limit', '200', '--epochs', '4',
  '--batch-size', '16', '--checkpoint-every', '4', '--results', results, '--run-id', runId, '--threads', '2',
];

function finalWeights(results: string, runId: string): Record<string, Float32Array> {
  const dir = join(results, 'train-mlp-mnist', runId, 'checkpoints');
  const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
  const { tensors } = readSafetensors(join(dir, files.at(-1)!));
  return Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith('model/')).map(([k, t]) => [k, t.data as Float32Array]));
}

/** Run until a checkpoint exists, then send `signal` after a delay; returns whether it finished first. */
function runAndKill(results: string, runId: string, resume: boolean, delayMs: number, signal: 'SIGKILL' | 'SIGINT' = 'SIGKILL'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args(results, runId), ...(resume ? ['--resume'] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const ckdir = join(results, 'train-mlp-mnist', runId, 'checkpoints');
    const newest = () => (existsSync(ckdir) ? readdirSync(ckdir).filter((f) => f.endsWith('.safetensors')).sort().at(-1) ?? '' : '');
    const before = newest();
    // Start the clock once this process has written a checkpoint of its own (so it is mid-training).
    const poll = setInterval(() => {
      if (newest() > before) {
        clearInterval(poll);
        setTimeout(() => child.kill(signal), delayMs);
      }
    }, 20);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal === 'SIGKILL') resolve(false);
      else if (code === 130 && /stopped with a checkpoint/.test(stderr)) resolve(false); // SIGINT: checkpoint, exit 130
      else if (code === 0) resolve(true);
      else reject(new Error(`train exited with ${code}: ${stderr}`));
    });
  });
}

test('Ctrl-C (checkpoint, exit 130), then kill -9 at random moments, each followed by --resume: final weights equal an uninterrupted run; no checkpoint is truncated', { timeout: 240_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-resume-'));
  try {
    const full = spawnSync(process.execPath, args(root, 'uninterrupted'), { encoding: 'utf8' });
    assert.equal(full.status, 0, full.stderr);
    const expected = finalWeights(root, 'uninterrupted');

    const delays = uniformValues(key(2026), 6, 'f64').map((u) => 20 + u * 300);
    let finished = await runAndKill(root, 'killed', false, delays[0]!, 'SIGINT');
    let kills = 0;
    for (let i = 1; !finished && i < delays.length; i++) {
      finished = await runAndKill(root, 'killed', true, delays[i]!);
      if (!finished) kills++;
      // Every checkpoint file present parses completely (atomic writes: never a truncated file).
      const dir = join(root, 'train-mlp-mnist', 'killed', 'checkpoints');
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.safetensors'))) assert.doesNotThrow(() => readSafetensors(join(dir, f)), f);
    }
    if (!finished) {
      const last = spawnSync(process.execPath, [...args(root, 'killed'), '--resume'], { encoding: 'utf8' });
      assert.equal(last.status, 0, last.stderr);
    }
    assert.ok(kills >= 1, 'the run was killed with SIGKILL at least once');
    const got = finalWeights(root, 'killed');
    assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) assert.ok(Buffer.from(got[k]!.buffer).equals(Buffer.from(v.buffer)), `${k} differs bitwise after ${kills} kills`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
