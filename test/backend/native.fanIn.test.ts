// native constant fan-in matmul (src/backend/native/addon/fanin.cc) against the cpu reference
// (src/backend/cpu/fanInMatmul.ts): every combination of batch, in, out and fanIn from {1, 31, 32, 33, 257}
// except batch = out = fanIn = 257 (batch 1 and 2 take the gather kernel, batch ≥ 3 the packed 32-lane panels with 24/16/8-lane tail panels;
// fanIn covers the 16-blocks, the 8-block and the scalar tail), batch-major and feature-major, u16 and i32
// indices, f32 (1e-5 normwise relative) and f64 (1e-12), 1 and 2 threads (bit-identical), with and without
// indicesValidated. Then the errors: an index outside [0, in) at every position of a row and in every
// kernel path is a range error naming it (i32 ±2^31 would fault if it were read), and short arrays. Wide
// inputs (in = 8200 and 70001) give one packed panel per L2 group and i32 indices above 65535.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FloatArray } from '../../src/core/dtype.js';
import { TesseraError } from '../../src/core/errors.js';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import type { FanInIndices, FanInParams } from '../../src/backend/kernels.js';
import { createNativeBackend, type NativeBackend } from '../../src/backend/native/index.js';
import { relativeError, seeded } from './wasm.helpers.js';

const load = createNativeBackend({ threads: 2 });
const skip = load.ok ? false : `native backend not built: ${load.reason}`;
const native = (): NativeBackend => (load as { backend: NativeBackend }).backend;

const SIZES = [1, 31, 32, 33, 257];
const BATCHES = [1, 2, 3, ...SIZES.slice(1)]; // 2 and 3: the last gather size and the first panel size
const LAYOUTS = ['fanInMatmul', 'fanInMatmulFeatureMajor'] as const;
type Layout = typeof LAYOUTS[number];

/** indices[o, j] in [0, in): pseudo-random, with 0 and in − 1 placed in every row (both ends of the range). */
function makeIndices(p: FanInParams, seed: number): number[] {
  const r = seeded(p.outFeatures * p.fanIn, seed);
  const out = Array.from(r, (u) => Math.min(p.inFeatures - 1, Math.floor(((u + 1) / 2) * p.inFeatures)));
  for (let o = 0; o < p.outFeatures; o++) {
    out[o * p.fanIn + (o % p.fanIn)] = 0;
    out[o * p.fanIn + ((o + 7) % p.fanIn)] = p.inFeatures - 1;
  }
  return out;
}

function run(be: NativeBackend | typeof cpuBackend, layout: Layout, p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices): FloatArray {
  const y = x instanceof Float32Array ? new Float32Array(p.batch * p.outFeatures) : new Float64Array(p.batch * p.outFeatures);
  y.fill(Number.NaN);
  be[layout](p, x, values, indices, y);
  return y;
}

function bitIdentical(a: FloatArray, b: FloatArray): boolean {
  return a.every((v, i) => Object.is(v, b[i]));
}

test('native fan-in equals the cpu reference on sizes 1/31/32/33/257 (u16 and i32, f32 and f64, 1 and 2 threads)', { skip }, () => {
  const be = native();
  let seed = 1, cases = 0, skipped = 0;
  for (const batch of BATCHES) for (const inFeatures of SIZES) for (const outFeatures of SIZES) for (const fanIn of SIZES) {
    // All three of batch, out and fanIn at 257 adds no new tail, only time (17M multiply-adds per call).
    if (batch * outFeatures * fanIn > 257 * 257 * 33) {
      skipped++;
      continue;
    }
    const p: FanInParams = { batch, inFeatures, outFeatures, fanIn };
    const x32 = seeded(batch * inFeatures, (seed += 3)), v32 = seeded(outFeatures * fanIn, seed + 1);
    const idx = makeIndices(p, seed + 2);
    const u16 = Uint16Array.from(idx), i32 = Int32Array.from(idx);
    for (const layout of LAYOUTS) {
      // The reference in f64 on the same (f32-representable) numbers is the exact target for both dtypes.
      const x64 = Float64Array.from(x32), v64 = Float64Array.from(v32);
      const want = run(cpuBackend, layout, p, x64, v64, i32);
      for (const [x, v, tol] of [[x32, v32, 1e-5], [x64, v64, 1e-12]] as const) {
        for (const indices of [u16, i32]) {
          const label = `${layout} batch ${batch} in ${inFeatures} out ${outFeatures} fanIn ${fanIn} ${indices instanceof Uint16Array ? 'u16' : 'i32'} ${x instanceof Float32Array ? 'f32' : 'f64'}`;
          be.setThreads(1);
          const one = run(be, layout, p, x, v, indices);
          be.setThreads(2);
          const two = run(be, layout, p, x, v, indices);
          const validated = run(be, layout, { ...p, indicesValidated: true }, x, v, indices);
          const e = relativeError(one, want);
          assert.ok(e <= tol, `${label}: relative error ${e} > ${tol}`);
          assert.ok(bitIdentical(one, two), `${label}: 1 and 2 threads differ`);
          assert.ok(bitIdentical(one, validated), `${label}: indicesValidated changed the result`);
          cases++;
        }
      }
    }
  }
  assert.equal(cases + skipped * 8, BATCHES.length * SIZES.length ** 3 * 2 * 2 * 2);
  assert.equal(skipped, SIZES.length); // batch = out = fanIn = 257, for each in
});

test('native fan-in: fanIn 0 gives zeros, batch 0 or out 0 writes nothing', { skip }, () => {
  const be = native();
  for (const layout of LAYOUTS) {
    for (const batch of [1, 2, 5, 40]) {
      const y = run(be, layout, { batch, inFeatures: 4, outFeatures: 3, fanIn: 0 }, seeded(batch * 4, 1), new Float32Array(0), new Uint16Array(0));
      assert.ok(y.every((v) => v === 0), `${layout} batch ${batch}`);
    }
    const untouched = new Float32Array(2).fill(7);
    be[layout]({ batch: 0, inFeatures: 4, outFeatures: 3, fanIn: 2 }, new Float32Array(0), seeded(6, 2), new Uint16Array(6), untouched);
    be[layout]({ batch: 2, inFeatures: 4, outFeatures: 0, fanIn: 2 }, seeded(8, 3), new Float32Array(0), new Uint16Array(0), untouched);
    assert.deepEqual([...untouched], [7, 7]);
  }
});

/** The range error for a bad index: a TesseraError of kind 'range' naming indices[position] and the value. */
function badIndexError(layout: Layout, position: number, value: number, inFeatures: number): (e: unknown) => boolean {
  return (e) => e instanceof TesseraError && e.kind === 'range' &&
    e.message.includes(`${layout}: indices[${position}] expected an index in [0, inFeatures = ${inFeatures}), got ${value}`);
}

test('native fan-in: an index outside [0, in) at any position of a row, in every kernel path, is a range error', { skip }, () => {
  const be = native();
  const inFeatures = 40, outFeatures = 5;
  for (const fanIn of [7, 8, 23, 31, 33]) { // tails only; 16 + 7; 16 + 8 + 7; 2·16 + 1
    for (const batch of [1, 2, 3, 33]) { // gather (1, 2), an 8-lane panel, a 32-lane panel + 8-lane tail
      for (const threads of [1, 2]) {
        be.setThreads(threads);
        const x = seeded(batch * inFeatures, 3), values = seeded(outFeatures * fanIn, 4);
        const y = new Float32Array(batch * outFeatures), y64 = new Float64Array(batch * outFeatures);
        for (const layout of LAYOUTS) {
          for (let j = 0; j < fanIn; j++) {
            const row = (j + batch) % outFeatures, at = row * fanIn + j;
            const u16 = new Uint16Array(outFeatures * fanIn).fill(inFeatures - 1);
            u16[at] = inFeatures;
            const what = `${layout} fanIn ${fanIn} batch ${batch} threads ${threads} position ${j}`;
            assert.throws(() => be[layout]({ batch, inFeatures, outFeatures, fanIn }, x, values, u16, y), badIndexError(layout, at, inFeatures, inFeatures), `u16 ${what}`);
            for (const bad of [-1, 2 ** 31 - 1, -(2 ** 31)]) {
              const i32 = new Int32Array(outFeatures * fanIn).fill(1);
              i32[at] = bad;
              assert.throws(() => be[layout]({ batch, inFeatures, outFeatures, fanIn }, x, values, i32, y), badIndexError(layout, at, bad, inFeatures), `i32 ${bad} ${what}`);
              assert.throws(() => be[layout]({ batch, inFeatures, outFeatures, fanIn }, Float64Array.from(x), Float64Array.from(values), i32, y64),
                badIndexError(layout, at, bad, inFeatures), `f64 i32 ${bad} ${what}`);
            }
          }
        }
      }
    }
  }
  be.setThreads(2);
});

test('native fan-in: wide inputs (one packed panel per L2 group; i32 indices above 65535) equal the reference', { skip }, () => {
  const be = native();
  // in·32·4 B > 1 MiB: each 32-lane panel is its own group, so batch 33/65 run the later-groups job too.
  for (const [inFeatures, wide] of [[8200, false], [70001, true]] as const) {
    for (const batch of [1, 2, 33, 65]) {
      const p: FanInParams = { batch, inFeatures, outFeatures: 37, fanIn: 41 };
      const x = seeded(batch * inFeatures, batch), values = seeded(37 * 41, 5);
      const idx = makeIndices(p, 6 + batch);
      const indices = wide ? Int32Array.from(idx) : Uint16Array.from(idx);
      for (const layout of LAYOUTS) {
        const want = run(cpuBackend, layout, p, Float64Array.from(x), Float64Array.from(values), Int32Array.from(idx));
        for (const threads of [1, 2]) {
          be.setThreads(threads);
          const e = relativeError(run(be, layout, p, x, values, indices), want);
          assert.ok(e <= 1e-5, `${layout} in ${inFeatures} batch ${batch} threads ${threads}: relative error ${e}`);
        }
        const bad = Int32Array.from(idx);
        bad[36 * 41 + 40] = inFeatures; // the last position of the last row
        assert.throws(() => be[layout](p, x, values, bad, new Float32Array(batch * 37)), badIndexError(layout, 36 * 41 + 40, inFeatures, inFeatures));
      }
    }
  }
  be.setThreads(2);
});

test('native fan-in: two bad indices report the first position', { skip }, () => {
  const be = native();
  const i32 = new Int32Array(6 * 20).fill(3);
  i32[97] = 50;
  i32[41] = -5;
  for (const batch of [1, 4]) {
    assert.throws(() => be.fanInMatmul({ batch, inFeatures: 10, outFeatures: 6, fanIn: 20 }, seeded(batch * 10, 1), seeded(120, 2), i32, new Float32Array(batch * 6)),
      badIndexError('fanInMatmul', 41, -5, 10));
  }
});

test('native fan-in: short arrays, non-integer sizes and wrong dtypes are errors naming the argument', { skip }, () => {
  const be = native();
  const p: FanInParams = { batch: 3, inFeatures: 8, outFeatures: 4, fanIn: 5 };
  const x = seeded(24, 1), values = seeded(20, 2), indices = new Uint16Array(20).fill(2), y = new Float32Array(12);
  for (const layout of LAYOUTS) {
    const shape = (arg: string) => (e: unknown) => e instanceof TesseraError && e.kind === 'shape' && e.message.includes(`${layout}: ${arg} expected at least`);
    assert.throws(() => be[layout](p, x.subarray(0, 23), values, indices, y), shape('x'));
    assert.throws(() => be[layout](p, x, values.subarray(0, 19), indices, y), shape('values'));
    assert.throws(() => be[layout](p, x, values, indices.subarray(0, 19), y), shape('indices'));
    assert.throws(() => be[layout](p, x, values, indices, y.subarray(0, 11)), shape('y'));
    assert.throws(() => be[layout]({ ...p, fanIn: 2.5 }, x, values, indices, y), (e: unknown) => e instanceof TesseraError && e.kind === 'range' && /fanIn expected an integer/.test(e.message));
    assert.throws(() => be[layout](p, x, Float64Array.from(values), indices, y), (e: unknown) => e instanceof TesseraError && e.kind === 'dtype');
    assert.throws(() => be[layout](p, x, values, Float32Array.from(indices) as unknown as Uint16Array, y), (e: unknown) => e instanceof TesseraError && e.kind === 'dtype' && /indices/.test(e.message));
  }
});
