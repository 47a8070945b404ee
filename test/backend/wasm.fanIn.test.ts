// wasm constant fan-in matmul (batch-major and feature-major) against the cpu reference: batch 1 (SIMD gather),
// batch 31/32/33/257 (32-lane tile, 4-lane and scalar tails), fan-in 1 to 410, u16 and i32 indices, 1 and 2
// threads, with and without indicesValidated (the batch-1 kernels without bound tracking), bit-identity across
// thread counts, f64 delegation, and out-of-range indices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import type { FanInIndices, FanInParams } from '../../src/backend/kernels.js';
import { assertBitIdentical, assertClose, backendsForFile, seeded } from './wasm.helpers.js';

const backends = backendsForFile();

/** indices[o, j] in [0, inFeatures), scattered and repeating, from a seed; as u16 or i32. */
function makeIndices(p: FanInParams, wide: boolean, seed: number): FanInIndices {
  const count = p.outFeatures * p.fanIn;
  const out = wide ? new Int32Array(count) : new Uint16Array(count);
  const r = seeded(count, seed);
  for (let i = 0; i < count; i++) out[i] = Math.min(p.inFeatures - 1, Math.floor(((r[i]! + 1) / 2) * p.inFeatures));
  return out;
}

type Layout = 'fanInMatmul' | 'fanInMatmulFeatureMajor';

function check(p: FanInParams, layout: Layout, wide: boolean, seed: number): Float32Array[] {
  const x = seeded(p.batch * p.inFeatures, seed), values = seeded(p.outFeatures * p.fanIn, seed + 1);
  const indices = makeIndices(p, wide, seed + 2);
  const want = new Float32Array(p.batch * p.outFeatures);
  cpuBackend[layout](p, x, values, indices, want);
  const label = `${layout} batch ${p.batch} in ${p.inFeatures} out ${p.outFeatures} fanIn ${p.fanIn} ${wide ? 'i32' : 'u16'}${p.indicesValidated ? ' validated' : ''}`;
  return backends.both().map((be) => {
    const got = new Float32Array(p.batch * p.outFeatures).fill(Number.NaN);
    be[layout](p, x, values, indices, got);
    assertClose(got, want, `${label} threads=${be.threads}`);
    return got;
  });
}

const SHAPES: FanInParams[] = [
  { batch: 1, inFeatures: 1, outFeatures: 1, fanIn: 1 },
  { batch: 1, inFeatures: 257, outFeatures: 33, fanIn: 31 },
  { batch: 1, inFeatures: 4096, outFeatures: 257, fanIn: 410 },
  { batch: 31, inFeatures: 33, outFeatures: 32, fanIn: 3 },
  { batch: 32, inFeatures: 257, outFeatures: 31, fanIn: 33 },
  { batch: 33, inFeatures: 64, outFeatures: 257, fanIn: 32 },
  { batch: 257, inFeatures: 100, outFeatures: 33, fanIn: 7 },
  { batch: 2, inFeatures: 5, outFeatures: 3, fanIn: 0 },
];

test('fanInMatmul and fanInMatmulFeatureMajor match the cpu reference (u16 and i32 indices, 1 and 2 threads)', () => {
  let seed = 1;
  for (const p of SHAPES) {
    for (const layout of ['fanInMatmul', 'fanInMatmulFeatureMajor'] as const) {
      for (const wide of [false, true]) {
        for (const indicesValidated of [false, true]) check({ ...p, indicesValidated }, layout, wide, (seed += 5));
      }
    }
  }
});

test('fan-in: 1 and 2 threads give bit-identical results (outputs are split, sums are not)', () => {
  const p1: FanInParams = { batch: 1, inFeatures: 4096, outFeatures: 1000, fanIn: 410 };
  const p2: FanInParams = { batch: 67, inFeatures: 300, outFeatures: 257, fanIn: 41 };
  for (const [p, layout] of [[p1, 'fanInMatmul'], [p2, 'fanInMatmul'], [p2, 'fanInMatmulFeatureMajor']] as const) {
    const [one, two] = check(p, layout, false, 77);
    assertBitIdentical(one!, two!, `${layout} batch ${p.batch}`);
  }
});

test('fan-in: f64 arrays delegate to the cpu reference exactly', () => {
  const p: FanInParams = { batch: 3, inFeatures: 31, outFeatures: 33, fanIn: 5 };
  const x = Float64Array.from(seeded(3 * 31, 1)), values = Float64Array.from(seeded(33 * 5, 2));
  const indices = makeIndices(p, true, 3);
  for (const layout of ['fanInMatmul', 'fanInMatmulFeatureMajor'] as const) {
    const want = new Float64Array(3 * 33), got = new Float64Array(3 * 33);
    cpuBackend[layout](p, x, values, indices, want);
    backends.two()[layout](p, x, values, indices, got);
    assert.deepEqual(got, want);
  }
});

test('fan-in: an index ≥ inFeatures or a negative i32 index raises a range error naming indices', () => {
  for (const be of backends.both()) {
    for (const batch of [1, 5]) {
      const p: FanInParams = { batch, inFeatures: 16, outFeatures: 8, fanIn: 6 };
      const x = seeded(batch * 16, 1), values = seeded(48, 2), y = new Float32Array(batch * 8);
      const big = new Uint16Array(48).fill(3);
      big[40] = 16;
      assert.throws(() => be.fanInMatmul(p, x, values, big, y), /fanInMatmul: indices expected < inFeatures = 16, got 16/);
      const negative = new Int32Array(48).fill(2);
      negative[7] = -1;
      assert.throws(() => be.fanInMatmulFeatureMajor(p, x, values, negative, y), /fanInMatmulFeatureMajor: indices expected < inFeatures = 16/);
      assert.equal(be.heapStats().usedBytes, be.heapStats().baselineBytes);
    }
  }
});

test('fan-in batch 1: a bad index is caught at every position of a row (vector groups of 16 and 8, group of 4, tail)', () => {
  for (const fanIn of [23, 31]) { // 16 + 4 + 3 and 16 + 8 + 4 + 3
    const p: FanInParams = { batch: 1, inFeatures: 40, outFeatures: 5, fanIn };
    const x = seeded(40, 3), values = seeded(5 * fanIn, 4), y = new Float32Array(5);
    for (const be of backends.both()) {
      for (let j = 0; j < fanIn; j++) {
        const u16 = new Uint16Array(5 * fanIn).fill(39);
        u16[3 * fanIn + j] = 40;
        assert.throws(() => be.fanInMatmul(p, x, values, u16, y), /indices expected < inFeatures = 40, got 40/, `u16 fanIn ${fanIn} position ${j}`);
        const i32 = new Int32Array(5 * fanIn).fill(39);
        i32[2 * fanIn + j] = -1;
        assert.throws(() => be.fanInMatmul(p, x, values, i32, y), /indices expected < inFeatures = 40/, `i32 fanIn ${fanIn} position ${j}`);
      }
    }
  }
});
