// `tessera sparse bench --quick --json` keeps its output contract; `tessera sparse inspect` validates files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/tensor/index.js';
import { writeSafetensors } from '../../src/io/index.js';
import { condenseLinear } from '../../src/sparse/condensed.js';
import { createNativeBackend } from '../../src/backend/native/index.js';
import { saveCondensed } from '../../src/train/sparseServing.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

test('sparse bench --quick --json prints the contract rows: 4096x4096, 90%, batch 1, 1 and all threads, per backend', () => {
  const t0 = Date.now();
  const r = run('sparse', 'bench', '--quick', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 < 60_000, `quick run took ${Date.now() - t0} ms (contract: under a minute)`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one line of JSON on stdout');
  const rows = JSON.parse(lines[0]!) as Record<string, unknown>[];
  assert.ok(Array.isArray(rows));
  const threads = [...new Set([1, availableParallelism()])];
  const native = createNativeBackend().ok;
  assert.deepEqual(rows.map((x) => `${x.backend}/${x.threads}`), (native ? ['wasm', 'native'] : ['wasm']).flatMap((b) => threads.map((t) => `${b}/${t}`)));
  if (!native) assert.match(r.stderr, /native backend not measured: /);
  for (const row of rows) {
    assert.equal(row.layer, '4096x4096');
    assert.equal(row.sparsity, 0.9);
    assert.equal(row.batch, 1);
    for (const k of ['condensed_ms', 'dense_ms', 'csr_ms', 'condensed_vs_csr', 'condensed_vs_dense']) {
      assert.ok(typeof row[k] === 'number' && (row[k] as number) > 0, `${k} = ${row[k]}`);
    }
    // 4096·4096·4 B dense vs 4096·409·(4 + 2) B condensed (u16 indices)
    assert.ok(Math.abs((row.byte_bound as number) - (4096 * 4096 * 4) / (4096 * 409 * 6)) < 1e-9, `byte_bound ${row.byte_bound}`);
    assert.equal(row.fan_in, 409);
    if (row.ort_ms === null) {
      assert.equal(row.condensed_vs_ort, null);
      assert.ok(typeof row.ort_reason === 'string' && row.ort_reason.length > 0, 'null ort_ms comes with ort_reason');
    } else {
      assert.ok(typeof row.ort_ms === 'number' && row.ort_ms > 0 && typeof row.condensed_vs_ort === 'number');
    }
  }
});

test('sparse --help; unknown options are errors', () => {
  for (const args of [['sparse', '--help'], ['sparse', 'bench', '--help'], ['sparse', 'inspect', '--help']]) {
    const r = run(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: tessera sparse/);
  }
  assert.match(run('sparse', 'bench', '--bogus').stderr, /unknown option '--bogus'/);
  assert.match(run('sparse', 'bench', '--rounds', '0').stderr, /--rounds expects a positive integer, got "0"/);
});

test('sparse inspect validates a condensed file; a bad file is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sparse-cli-'));
  try {
    const good = join(dir, 'layer.safetensors');
    saveCondensed(good, condenseLinear({ weight: T.ones([3, 4]), mask: new Uint8Array([1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]), bias: T.zeros([3]) }));
    const ok = run('sparse', 'inspect', good, '--json');
    assert.equal(ok.status, 0, ok.stderr);
    const j = JSON.parse(ok.stdout);
    assert.deepEqual([j.layers[0].n_active, j.layers[0].fan_in, j.layers[0].index_dtype], [2, 2, 'u16']);
    const bad = join(dir, 'plain.safetensors');
    writeSafetensors(bad, { w: T.zeros([2]) });
    const no = run('sparse', 'inspect', bad);
    assert.notEqual(no.status, 0);
    assert.match(no.stderr, /plain\.safetensors: metadata "tessera\.condensed" expected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
