// Plain image operations on one greyscale image: a Float32Array of h·w values, row-major, row = y,
// column = x (skimage conventions). Geometric transforms use an INVERSE map from output pixel (x, y)
// to input coordinates, sampled bilinearly (skimage.transform.warp, order 1) with either constant-0
// padding or periodic wrap; Gaussian blur follows skimage.filters.gaussian (truncate 4, 'nearest' edges).
import { rangeError, shapeError } from '../core/errors.js';

export type BoundaryMode = 'constant' | 'wrap';

/** Row-major 2×3 affine map [a, b, c, d, e, f]: (x, y) ↦ (a·x + b·y + c, d·x + e·y + f). */
export type Affine = readonly [number, number, number, number, number, number];

export function checkImage(img: ArrayLike<number>, h: number, w: number, op: string): void {
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0) || img.length !== h * w) throw shapeError(op, 'image', `${h}×${w} = ${h * w} values`, img.length);
}

/** Bilinear sample at real coordinates (x, y). */
export function sampleBilinear(img: ArrayLike<number>, h: number, w: number, x: number, y: number, mode: BoundaryMode): number {
  const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
  const at = (xi: number, yi: number): number => {
    if (mode === 'wrap') return img[(((yi % h) + h) % h) * w + (((xi % w) + w) % w)]!;
    return xi < 0 || yi < 0 || xi >= w || yi >= h ? 0 : img[yi * w + xi]!;
  };
  const top = (1 - fx) * at(x0, y0) + (fx ? fx * at(x0 + 1, y0) : 0);
  const bottom = fy ? (1 - fx) * at(x0, y0 + 1) + (fx ? fx * at(x0 + 1, y0 + 1) : 0) : 0;
  return (1 - fy) * top + fy * bottom;
}

/** out(x, y) = in(inverse(x, y)), bilinear. */
export function warpAffine(img: ArrayLike<number>, h: number, w: number, inverse: Affine, mode: BoundaryMode = 'constant'): Float32Array {
  checkImage(img, h, w, 'warpAffine');
  const [a, b, c, d, e, f] = inverse;
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = sampleBilinear(img, h, w, a * x + b * y + c, d * x + e * y + f, mode);
  return out;
}

/** The inverse map of a linear map M about the centre (cx, cy): p ↦ M·(p − centre) + centre. */
export function aboutCentre(m: readonly [number, number, number, number], cx: number, cy: number): Affine {
  const [a, b, d, e] = m;
  return [a, b, cx - a * cx - b * cy, d, e, cy - d * cx - e * cy];
}

/**
 * skimage.transform.rotate(img, degrees, mode): counter-clockwise about ((w−1)/2, (h−1)/2), i.e.
 * out(p) = in(R(θ)·(p − centre) + centre) with R(θ) = [[cos, −sin], [sin, cos]] in (x, y).
 */
export function rotate(img: ArrayLike<number>, h: number, w: number, degrees: number, mode: BoundaryMode = 'constant'): Float32Array {
  const t = (degrees * Math.PI) / 180, cos = Math.cos(t), sin = Math.sin(t);
  return warpAffine(img, h, w, aboutCentre([cos, -sin, sin, cos], (w - 1) / 2, (h - 1) / 2), mode);
}

/** Content moved by (dx, dy) pixels (right, down): out(x, y) = in(x − dx, y − dy). */
export function translate(img: ArrayLike<number>, h: number, w: number, dx: number, dy: number, mode: BoundaryMode = 'constant'): Float32Array {
  return warpAffine(img, h, w, [1, 0, -dx, 0, 1, -dy], mode);
}

/** The normalised 1-D Gaussian kernel of skimage/scipy: radius ⌊4σ + 0.5⌋. */
export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 0)) throw rangeError('gaussianKernel', 'sigma', 'a positive number', sigma);
  const r = Math.floor(truncate * sigma + 0.5), k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += (k[i + r] = Math.exp((-0.5 * i * i) / (sigma * sigma)));
  return k.map((v) => v / s);
}

/** Separable Gaussian blur; edges: 'nearest' (replicate, skimage's default) or 'constant' (0). */
export function gaussianBlur(img: ArrayLike<number>, h: number, w: number, sigma: number, edges: 'nearest' | 'constant' = 'nearest'): Float32Array {
  checkImage(img, h, w, 'gaussianBlur');
  const k = gaussianKernel(sigma), r = (k.length - 1) / 2;
  const pick = (v: number, n: number) => (edges === 'nearest' ? Math.min(n - 1, Math.max(0, v)) : v);
  const tmp = new Float64Array(h * w), out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = -r; i <= r; i++) { const xi = pick(x + i, w); if (xi >= 0 && xi < w) s += k[i + r]! * img[y * w + xi]!; }
    tmp[y * w + x] = s;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = -r; i <= r; i++) { const yi = pick(y + i, h); if (yi >= 0 && yi < h) s += k[i + r]! * tmp[yi * w + x]!; }
    out[y * w + x] = s;
  }
  return out;
}

/** An index outside [0, n) mapped back in: 'nearest' replicates the edge, 'reflect' is scipy's (d c b a | a b c d | d c b a). */
function edgeIndex(i: number, n: number, edges: 'nearest' | 'reflect'): number {
  if (edges === 'nearest') return Math.min(n - 1, Math.max(0, i));
  const m = ((i % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

/** A 1-D Gaussian blur along one axis only (x = along rows, y = down columns), scipy.ndimage.gaussian_filter1d. */
export function gaussianBlurAxis(img: ArrayLike<number>, h: number, w: number, sigma: number, axis: 'x' | 'y', edges: 'nearest' | 'reflect' = 'nearest', truncate = 4): Float32Array {
  checkImage(img, h, w, 'gaussianBlurAxis');
  const k = gaussianKernel(sigma, truncate), r = (k.length - 1) / 2, out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = -r; i <= r; i++) s += k[i + r]! * (axis === 'x' ? img[y * w + edgeIndex(x + i, w, edges)]! : img[edgeIndex(y + i, h, edges) * w + x]!);
    out[y * w + x] = s;
  }
  return out;
}

/** 3×3 correlation with replicated edges. */
export function correlate3x3(img: ArrayLike<number>, h: number, w: number, k: readonly number[]): Float64Array {
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      s += k[(dy + 1) * 3 + dx + 1]! * img[Math.min(h - 1, Math.max(0, y + dy)) * w + Math.min(w - 1, Math.max(0, x + dx))]!;
    }
    out[y * w + x] = s;
  }
  return out;
}

/** Values clipped to [lo, hi] in place. */
export function clip(a: Float32Array, lo = 0, hi = 1): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = Math.min(hi, Math.max(lo, a[i]!));
  return a;
}
