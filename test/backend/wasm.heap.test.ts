// The wasm backend's memory and threads: 10,000 mixed kernel calls leave the heap at its baseline and the
// pool idle; resident arrays are used in place and survive memory growth; setThreads, dispose, and a process
// that never disposes still exits (workers are unref'd).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import type { Conv2dParams, GemmParams } from '../../src/backend/kernels.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { assertBitIdentical, assertClose, seeded } from './wasm.helpers.js';

const gemmParams = (m: number, n: number, k: number): GemmParams =>
  ({ m, n, k, transA: false, transB: false, batch: 1, aOffsets: new Int32Array(1), bOffsets: new Int32Array(1) });

test('heap: 10,000 kernel calls (all kernels, 2 threads) return the heap to its baseline and leave the pool idle', async () => {
  const be = await createWasmBackend({ threads: 2 });
  try {
    const before = be.heapStats();
    const conv: Conv2dParams = {
      n: 1, cIn: 2, h: 5, w: 5, cOut: 3, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1,
      dilationH: 1, dilationW: 1, groups: 1, outH: 5, outW: 5,
    };
    const x = seeded(50, 1), w = seeded(54, 2), y = new Float32Array(75), dx = new Float32Array(50), dw = new Float32Array(54);
    const a = seeded(64 * 64, 3), b = seeded(64 * 64, 4), c = new Float32Array(64 * 64);
    const fan = { batch: 4, inFeatures: 16, outFeatures: 8, fanIn: 3 };
    const values = seeded(24, 5), indices = new Uint16Array(24).map((_, i) => (i * 5) % 16), fy = new Float32Array(32);
    for (let i = 0; i < 10_000; i++) {
      switch (i % 6) {
        case 0: be.gemm(gemmParams(64, 64, 64), a, b, c); break;
        case 1: be.conv2d(conv, x, w, y); break;
        case 2: be.conv2dBackwardInput(conv, y, w, dx); break;
        case 3: be.conv2dBackwardFilter(conv, x, y, dw); break;
        case 4: be.fanInMatmul(fan, a, values, indices, fy); break;
        default: be.fanInMatmulFeatureMajor(fan, a, values, indices, fy); break;
      }
    }
    const big = 300;
    be.gemm(gemmParams(big, big, big), seeded(big * big, 6), seeded(big * big, 7), new Float32Array(big * big));
    const afterCalls = be.heapStats();
    assert.equal(afterCalls.usedBytes, before.baselineBytes);
    assert.equal(afterCalls.baselineBytes, before.baselineBytes);
    assert.ok(be.isIdle());
    // The last results are still right (the heap was reused 10,000 times).
    const want = new Float32Array(32);
    cpuBackend.fanInMatmulFeatureMajor(fan, a, values, indices, want);
    assertClose(fy, want, 'fan-in after 10,000 calls');
  } finally {
    await be.dispose();
  }
});

test('heap: resident arrays are used in place, survive memory growth, and their space is reclaimed', async () => {
  const be = await createWasmBackend({ threads: 2 });
  try {
    const n = 96;
    const a = be.allocResident(n * n), b = be.allocResident(n * n), c = be.allocResident(n * n);
    a.set(seeded(n * n, 1));
    b.set(seeded(n * n, 2));
    const plain = new Float32Array(n * n);
    be.gemm(gemmParams(n, n, n), a.slice(), b.slice(), plain);
    be.gemm(gemmParams(n, n, n), a, b, c);
    assertBitIdentical(c, plain, 'resident vs copied');
    const stats = be.heapStats();
    assert.ok(stats.baselineBytes >= 3 * n * n * 4, 'resident arrays count in the baseline');
    // A call needing more than the current memory grows it; resident views stay valid.
    const m = 4096, k = 2600;
    be.gemm(gemmParams(1, m, k), seeded(k, 3), seeded(k * m, 4), new Float32Array(m));
    assert.ok(be.heapStats().memoryBytes > stats.memoryBytes, 'memory grew');
    be.gemm(gemmParams(n, n, n), a, b, c);
    assertBitIdentical(c, plain, 'resident after growth');
    // Resident fan-in indices (u16 and i32) give the same result as copied ones.
    const fan = { batch: 1, inFeatures: n * n, outFeatures: 50, fanIn: 7 };
    const values = seeded(350, 5), y1 = new Float32Array(50), y2 = new Float32Array(50);
    for (const dtype of ['u16', 'i32'] as const) {
      const idx = dtype === 'u16' ? be.allocResident(350, 'u16') : be.allocResident(350, 'i32');
      idx.forEach((_, i) => { idx[i] = (i * 37) % 4000; });
      be.fanInMatmul(fan, a, values, idx, y1);
      be.fanInMatmul(fan, a, values, idx.slice(), y2);
      assertBitIdentical(y1, y2, `resident ${dtype} indices`);
      be.freeResident(idx);
    }
    for (const r of [c, b, a]) be.freeResident(r);
    assert.deepEqual([be.heapStats().usedBytes, be.heapStats().baselineBytes], [0, 0]);
    assert.throws(() => be.freeResident(a), /freeResident/);
  } finally {
    await be.dispose();
  }
});

test('pool: setThreads changes the thread count, dispose stops it, later calls fail clearly', async () => {
  const be = await createWasmBackend({ threads: 1 });
  assert.equal(be.threads, 1);
  await be.setThreads(3);
  assert.equal(be.threads, 3);
  const n = 200, a = seeded(n * n, 1), b = seeded(n * n, 2);
  const c3 = new Float32Array(n * n), c1 = new Float32Array(n * n);
  be.gemm(gemmParams(n, n, n), a, b, c3);
  await be.setThreads(1);
  assert.equal(be.threads, 1);
  be.gemm(gemmParams(n, n, n), a, b, c1);
  assertBitIdentical(c3, c1, '3 threads vs 1');
  await be.dispose();
  assert.throws(() => be.gemm(gemmParams(n, n, n), a, b, c1), /after dispose/);
});

test('pool: a process that never calls dispose exits on its own (workers are unref\'d)', () => {
  const index = fileURLToPath(new URL('../../src/backend/wasm/index.js', import.meta.url));
  const script = `
    const { createWasmBackend } = await import(${JSON.stringify(index)});
    const be = await createWasmBackend({ threads: 2 });
    const n = 128, p = { m: n, n, k: n, transA: false, transB: false, batch: 1, aOffsets: new Int32Array(1), bOffsets: new Int32Array(1) };
    const c = new Float32Array(n * n);
    be.gemm(p, new Float32Array(n * n).fill(1), new Float32Array(n * n).fill(2), c);
    console.log(c[0]);`;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-wasm-'));
  const file = join(dir, 'no-dispose.mjs');
  writeFileSync(file, script);
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000, env });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(run.signal, null, 'the process had to be killed');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), '256');
});
