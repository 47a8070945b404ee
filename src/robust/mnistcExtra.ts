// The MNIST-C corruptions of corruptions.py beyond the 15 of the published dataset (Mu & Gilmer 2019,
// google-research/mnist-c), for greyscale 28×28 digits in [0, 1], at the severity of each function's
// default argument there (MNIST_C_SEVERITY in mnistcParams.ts), seeded by an explicit key. Each function
// takes a partial parameter object that overrides the table's entry. What is not the reference exactly:
//   gaussian blur  — as the reference: skimage `gaussian(…, multichannel=True)` on a 2-D image treats the
//                    columns as channels, so σ = 2 blurs down the columns only (σ = (2, 0));
//   defocus blur   — cv2.filter2D / GaussianBlur with BORDER_REFLECT_101, in floating point (cv2 filters
//                    17×17 kernels through the DFT; rounding differs at the 1e-7 level);
//   zoom blur, snow — scipy.ndimage.zoom order 1 (corners aligned) rebuilt by hand;
//   snow           — the snow layer goes through 8 bits as the reference's PNG does, but ImageMagick's
//                    MotionBlurImage is the approximation of mnistc.ts's motionBlurAlong (UNVERIFIED);
//   saturate       — skimage's HSV round trip and rgb2gray weights (0.2125, 0.7154, 0.0721) in closed form
//                    for grey pixels (their hue and saturation are 0);
//   jpeg           — see jpeg.ts (libjpeg's quantisation, not its integer DCT or entropy coder);
//   pixelate       — Pillow's BOX resampling 28 → 11 → 28 on 8-bit pixels, weights in floating point
//                    instead of Pillow's 22-bit fixed point (UNVERIFIED against Pillow pixel for pixel);
//   elastic        — cv2.getAffineTransform / warpAffine (bilinear, zero border) and scipy's 'reflect'
//                    Gaussian (truncate 3) and map_coordinates (order 1, zero outside [0, 27]) rebuilt;
//                    cv2's fixed-point bilinear weights are not reproduced;
//   every random draw comes from our key stream, not numpy's.
import { foldIn, normalValues, randintValues, uniformValues, type Key } from '../core/random.js';
import { valueError } from '../core/errors.js';
import { clip, gaussianBlurAxis, sampleBilinear, warpAffine, type Affine } from './imageOps.js';
import { lineFromPoints, motionBlurAlong } from './mnistc.js';
import { jpegRoundTrip } from './jpeg.js';
import { MNIST_C_SEVERITY as P } from './mnistcParams.js';

const S = 28;
type Img = Float32Array;
type Params<N extends keyof typeof P> = (typeof P)[N]['params'];

/** Python's round(): halves to even (numpy.round, and the output sizes of scipy.ndimage.zoom). */
export const roundHalfEven = (v: number): number => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** Pixels of a [0, 1] image on the 8-bit grid, as the reference's PIL images are. */
const toBytes = (x: Img): Float64Array => Float64Array.from(x, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));

/** clip(x + N(0, σ²)), σ = 0.38 (severity 5). */
export function gaussianNoiseDigit(x: Img, key: Key, o: Partial<Params<'gaussian_noise'>> = {}): Img {
  const { sigma } = { ...P.gaussian_noise.params, ...o }, g = normalValues(key, x.length, 'f64');
  return clip(x.map((v, i) => v + sigma * g[i]!));
}

/** clip(x + x·N(0, c²)), c = 0.6 (severity 5): noise proportional to the pixel. */
export function speckleNoise(x: Img, key: Key, o: Partial<Params<'speckle_noise'>> = {}): Img {
  const { c } = { ...P.speckle_noise.params, ...o }, g = normalValues(key, x.length, 'f64');
  return clip(x.map((v, i) => v + v * c * g[i]!));
}

/** Gaussian blur σ = 2 (severity 2) down the columns only, as the reference's multichannel call does. */
export function gaussianBlurDigit(x: Img, _key: Key, o: Partial<Params<'gaussian_blur'>> = {}): Img {
  const { sigma } = { ...P.gaussian_blur.params, ...o };
  return clip(gaussianBlurAxis(x, S, S, sigma, 'y'));
}

/** reflect-101 index (cv2's default border): … c b | a b c … */
const reflect101 = (i: number, n: number): number => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);

/** mnist-c's disk(): an aliased disk of the radius on a (2·max(8, r) + 1)² grid, normalised, then cv2.GaussianBlur (3×3 or 5×5, σ = aliasBlur). */
export function diskKernel(radius: number, aliasBlur: number): { size: number; k: Float64Array } {
  const half = radius <= 8 ? 8 : Math.floor(radius), ks = radius <= 8 ? 3 : 5, n = 2 * half + 1;
  const disk = new Float64Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) disk[y * n + x] = (x - half) ** 2 + (y - half) ** 2 <= radius * radius ? 1 : 0;
  const total = disk.reduce((a, b) => a + b, 0);
  const g = Float64Array.from({ length: ks }, (_, i) => Math.exp(-((i - (ks - 1) / 2) ** 2) / (2 * aliasBlur * aliasBlur)));
  const gs = g.reduce((a, b) => a + b, 0), r = (ks - 1) / 2;
  const tmp = new Float64Array(n * n), k = new Float64Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    let s = 0;
    for (let i = -r; i <= r; i++) s += g[i + r]! * disk[y * n + reflect101(x + i, n)]!;
    tmp[y * n + x] = s / gs / total;
  }
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    let s = 0;
    for (let i = -r; i <= r; i++) s += g[i + r]! * tmp[reflect101(y + i, n) * n + x]!;
    k[y * n + x] = s / gs;
  }
  return { size: n, k };
}

/** Correlation with the disk kernel of radius 3, alias blur 0.1 (severity 1), reflect-101 borders. */
export function defocusBlur(x: Img, _key: Key, o: Partial<Params<'defocus_blur'>> = {}): Img {
  const { radius, aliasBlur } = { ...P.defocus_blur.params, ...o }, { size, k } = diskKernel(radius, aliasBlur), half = (size - 1) / 2;
  const out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let xx = 0; xx < S; xx++) {
    let s = 0;
    for (let dy = -half; dy <= half; dy++) for (let dx = -half; dx <= half; dx++) {
      s += k[(dy + half) * size + dx + half]! * x[reflect101(y + dy, S) * S + reflect101(xx + dx, S)]!;
    }
    out[y * S + xx] = s;
  }
  return clip(out);
}

/** mnist-c's clipped_zoom: the central ⌈28/z⌉² crop, zoomed by z (bilinear, corners aligned), centre 28² kept. */
export function clippedZoom(img: ArrayLike<number>, z: number): Float32Array {
  if (!(z >= 1)) throw valueError('clippedZoom', 'zoom', 'a factor ≥ 1', z);
  const ch = Math.ceil(S / z), top = Math.floor((S - ch) / 2), n = roundHalfEven(ch * z), trim = Math.floor((n - S) / 2);
  const crop = new Float32Array(ch * ch);
  for (let y = 0; y < ch; y++) for (let x = 0; x < ch; x++) crop[y * ch + x] = img[(top + y) * S + top + x]!;
  const f = n > 1 ? (ch - 1) / (n - 1) : 0, out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) out[y * S + x] = sampleBilinear(crop, ch, ch, (x + trim) * f, (y + trim) * f, 'constant');
  return out;
}

/** The mean of the image and its zooms by 1, 1.03, …, 1.30 (severity 5). */
export function zoomBlur(x: Img, _key: Key, o: Partial<Params<'zoom_blur'>> = {}): Img {
  const { zooms } = { ...P.zoom_blur.params, ...o }, out = Float64Array.from(x);
  for (const z of zooms) clippedZoom(x, z).forEach((v, i) => { out[i]! += v; });
  return clip(Float32Array.from(out, (v) => v / (zooms.length + 1)));
}

/** Snow (severity 5): a zoomed, thresholded, motion-blurred noise layer added twice (turned 180°) to a brightened digit. */
export function snow(x: Img, key: Key, o: Partial<Params<'snow'>> = {}): Img {
  const p = { ...P.snow.params, ...o };
  const noise = normalValues(foldIn(key, 0), S * S, 'f64').map((g) => p.loc + p.scale * g);
  const flakes = clippedZoom(noise, p.zoom).map((v) => (v < p.threshold ? 0 : Math.floor(Math.min(1, Math.max(0, v)) * 255) / 255));
  const angle = p.angleMinDeg + (p.angleMaxDeg - p.angleMinDeg) * uniformValues(foldIn(key, 1), 1, 'f64')[0]!;
  const layer = motionBlurAlong(flakes, p.radius, p.sigma, angle).map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255) / 255);
  return clip(x.map((v, i) => p.blend * v + (1 - p.blend) * Math.max(v, 1.5 * v + 0.5) + layer[i]! + layer[S * S - 1 - i]!));
}

/** (x − mean)·c + mean with c = 0.1 (severity 4). */
export function contrast(x: Img, _key: Key, o: Partial<Params<'contrast'>> = {}): Img {
  const { c } = { ...P.contrast.params, ...o }, mean = x.reduce((a, b) => a + b, 0) / x.length;
  return clip(x.map((v) => (v - mean) * c + mean));
}

/** skimage hsv2rgb of one pixel. */
function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const hi = Math.floor(h * 6) % 6, f = h * 6 - Math.floor(h * 6), p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  return ([[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]] as const)[hi]!.slice() as [number, number, number];
}

/** HSV of the grey pixel (0, 0, v) scaled by 20 and shifted by 0.2 (severity 5), back to grey by rgb2gray. */
export function saturate(x: Img, _key: Key, o: Partial<Params<'saturate'>> = {}): Img {
  const { scale: c, shift } = { ...P.saturate.params, ...o }, c01 = (v: number) => Math.min(1, Math.max(0, v));
  return clip(x.map((v) => {
    const [r, g, b] = hsvToRgb(c01(shift), c01(shift), c01(v * c + shift));
    return 0.2125 * r + 0.7154 * g + 0.0721 * b;
  }));
}

/** JPEG at quality 7 (severity 5) and back, on the 8-bit image. */
export function jpegCompression(x: Img, _key: Key, o: Partial<Params<'jpeg_compression'>> = {}): Img {
  const { quality } = { ...P.jpeg_compression.params, ...o };
  return Float32Array.from(jpegRoundTrip(toBytes(x), S, S, quality), (v) => v / 255);
}

/** Pillow's BOX resampling along one axis: output pixel j averages the inputs whose centres fall in its box. */
function boxWeights(inSize: number, outSize: number): { start: number; w: number[] }[] {
  const scale = inSize / outSize, support = 0.5 * Math.max(scale, 1), ss = 1 / Math.max(scale, 1);
  return Array.from({ length: outSize }, (_, j) => {
    const centre = (j + 0.5) * scale, start = Math.max(Math.trunc(centre - support + 0.5), 0);
    const count = Math.min(Math.trunc(centre + support + 0.5), inSize) - start;
    const w = Array.from({ length: count }, (_, i): number => { const t = (i + start - centre + 0.5) * ss; return t > -0.5 && t <= 0.5 ? 1 : 0; });
    const total = w.reduce((a, b) => a + b, 0);
    return { start, w: w.map((v) => v / total) };
  });
}

/** A BOX resize of an h×w 8-bit image to oh×ow: rows first, then columns, each pass rounded to 8 bits (Pillow's order). */
export function boxResize(img: ArrayLike<number>, h: number, w: number, oh: number, ow: number): Float64Array {
  const wx = boxWeights(w, ow), wy = boxWeights(h, oh), tmp = new Float64Array(h * ow), out = new Float64Array(oh * ow);
  for (let y = 0; y < h; y++) for (let x = 0; x < ow; x++) tmp[y * ow + x] = Math.floor(wx[x]!.w.reduce((s, k, i) => s + k * img[y * w + wx[x]!.start + i]!, 0) + 0.5);
  for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) out[y * ow + x] = Math.floor(wy[y]!.w.reduce((s, k, i) => s + k * tmp[(wy[y]!.start + i) * ow + x]!, 0) + 0.5);
  return out;
}

/** Down to ⌊28·0.4⌋ = 11 pixels and back up to 28 with BOX resampling (severity 3). */
export function pixelate(x: Img, _key: Key, o: Partial<Params<'pixelate'>> = {}): Img {
  const { c } = { ...P.pixelate.params, ...o }, small = Math.trunc(S * c);
  if (!(small >= 1 && small <= S)) throw valueError('pixelate', 'c', `a factor with 1 ≤ ⌊28·c⌋ ≤ 28`, c);
  const down = boxResize(toBytes(x), S, S, small, small);
  return Float32Array.from(boxResize(down, small, small, S, S), (v) => v / 255);
}

/** The affine map (x, y) ↦ (a·x + b·y + c, d·x + e·y + f) taking three points to three points (cv2.getAffineTransform). */
export function affineFromPoints(src: readonly (readonly [number, number])[], dst: readonly (readonly [number, number])[]): Affine {
  const [[x0, y0], [x1, y1], [x2, y2]] = src as [[number, number], [number, number], [number, number]];
  const det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
  if (Math.abs(det) < 1e-12) throw valueError('affineFromPoints', 'src', 'three points not on one line', JSON.stringify(src));
  const solve = (u0: number, u1: number, u2: number): [number, number, number] => [
    (u0 * (y1 - y2) - y0 * (u1 - u2) + (u1 * y2 - u2 * y1)) / det,
    (x0 * (u1 - u2) - u0 * (x1 - x2) + (x1 * u2 - x2 * u1)) / det,
    (x0 * (y1 * u2 - y2 * u1) - y0 * (x1 * u2 - x2 * u1) + u0 * (x1 * y2 - x2 * y1)) / det,
  ];
  return [...solve(dst[0]![0], dst[1]![0], dst[2]![0]), ...solve(dst[0]![1], dst[1]![1], dst[2]![1])] as unknown as Affine;
}

/** The inverse of an invertible affine map. */
export function invertAffine([a, b, c, d, e, f]: Affine): Affine {
  const det = a * e - b * d;
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

/** Elastic transform (severity 1: α = 56, σ = 19.6, affine jitter 2.8): a random affine, then a smooth random displacement. */
export function elasticTransform(x: Img, key: Key, o: Partial<Params<'elastic_transform'>> = {}): Img {
  const { alpha, sigma, affine } = { ...P.elastic_transform.params, ...o };
  const centre = Math.floor(S / 2), half = Math.floor(S / 3);
  const pts1 = [[centre + half, centre + half], [centre + half, centre - half], [centre - half, centre - half]] as const;
  const jitter = uniformValues(foldIn(key, 0), 6, 'f64').map((u) => Math.fround(affine * (2 * u - 1)));
  const pts2 = pts1.map(([px, py], i) => [px + jitter[2 * i]!, py + jitter[2 * i + 1]!] as const);
  const warped = warpAffine(x, S, S, invertAffine(affineFromPoints(pts1, pts2)));
  const field = (k: Key) => gaussianBlurAxis(gaussianBlurAxis(uniformValues(k, S * S, 'f64').map((u) => 2 * u - 1), S, S, sigma, 'y', 'reflect', 3), S, S, sigma, 'x', 'reflect', 3).map((v) => v * alpha);
  const dx = field(foldIn(key, 1)), dy = field(foldIn(key, 2)), out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let xx = 0; xx < S; xx++) {
    const sx = xx + dx[y * S + xx]!, sy = y + dy[y * S + xx]!;
    out[y * S + xx] = sx < 0 || sy < 0 || sx > S - 1 || sy > S - 1 ? 0 : sampleBilinear(warped, S, S, sx, sy, 'constant');
  }
  return clip(out);
}

/** round(x·(2^bits − 1)) / (2^bits − 1), halves to even, bits = 1 (severity 5): 2^bits grey levels. */
export function quantize(x: Img, _key: Key, o: Partial<Params<'quantize'>> = {}): Img {
  const { bits } = { ...P.quantize.params, ...o }, levels = 2 ** bits - 1;
  if (!(Number.isInteger(bits) && bits >= 1 && bits <= 8)) throw valueError('quantize', 'bits', 'an integer in 1…8', bits);
  return x.map((v) => roundHalfEven(v * levels) / levels);
}

/** A soft straight line from a column in 0…4 to one in 22…26, rows 0…26 at both ends. */
export function straightLine(x: Img, key: Key): Img {
  const p = P.line.params;
  const c0 = randintValues(foldIn(key, 0), 1, p.c0Low, p.c0High)[0]!, c1 = randintValues(foldIn(key, 1), 1, p.c1Low, p.c1High)[0]!;
  const [r0, r1] = randintValues(foldIn(key, 2), 2, 0, p.rowHigh);
  const line = lineFromPoints(c0, r0!, c1, r1!);
  return clip(x.map((v, i) => v + line[i]!));
}

/** 1 − x. */
export function inverseDigit(x: Img): Img {
  return x.map((v) => 1 - v);
}
