// F16 / BF16 conversions against known bit patterns (IEEE 754 binary16, bfloat16), round to nearest even.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bf16WordsToF32, decodeBf16, decodeF16, encodeHalf, f16WordsToF32, f32BitsToBf16Bits, f32BitsToF16Bits } from '../../src/core/halfFloat.js';

const f32Bits = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const le16 = (...halves: number[]): Uint8Array => new Uint8Array(new Uint16Array(halves).buffer); // test host is little-endian

// [value, binary16 bits, bfloat16 bits]
const KNOWN: [number, number, number][] = [
  [0, 0x0000, 0x0000],
  [-0, 0x8000, 0x8000],
  [1, 0x3c00, 0x3f80],
  [-2.5, 0xc100, 0xc020],
  [0.5, 0x3800, 0x3f00],
  [65504, 0x7bff, 0x4780], // 65504 = 0x477fe000 in f32: bf16 rounds the 0xe000 tail up
  [2 ** -14, 0x0400, 0x3880], // smallest f16 normal
  [2 ** -24, 0x0001, 0x3380], // smallest f16 subnormal
  [3 * 2 ** -24, 0x0003, 0x3440],
  [1023 * 2 ** -24, 0x03ff, 0x3880], // largest f16 subnormal; bf16 rounds 0x387fc000 up
  [Infinity, 0x7c00, 0x7f80],
  [-Infinity, 0xfc00, 0xff80],
];

test('binary16 and bfloat16 encodings of known values', () => {
  for (const [x, h, b] of KNOWN) {
    assert.equal(f32BitsToF16Bits(f32Bits(x)), h, `f16 of ${x}`);
    assert.equal(f32BitsToBf16Bits(f32Bits(x)), b, `bf16 of ${x}`);
  }
});

test('binary16 decoding of known bit patterns, including subnormals and specials', () => {
  const decoded = decodeF16(le16(0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x7e00), 0, 10);
  assert.deepEqual(Array.from(decoded.subarray(0, 9)), [1, -2.5, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, -0, Infinity, -Infinity]);
  assert.ok(Object.is(decoded[6], -0));
  assert.ok(Number.isNaN(decoded[9]));
});

test('bfloat16 decoding is the top half of a float32', () => {
  const decoded = decodeBf16(le16(0x3f80, 0xc020, 0x4780, 0x0001, 0x7fc0), 0, 5);
  assert.deepEqual(Array.from(decoded.subarray(0, 4)), [1, -2.5, 65536, 2 ** -133]);
  assert.ok(Number.isNaN(decoded[4]));
});

test('rounding: ties go to even, overflow goes to infinity, tiny values to zero', () => {
  // 1 + 2^-11 is halfway between f16 1 (0x3c00, even) and 1 + 2^-10 (0x3c01): stays 1.
  assert.equal(f32BitsToF16Bits(f32Bits(1 + 2 ** -11)), 0x3c00);
  // 1 + 3·2^-11 is halfway between 0x3c01 (odd) and 0x3c02 (even): goes up.
  assert.equal(f32BitsToF16Bits(f32Bits(1 + 3 * 2 ** -11)), 0x3c02);
  // Just above the tie rounds up.
  assert.equal(f32BitsToF16Bits(f32Bits(1 + 2 ** -11 + 2 ** -20)), 0x3c01);
  // 65520 is the tie between 65504 and 2^16: to even, which is infinity.
  assert.equal(f32BitsToF16Bits(f32Bits(65520)), 0x7c00);
  assert.equal(f32BitsToF16Bits(f32Bits(65519)), 0x7bff);
  // 2^-25 is the tie between 0 and the smallest subnormal: to even (0); a bit more rounds up.
  assert.equal(f32BitsToF16Bits(f32Bits(2 ** -25)), 0x0000);
  assert.equal(f32BitsToF16Bits(f32Bits(2 ** -25 * 1.0001)), 0x0001);
  assert.equal(f32BitsToF16Bits(f32Bits(-(2 ** -30))), 0x8000);
  // bf16: 1 + 2^-8 is the tie between 1 (0x3f80, even) and 0x3f81: stays; 1 + 3·2^-8 goes up to 0x3f82.
  assert.equal(f32BitsToBf16Bits(f32Bits(1 + 2 ** -8)), 0x3f80);
  assert.equal(f32BitsToBf16Bits(f32Bits(1 + 3 * 2 ** -8)), 0x3f82);
  assert.equal(f32BitsToBf16Bits(0x7f7fffff), 0x7f80); // f32 max rounds to infinity
});

test('NaN stays NaN in both encodings', () => {
  for (const bits of [0x7fc00000, 0x7f800001, 0xffc00000]) {
    const h = f32BitsToF16Bits(bits), b = f32BitsToBf16Bits(bits);
    assert.ok((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0, `f16 NaN from ${bits.toString(16)}`);
    assert.ok((b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0, `bf16 NaN from ${bits.toString(16)}`);
  }
});

test('every binary16 value survives decode → encode unchanged', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const values = decodeF16(new Uint8Array(all.buffer), 0, 65536);
  const again = new Uint16Array(encodeHalf(values, 'F16').buffer);
  for (let h = 0; h < 65536; h++) {
    const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    if (!isNaN) assert.equal(again[h], h, `0x${h.toString(16)}`);
  }
});

test('the word decoders agree with the byte decoders at aligned and odd byte offsets', () => {
  const words = Uint16Array.of(0x3c00, 0x0001, 0xfc00, 0x7e01, 0x8000, 0x4780);
  const bytes = new Uint8Array(1 + 2 * words.length);
  bytes.set(new Uint8Array(words.buffer), 1); // odd offset: the decoders copy instead of viewing
  const aligned = new Uint8Array(words.buffer);
  for (const [decodeWords, decodeBytes] of [[f16WordsToF32, decodeF16], [bf16WordsToF32, decodeBf16]] as const) {
    const want = Array.from(decodeWords(words));
    assert.deepEqual(Array.from(decodeBytes(bytes, 1, words.length)), want);
    assert.deepEqual(Array.from(decodeBytes(aligned, 0, words.length)), want);
  }
  assert.deepEqual(Array.from(f16WordsToF32(words)).slice(0, 3), [1, 2 ** -24, -Infinity]);
  assert.deepEqual(Array.from(bf16WordsToF32(Uint16Array.of(0x3f80, 0xc020))), [1, -2.5]);
});
