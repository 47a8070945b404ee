// weightGemv (y [rows, out] = x [rows, in] · wᵀ, w [out, in] stored as bf16 / f16 / f32) on every backend
// against the cpu reference (src/backend/cpu/weightGemv.ts, float64 sums):
// * rows 1–5 and 8 (native blocks of 1/2/3/4 input rows, wasm pairs), in ∈ {1, 3, 7, 8, 9, 31, 33, 257}
//   (vector bodies and tails), out ∈ {1, 3, 4, 5, 17, 33} (blocks of 4 / 3 / 2 output rows and the rest), all
//   three dtypes, within the documented bound (in + 2)·2⁻²⁴·Σ|x·w|;
// * every one of the 65536 bf16 and f16 bit patterns widened exactly (subnormals, ±Infinity, NaN), in both the
//   vector body and the tail;
// * a multi-threaded size: 1 and 2 threads bit-identical; a wasm-resident weight equals the copied one;
// * inWidth 0 writes zeros; bad arguments are TesseraErrors naming the argument, the same on every backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuBackend } from '../../src/backend/cpu/index.js';
import type { Backend, WeightArray, WeightDType, WeightGemvParams } from '../../src/backend/kernels.js';
import { createNativeBackend } from '../../src/backend/native/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { bf16WordsToF32, f16WordsToF32, f32BitsToBf16Bits, f32BitsToF16Bits } from '../../src/core/halfFloat.js';
import { TesseraError } from '../../src/core/errors.js';
import { engineBackends } from '../support/backends.js';
import { assertBitIdentical, seeded } from './wasm.helpers.js';

const backends = await engineBackends();
const fast = backends.filter((b) => b.name !== 'cpu');
const DTYPES: WeightDType[] = ['bf16', 'f16', 'f32'];

/** values rounded to the dtype's storage (words for bf16 / f16), and the stored values as f32. */
function stored(dtype: WeightDType, values: Float32Array): { w: WeightArray; asF32: Float32Array } {
  if (dtype === 'f32') return { w: values, asF32: values };
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const words = Uint16Array.from(bits, dtype === 'bf16' ? f32BitsToBf16Bits : f32BitsToF16Bits);
  return { w: words, asF32: dtype === 'bf16' ? bf16WordsToF32(words) : f16WordsToF32(words) };
}

function run(b: Backend, p: WeightGemvParams, x: Float32Array, w: WeightArray): Float32Array {
  const y = new Float32Array(p.rows * p.outWidth).fill(Number.NaN);
  b.weightGemv(p, x, w, y);
  return y;
}

/** |got − want| ≤ (in + 2)·2⁻²⁴·Σ_i |x[r, i]·w[o, i]| for every output (the bound of WeightGemvParams). */
function assertWithinBound(got: Float32Array, want: Float32Array, p: WeightGemvParams, x: Float32Array, wf: Float32Array, label: string): void {
  for (let r = 0; r < p.rows; r++) {
    for (let o = 0; o < p.outWidth; o++) {
      let magnitude = 0;
      for (let i = 0; i < p.inWidth; i++) magnitude += Math.abs(x[r * p.inWidth + i]! * wf[o * p.inWidth + i]!);
      const bound = (p.inWidth + 2) * 2 ** -24 * magnitude;
      const g = got[r * p.outWidth + o]!, e = want[r * p.outWidth + o]!;
      assert.ok(Math.abs(g - e) <= bound, `${label}: y[${r}, ${o}] = ${g}, reference ${e}, bound ${bound}`);
    }
  }
}

test('weightGemv equals the cpu reference within its bound: bf16 / f16 / f32, rows 1–5 and 8, odd widths', () => {
  let seed = 1, cases = 0;
  for (const dtype of DTYPES) for (const rows of [1, 2, 3, 4, 5, 8]) for (const inWidth of [1, 3, 7, 8, 9, 31, 33, 257]) for (const outWidth of [1, 3, 4, 5, 17, 33]) {
    const p: WeightGemvParams = { rows, inWidth, outWidth, dtype };
    const x = seeded(rows * inWidth, seed++);
    const { w, asF32 } = stored(dtype, seeded(outWidth * inWidth, seed++));
    const want = run(cpuBackend, p, x, w);
    // The reference itself: a float64 sum of x·w over the decoded weights, rounded once.
    const r = rows - 1, o = outWidth - 1;
    let exact = 0;
    for (let i = 0; i < inWidth; i++) exact += x[r * inWidth + i]! * asF32[o * inWidth + i]!;
    assert.equal(want[r * outWidth + o], Math.fround(exact), `reference ${dtype} ${rows}×${inWidth}→${outWidth}`);
    for (const b of fast) assertWithinBound(run(b, p, x, w), want, p, x, asF32, `${b.name} ${dtype} rows ${rows}, in ${inWidth}, out ${outWidth}`);
    cases++;
  }
  assert.equal(cases, 3 * 6 * 8 * 6);
});

test('every bf16 and f16 bit pattern is widened exactly (subnormals, ±Infinity, NaN), in the vector body and the tail', () => {
  // w [65536, 9]: row o holds pattern o at column o mod 9 and zeros elsewhere; x = ones, so y[o] is the pattern's value.
  const inWidth = 9, outWidth = 65536;
  const words = new Uint16Array(outWidth * inWidth);
  for (let o = 0; o < outWidth; o++) words[o * inWidth + (o % inWidth)] = o;
  const x = new Float32Array(inWidth).fill(1);
  const patterns = Uint16Array.from({ length: outWidth }, (_, o) => o);
  for (const dtype of ['bf16', 'f16'] as const) {
    const want = dtype === 'bf16' ? bf16WordsToF32(patterns) : f16WordsToF32(patterns);
    for (const b of backends) {
      const y = run(b, { rows: 1, inWidth, outWidth, dtype }, x, words);
      for (let o = 0; o < outWidth; o++) {
        const ok = Number.isNaN(want[o]!) ? Number.isNaN(y[o]!) : y[o] === want[o];
        if (!ok) assert.fail(`${b.name} ${dtype} 0x${o.toString(16)}: got ${y[o]}, expected ${want[o]}`);
      }
    }
  }
});

test('1 and 2 threads are bit-identical on a size that splits over threads', async () => {
  const p = (dtype: WeightDType): WeightGemvParams => ({ rows: 3, inWidth: 1031, outWidth: 517, dtype });
  const x = seeded(3 * 1031, 7);
  const load = createNativeBackend({ threads: 2 });
  const wasm1 = await createWasmBackend({ threads: 1 }), wasm2 = await createWasmBackend({ threads: 2 });
  try {
    for (const dtype of DTYPES) {
      const { w, asF32 } = stored(dtype, seeded(517 * 1031, 8));
      const want = run(cpuBackend, p(dtype), x, w);
      const a = run(wasm1, p(dtype), x, w), b = run(wasm2, p(dtype), x, w);
      assertBitIdentical(a, b, `wasm ${dtype}`);
      assertWithinBound(b, want, p(dtype), x, asF32, `wasm ${dtype}`);
      if (!load.ok) continue;
      const native = load.backend;
      native.setThreads(1);
      const one = run(native, p(dtype), x, w);
      native.setThreads(2);
      assertBitIdentical(one, run(native, p(dtype), x, w), `native ${dtype}`);
      assertWithinBound(one, want, p(dtype), x, asF32, `native ${dtype}`);
    }
  } finally {
    await wasm1.dispose();
    await wasm2.dispose();
  }
});

test('wasm: a weight resident in the wasm heap (allocResident) gives the result of the copied one', async () => {
  const wasm = await createWasmBackend({ threads: 2 });
  try {
    const p: WeightGemvParams = { rows: 2, inWidth: 257, outWidth: 600, dtype: 'bf16' };
    const x = seeded(2 * 257, 3);
    const { w } = stored('bf16', seeded(600 * 257, 4));
    const resident = wasm.allocResident(w.length, 'u16');
    resident.set(w);
    const baseline = wasm.heapStats().baselineBytes;
    assertBitIdentical(run(wasm, p, x, resident), run(wasm, p, x, w), 'resident vs copied');
    assert.equal(wasm.heapStats().usedBytes, baseline, 'the heap returns to its baseline after the call');
    wasm.freeResident(resident);
  } finally {
    await wasm.dispose();
  }
});

test('inWidth 0 writes zeros; rows 0 or outWidth 0 write nothing', () => {
  for (const b of backends) {
    for (const dtype of DTYPES) {
      const w = dtype === 'f32' ? new Float32Array(0) : new Uint16Array(0);
      assert.deepEqual(Array.from(run(b, { rows: 2, inWidth: 0, outWidth: 3, dtype }, new Float32Array(0), w)), [0, 0, 0, 0, 0, 0], `${b.name} ${dtype}`);
      const y = new Float32Array(2).fill(5);
      b.weightGemv({ rows: 0, inWidth: 4, outWidth: 2, dtype }, new Float32Array(0), dtype === 'f32' ? new Float32Array(8) : new Uint16Array(8), y);
      b.weightGemv({ rows: 1, inWidth: 4, outWidth: 0, dtype }, new Float32Array(4), w, y);
      assert.deepEqual(Array.from(y), [5, 5], `${b.name} ${dtype}: nothing written`);
    }
  }
});

test('bad arguments are TesseraErrors naming the argument, on every backend', () => {
  const p: WeightGemvParams = { rows: 2, inWidth: 5, outWidth: 3, dtype: 'bf16' };
  const x = new Float32Array(10), w = new Uint16Array(15), y = new Float32Array(6);
  const cases: [string, () => [WeightGemvParams, unknown, unknown, unknown], RegExp][] = [
    ['f32 words for bf16', () => [p, x, new Float32Array(15), y], /w expected dtype Uint16Array for bf16 weights, got Float32Array/],
    ['u16 words for f32', () => [{ ...p, dtype: 'f32' }, x, w, y], /w expected dtype Float32Array for f32 weights, got Uint16Array/],
    ['an unknown dtype', () => [{ ...p, dtype: 'f64' as WeightDType }, x, w, y], /dtype expected dtype bf16 \| f16 \| f32, got f64/],
    ['an f64 x', () => [p, new Float64Array(10), w, y], /x expected dtype f32 \(Float32Array\), got Float64Array/],
    ['an f64 y', () => [p, x, w, new Float64Array(6)], /y expected dtype f32/],
    ['a short x', () => [p, x.subarray(1), w, y], /x\.length expected ≥ rows·inWidth = 2·5 = 10, got 9/],
    ['a short w', () => [p, x, w.subarray(1), y], /w\.length expected ≥ outWidth·inWidth = 3·5 = 15, got 14/],
    ['a short y', () => [p, x, w, y.subarray(1)], /y\.length expected ≥ rows·outWidth = 2·3 = 6, got 5/],
    ['negative rows', () => [{ ...p, rows: -1 }, x, w, y], /rows expected an integer in \[0, 2³¹ − 1\], got -1/],
    ['fractional inWidth', () => [{ ...p, inWidth: 2.5 }, x, w, y], /inWidth expected an integer/],
    ['NaN outWidth', () => [{ ...p, outWidth: Number.NaN }, x, w, y], /outWidth expected an integer/],
    ['outWidth beyond 32 bits', () => [{ ...p, outWidth: 2 ** 32 }, x, w, y], /outWidth expected an integer in \[0, 2³¹ − 1\]/],
  ];
  for (const b of backends) {
    for (const [what, args, message] of cases) {
      const [q, xa, wa, ya] = args();
      assert.throws(() => b.weightGemv(q, xa as Float32Array, wa as WeightArray, ya as Float32Array),
        (e: unknown) => e instanceof TesseraError && e.op === 'weightGemv' && message.test(e.message), `${b.name}: ${what}`);
    }
  }
});

test('native streamSum (the read-bandwidth probe of bench/weightGemv.ts) sums any length', { skip: createNativeBackend().ok ? false : 'native backend not built' }, () => {
  const load = createNativeBackend({ threads: 2 });
  assert.ok(load.ok);
  for (const n of [0, 5, 65536, 3 * 65536 + 77]) {
    const x = seeded(n, n + 1);
    let want = 0, magnitude = 0;
    for (const v of x) {
      want += v;
      magnitude += Math.abs(v);
    }
    const got = load.backend.streamSum(x);
    assert.ok(Math.abs(got - want) <= 1e-6 * magnitude + 1e-12, `n = ${n}: ${got} vs ${want}`);
  }
  assert.throws(() => load.backend.streamSum(new Float64Array(4) as unknown as Float32Array), /streamSum: x expected dtype f32/);
});
