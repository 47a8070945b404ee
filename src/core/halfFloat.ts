// 16-bit floats ⇄ float32, bit-exact: the one conversion of binary16 and bfloat16, used by the safetensors
// reader and writer (io/) and by the weight-GEMV reference (backend/cpu/weightGemv.ts).
//
// IEEE binary16 (F16): 1 sign, 5 exponent (bias 15), 10 fraction bits; max 65504, min subnormal 2^-24.
// bfloat16 (BF16): the top 16 bits of a float32: 1 sign, 8 exponent (bias 127), 7 fraction bits.
// Encoding rounds to nearest, ties to even (as numpy / torch do); overflow gives ±Infinity; NaN stays NaN.

let f16Table: Float32Array | null = null;

/** All 65536 binary16 values as float32 (built once, 256 KB). */
function f16ToF32Table(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24; // zero and subnormals
    else if (exp === 31) table[h] = frac ? NaN : sign * Infinity;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return (f16Table = table);
}

/** float32 bit pattern → binary16 bit pattern, round to nearest even. */
export function f32BitsToF16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 255) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0); // Inf, or quiet NaN
  if (exp >= 113) {
    // Normal in binary16 (or overflows): rebias 127 → 15, keep the top 10 fraction bits, round.
    const halfExp = exp - 112;
    if (halfExp >= 31) return sign | 0x7c00;
    let out = (halfExp << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && out & 1)) out += 1; // a carry into the exponent is correct, up to Inf
    return sign | out;
  }
  if (exp < 102) return sign; // below half the smallest subnormal (2^-25): rounds to ±0
  // Subnormal in binary16: value = full24 · 2^(exp-150) = (full24 >> shift) · 2^-24 with shift = 126 - exp.
  const full = mant | 0x800000;
  const shift = 126 - exp; // 14..24
  let out = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && out & 1)) out += 1;
  return sign | out;
}

/** float32 bit pattern → bfloat16 bit pattern, round to nearest even. */
export function f32BitsToBf16Bits(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return ((bits >>> 16) | 0x40) & 0xffff; // quiet NaN
  const u = bits >>> 0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** binary16 words → float32, exact (zeros, subnormals, ±Infinity and NaN included); `out` defaults to a new array. */
export function f16WordsToF32(words: Uint16Array, out = new Float32Array(words.length)): Float32Array {
  const table = f16ToF32Table();
  for (let i = 0; i < words.length; i++) out[i] = table[words[i]!]!;
  return out;
}

/** bfloat16 words → float32, exact: a word is the top half of its float32's bits (bits << 16). */
export function bf16WordsToF32(words: Uint16Array, out = new Float32Array(words.length)): Float32Array {
  const outBits = new Uint32Array(out.buffer, out.byteOffset, words.length);
  for (let i = 0; i < words.length; i++) outBits[i] = (words[i]! << 16) >>> 0;
  return out;
}

/** `count` little-endian 16-bit words from `bytes[offset]`: a view when 2-byte aligned (hosts are little-endian), else a copy. */
function littleEndianWords(bytes: Uint8Array, offset: number, count: number): Uint16Array {
  if ((bytes.byteOffset + offset) % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset + offset, count);
  const words = new Uint16Array(count);
  for (let i = 0, p = offset; i < count; i++, p += 2) words[i] = bytes[p]! | (bytes[p + 1]! << 8);
  return words;
}

/** Decode `count` little-endian binary16 values starting at `bytes[offset]`. */
export function decodeF16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  return f16WordsToF32(littleEndianWords(bytes, offset, count));
}

/** Decode `count` little-endian bfloat16 values starting at `bytes[offset]`. */
export function decodeBf16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  return bf16WordsToF32(littleEndianWords(bytes, offset, count));
}

/** Encode float values (rounded to float32 first) as little-endian binary16 or bfloat16 bytes. */
export function encodeHalf(values: ArrayLike<number>, format: 'F16' | 'BF16'): Uint8Array {
  const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
  const bits = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
  const out = new Uint8Array(2 * f32.length);
  const convert = format === 'F16' ? f32BitsToF16Bits : f32BitsToBf16Bits;
  for (let i = 0; i < bits.length; i++) {
    const h = convert(bits[i]!);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}
