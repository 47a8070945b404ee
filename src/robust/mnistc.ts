// The 15 corruptions of the published MNIST-C dataset (Mu & Gilmer 2019, google-research/mnist-c:
// corruptions.py) for greyscale 28×28 digits in [0, 1], each at the fixed severity MNIST-C uses (the
// defaults come from MNIST_C_SEVERITY in mnistcParams.ts), seeded by an explicit key (same key, same
// image); the other corruptions are in mnistcExtra.ts, the dispatch by name in mnistcCorrupt.ts.
// Parameters follow corruptions.py; where the reference relies on a library whose exact
// behaviour was not reproduced, the function says so:
//   glass blur   — as the reference: skimage `gaussian(…, multichannel=True)` on a 2-D image treats the
//                  columns as channels, so both blurs run down the columns only (σ = (0.7, 0));
//   impulse noise — modern skimage s&p (each pixel replaced with probability `amount`, salt or pepper 1:1);
//   motion blur  — ImageMagick's MotionBlurImage approximated by a one-sided Gaussian line kernel
//                  (width 2·radius + 1 samples, σ, bilinear, edges clamped), no PNG 8-bit round trip;
//   fog          — the diamond-square plasma fractal with the same recursion, but our random stream;
//   shear        — the skimage ≤ 0.18 AffineTransform shear (matrix [[1, −sin s], [0, cos s]]);
//   canny edges  — see canny.ts (UNVERIFIED against skimage pixel for pixel).
import { foldIn, normalValues, randintValues, uniformValues, type Key } from '../core/random.js';
import { aboutCentre, clip, gaussianBlur, gaussianBlurAxis, sampleBilinear, warpAffine } from './imageOps.js';
import { canny } from './canny.js';
import { MNIST_C_SEVERITY as P } from './mnistcParams.js';

const S = 28;
const CENTRE = 13.5;
type Img = Float32Array;

/** ±1 with probability ½ each. */
const randomSign = (k: Key): number => (uniformValues(k, 1, 'f64')[0]! < 0.5 ? -1 : 1);

/** Poisson(λ) by inversion of one uniform. */
function poisson(lambda: number, u: number): number {
  let k = 0, p = Math.exp(-lambda), f = p;
  while (u > f && k < 1000) { k++; p *= lambda / k; f += p; }
  return k;
}

/** clip(Poisson(x·c)/c), c = 3 (severity 5). Rates above 50 use the normal approximation. */
export function shotNoise(x: Img, key: Key, c: number = P.shot_noise.params.c): Img {
  const u = uniformValues(key, x.length, 'f64'), g = normalValues(foldIn(key, 1), x.length, 'f64');
  return clip(x.map((v, i) => {
    const lambda = v * c;
    return (lambda > 50 ? Math.max(0, Math.round(lambda + Math.sqrt(lambda) * g[i]!)) : poisson(lambda, u[i]!)) / c;
  }));
}

/** Salt-and-pepper with amount 0.17 (severity 4). */
export function impulseNoise(x: Img, key: Key, amount: number = P.impulse_noise.params.amount): Img {
  const u = uniformValues(key, 2 * x.length, 'f64');
  return x.map((v, i) => (u[i]! < amount ? (u[x.length + i]! < 0.5 ? 0 : 1) : v));
}

/** Blur (σ 0.7, down the columns), 8-bit quantise, swap pixels locally (max δ 1, 2 iterations), blur again (severity 1). */
export function glassBlur(x: Img, key: Key, sigma: number = P.glass_blur.params.sigma, maxDelta: number = P.glass_blur.params.maxDelta, iterations: number = P.glass_blur.params.iterations): Img {
  const q = gaussianBlurAxis(x, S, S, sigma, 'y').map((v) => Math.floor(Math.min(1, Math.max(0, v)) * 255));
  let k = 0;
  for (let it = 0; it < iterations; it++) {
    for (let h = S - maxDelta; h > maxDelta; h--) for (let w = S - maxDelta; w > maxDelta; w--) {
      const kk = foldIn(key, k++);
      if (uniformValues(kk, 1, 'f64')[0]! < 0.5) {
        const [dx, dy] = randintValues(foldIn(kk, 1), 2, -maxDelta, maxDelta); // numpy randint(−δ, δ): −δ … δ−1
        const hp = h + dy!, wp = w + dx!;
        if (hp < 0 || wp < 0 || hp >= S || wp >= S) continue;
        const t = q[h * S + w]!; q[h * S + w] = q[hp * S + wp]!; q[hp * S + wp] = t;
      }
    }
  }
  return clip(gaussianBlurAxis(q.map((v) => v / 255), S, S, sigma, 'y'));
}

/** One-sided motion blur along a random angle in [−45°, 45°), radius 10, σ 3 (severity 1). */
export function motionBlur(x: Img, key: Key, radius: number = P.motion_blur.params.radius, sigma: number = P.motion_blur.params.sigma): Img {
  const { angleMinDeg: lo, angleMaxDeg: hi } = P.motion_blur.params;
  return motionBlurAlong(x, radius, sigma, lo + (hi - lo) * uniformValues(key, 1, 'f64')[0]!);
}

/** The one-sided Gaussian line blur of motionBlur along a given angle in degrees. */
export function motionBlurAlong(x: Img, radius: number, sigma: number, angleDeg: number): Img {
  const angle = (angleDeg * Math.PI) / 180;
  const n = 2 * radius + 1, weights = Float64Array.from({ length: n }, (_, i) => Math.exp(-(i * i) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let xx = 0; xx < S; xx++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const px = Math.min(S - 1, Math.max(0, xx - i * Math.cos(angle))), py = Math.min(S - 1, Math.max(0, y - i * Math.sin(angle)));
      s += weights[i]! * sampleBilinear(x, S, S, px, py, 'constant');
    }
    out[y * S + xx] = s / total;
  }
  return clip(out);
}

/** Affine about the image centre (13.5, 13.5), as mnist-c builds it, constant-0 padding. */
const aboutImageCentre = (x: Img, m: [number, number, number, number]): Img => clip(warpAffine(x, S, S, aboutCentre(m, CENTRE, CENTRE)));

/** Shear 0.4 (severity 2), random direction. */
export function shear(x: Img, key: Key, c: number = P.shear.params.c): Img {
  const s = c * randomSign(key);
  return aboutImageCentre(x, [1, -Math.sin(s), 0, Math.cos(s)]);
}

/** Scale by 1/0.7 in the inverse map, i.e. the digit shrinks to 70% (severity 3). */
export function scale(x: Img, _key: Key, c: number = P.scale.params.c): Img {
  return aboutImageCentre(x, [c, 0, 0, c]);
}

/** Rotation by 0.4 rad (severity 2; AffineTransform takes radians), random direction. */
export function rotateDigit(x: Img, key: Key, c: number = P.rotate.params.radians): Img {
  const r = c * randomSign(key);
  return aboutImageCentre(x, [Math.cos(r), -Math.sin(r), Math.sin(r), Math.cos(r)]);
}

/** clip(x + 0.5): the HSV value shift of a grey pixel (severity 5). */
export function brightness(x: Img, _key: Key, c: number = P.brightness.params.c): Img {
  return clip(x.map((v) => v + c));
}

/** Translation by 3 pixels on each axis with random signs (severity 3). */
export function translateDigit(x: Img, key: Key, c: number = P.translate.params.pixels): Img {
  const dx = c * randomSign(foldIn(key, 0)), dy = c * randomSign(foldIn(key, 1));
  return clip(warpAffine(x, S, S, [1, 0, dx, 0, 1, dy]));
}

/** Inverted columns 0–6 and 21–27. */
export function stripe(x: Img): Img {
  const { invertedColumnsBelow: lo, invertedColumnsFrom: hi } = P.stripe.params;
  return x.map((v, i) => (i % S < lo || i % S >= hi ? 1 - v : v));
}

/** The diamond-square heightmap of mnist-c (mapsize 256), normalised to [0, 1]. */
export function plasmaFractal(key: Key, mapsize = 256, wibbleDecay = 1.4): Float64Array {
  const m = new Float64Array(mapsize * mapsize);
  const at = (r: number, c: number) => m[(((r % mapsize) + mapsize) % mapsize) * mapsize + (((c % mapsize) + mapsize) % mapsize)]!;
  let step = mapsize, wibble = 100, k = 0;
  const jitter = (n: number) => uniformValues(foldIn(key, k++), n, 'f64').map((u) => wibble * (2 * u - 1) * wibble);
  while (step >= 2) {
    const half = step / 2, cells = (mapsize / step) ** 2;
    let j = jitter(cells), t = 0;
    for (let r = 0; r < mapsize; r += step) for (let c = 0; c < mapsize; c += step) {
      m[(r + half) * mapsize + c + half] = (at(r, c) + at(r + step, c) + at(r, c + step) + at(r + step, c + step)) / 4 + j[t++]!;
    }
    j = jitter(2 * cells); t = 0;
    for (let r = 0; r < mapsize; r += step) for (let c = 0; c < mapsize; c += step) {
      // left-edge-centre and top-edge-centre diamonds
      m[r * mapsize + c + half] = (at(r, c) + at(r, c + step) + at(r - half, c + half) + at(r + half, c + half)) / 4 + j[t++]!;
      m[(r + half) * mapsize + c] = (at(r, c) + at(r + step, c) + at(r + half, c - half) + at(r + half, c + half)) / 4 + j[t++]!;
    }
    step /= 2;
    wibble /= wibbleDecay;
  }
  let lo = Infinity, hi = -Infinity;
  for (const v of m) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return m.map((v) => (v - lo) / (hi - lo));
}

/** x + 3·plasma, rescaled by max/(max + 3) (severity 5: c = (3, 1.4)). */
export function fog(x: Img, key: Key, c: number = P.fog.params.c, wibbleDecay: number = P.fog.params.wibbleDecay): Img {
  const size = P.fog.params.mapsize, plasma = plasmaFractal(key, size, wibbleDecay);
  const maxVal = Math.max(...x);
  return clip(x.map((v, i) => ((v + c * plasma[Math.floor(i / S) * size + (i % S)]!) * maxVal) / (maxVal + c)));
}

/** Mud spatter (severity 4: loc .65, scale .3, σ 1, threshold .65, σ_m 1.5, mud colour 63/255). */
export function spatter(x: Img, key: Key): Img {
  const p = P.spatter.params;
  const liquid = gaussianBlur(normalValues(key, S * S, 'f64').map((g) => p.loc + p.scale * g), S, S, p.sigma).map((v) => (v < p.threshold ? 0 : v));
  const mask = gaussianBlur(liquid.map((v) => (v > p.threshold ? 1 : 0)), S, S, p.maskSigma).map((v) => (v < p.maskThreshold ? 0 : v));
  return clip(x.map((v, i) => v * (1 - mask[i]!) + p.mudColour * mask[i]!));
}

const HALF_WIDTH = P.line.params.halfWidth;

/** mnist-c's line_from_points: a soft line of half-width 2.3 between columns c0 and c1. */
export function lineFromPoints(c0: number, r0: number, c1: number, r1: number): Float32Array {
  const out = new Float32Array(S * S);
  if (c1 === c0) return out;
  const m = (r1 - r0) / (c1 - c0), left = Math.floor(c0), right = Math.ceil(c1);
  for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) {
    if (c < left || c >= right) continue;
    const dist = Math.min(HALF_WIDTH - 1e-10, Math.abs(r - (m * (c - c0) + r0)));
    out[r * S + c] = Math.min(1, Math.max(0, Math.log(1 - dist / HALF_WIDTH) + 1));
  }
  return out;
}

/** A dotted line across the image (columns in pairs, every other pair blanked). */
export function dottedLine(x: Img, key: Key): Img {
  const [r0, r1] = randintValues(key, 2, 0, 27);
  const line = lineFromPoints(0, r0!, 27, r1!);
  for (let i = 0; i < line.length; i++) if (Math.floor((i % S) / P.dotted_line.params.dashColumns) % 2 === 0) line[i] = 0;
  return clip(x.map((v, i) => v + line[i]!));
}

/** A zigzag of segments (length a = 2, width b = 2) along a random slanted line from column 2 to 25. */
export function zigzag(x: Img, key: Key): Img {
  const { a, b, c0, c1 } = P.zigzag.params;
  const r0 = randintValues(key, 1, 0, 27)[0]!, r1 = r0 + randintValues(foldIn(key, 1), 1, -5, 5)[0]!;
  const theta = Math.atan((r1 - r0) / (c1 - c0)), d = (c1 - c0) / Math.cos(theta);
  const points: [number, number][] = [[0, 0]];
  let ri = 0;
  for (let i = 0; i < Math.floor((d - a) / (2 * a)) + 1; i++) {
    ri = (-1) ** i * b;
    points.push([(2 * i + 1) * a, ri]);
  }
  const maxC = 2 * a * Math.floor(d / (2 * a));
  if (d !== maxC) points.push([d, ri / (2 * (d - maxC))]);
  const rotated = points.map(([c, r]) => [Math.cos(theta) * c - Math.sin(theta) * r + c0, Math.sin(theta) * c + Math.cos(theta) * r + r0] as const);
  let out: Float32Array = Float32Array.from(x);
  for (let i = 1; i < rotated.length; i++) {
    const line = lineFromPoints(rotated[i - 1]![0], rotated[i - 1]![1], rotated[i]![0], rotated[i]![1]);
    out = clip(out.map((v, j) => v + line[j]!));
  }
  return out;
}

/** Binary Canny edge map. */
export function cannyEdges(x: Img): Img {
  return canny(x, S, S, P.canny_edges.params);
}
