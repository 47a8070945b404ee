// The backend choice as a user sees it: the CLI says once, on stderr, which backend runs and — when
// auto fell back from native — why; an explicit --backend native that cannot load is an error naming the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon } from '../../src/backend/native/addon.js';

const cli = new URL('../../src/cli/main.js', import.meta.url).pathname;
const nativeBuilt = loadAddon().ok;

function train(env: Record<string, string>, ...extra: string[]) {
  const root = mkdtempSync(join(tmpdir(), 'tessera-backend-'));
  try {
    return spawnSync(process.execPath, [cli, 'train', '--dataset', 'mnist', '--train-limit', '200', '--test-limit', '50', '--epochs', '1', '--batch-size', '50', '--results', root, ...extra],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('default backend: native when the addon is built, said once on stderr', { skip: nativeBuilt ? false : 'native addon not built' }, () => {
  const r = train({});
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('tessera: backend'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^tessera: backend native \(OpenBLAS [\d.]+ .*\d+ threads?\)$/);
});

test('without the addon, auto falls back to wasm and says why; --backend native is then an error naming the reason', () => {
  const r = train({ TESSERA_NATIVE: '0' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /tessera: backend wasm, \d+ threads? \(native unavailable: disabled by TESSERA_NATIVE=0\)/);
  const missing = train({ TESSERA_NATIVE: '1', TESSERA_NATIVE_ADDON: '/nonexistent/tessera_native.node' });
  assert.match(missing.stderr, /native unavailable: addon not built \(\/nonexistent\/tessera_native\.node missing\)/);
  const explicit = train({ TESSERA_NATIVE: '0' }, '--backend', 'native');
  assert.notEqual(explicit.status, 0);
  assert.match(explicit.stderr, /native expected a loadable addon, but disabled by TESSERA_NATIVE=0/);
});

test('--backend cpu and --threads are honoured', () => {
  const r = train({}, '--backend', 'cpu');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /tessera: backend cpu \(the plain TypeScript reference, 1 thread\)/);
  const w = train({}, '--backend', 'wasm', '--threads', '1');
  assert.equal(w.status, 0, w.stderr);
  assert.match(w.stderr, /tessera: backend wasm, 1 thread\b/);
});
