// The lossy part of baseline JPEG for one greyscale 8-bit image, as MNIST-C's jpeg_compression runs it
// through Pillow (libjpeg, one component, jpeg_set_quality(quality, force_baseline = TRUE)):
//   pad to a multiple of 8 by replicating the last column and row (libjpeg's edge expansion), shift by
//   −128, 8×8 DCT-II, divide by the IJG luminance table scaled for the quality (Annex K.1; scale 5000/q
//   below 50, 200 − 2q above, entries (t·scale + 50) / 100 clamped to 1…255) and round halves away from
//   zero (libjpeg's quantiser), multiply back, inverse DCT, shift by +128, round, clamp to 0…255, crop.
// The entropy coder is lossless and left out. libjpeg's integer DCTs (islow) round intermediate values;
// this uses the exact floating-point transform, so pixels can differ by about one grey level
// (UNVERIFIED against libjpeg pixel for pixel).
import { rangeError } from '../core/errors.js';
import { checkImage } from './imageOps.js';

const LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** The luminance quantisation table for a quality in 1…100 (libjpeg's jpeg_quality_scaling, baseline). */
export function jpegQuantTable(quality: number): Int32Array {
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) throw rangeError('jpegQuantTable', 'quality', 'an integer in 1…100', quality);
  const scale = quality < 50 ? Math.trunc(5000 / quality) : 200 - 2 * quality;
  return Int32Array.from(LUMINANCE, (t) => Math.min(255, Math.max(1, Math.trunc((t * scale + 50) / 100))));
}

/** cos((2x + 1)uπ/16)·C(u)/2, C(0) = 1/√2: the 1-D JPEG DCT basis, index u·8 + x. */
const BASIS = Float64Array.from({ length: 64 }, (_, i) => {
  const u = Math.floor(i / 8), x = i % 8;
  return (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/** Encode and decode an h×w 8-bit image (values 0…255) at the quality; returns 0…255 integers. */
export function jpegRoundTrip(img: ArrayLike<number>, h: number, w: number, quality: number): Float64Array {
  checkImage(img, h, w, 'jpegRoundTrip');
  const q = jpegQuantTable(quality), out = new Float64Array(h * w);
  const block = new Float64Array(64), tmp = new Float64Array(64), coef = new Float64Array(64);
  for (let by = 0; by < h; by += 8) for (let bx = 0; bx < w; bx += 8) {
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = img[Math.min(h - 1, by + y) * w + Math.min(w - 1, bx + x)]! - 128;
    // forward DCT: rows, then columns
    for (let y = 0; y < 8; y++) for (let u = 0; u < 8; u++) { let s = 0; for (let x = 0; x < 8; x++) s += BASIS[u * 8 + x]! * block[y * 8 + x]!; tmp[y * 8 + u] = s; }
    for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) { let s = 0; for (let y = 0; y < 8; y++) s += BASIS[v * 8 + y]! * tmp[y * 8 + u]!; coef[v * 8 + u] = s; }
    for (let i = 0; i < 64; i++) coef[i] = Math.sign(coef[i]!) * Math.floor(Math.abs(coef[i]!) / q[i]! + 0.5) * q[i]!;
    // inverse DCT: columns, then rows
    for (let y = 0; y < 8; y++) for (let u = 0; u < 8; u++) { let s = 0; for (let v = 0; v < 8; v++) s += BASIS[v * 8 + y]! * coef[v * 8 + u]!; tmp[y * 8 + u] = s; }
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      if (by + y >= h || bx + x >= w) continue;
      let s = 0;
      for (let u = 0; u < 8; u++) s += BASIS[u * 8 + x]! * tmp[y * 8 + u]!;
      out[(by + y) * w + bx + x] = Math.min(255, Math.max(0, Math.round(s + 128)));
    }
  }
  return out;
}
