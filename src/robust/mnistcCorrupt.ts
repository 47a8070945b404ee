// One entry point for every MNIST-C corruption by name (the list and severities are in mnistcParams.ts,
// the functions in mnistc.ts — the 15 of the published dataset — and mnistcExtra.ts — the rest).
import { foldIn, type Key } from '../core/random.js';
import { valueError } from '../core/errors.js';
import { checkImage } from './imageOps.js';
import {
  brightness, cannyEdges, dottedLine, fog, glassBlur, impulseNoise, motionBlur, rotateDigit, scale, shear, shotNoise, spatter, stripe, translateDigit, zigzag,
} from './mnistc.js';
import {
  contrast, defocusBlur, elasticTransform, gaussianBlurDigit, gaussianNoiseDigit, inverseDigit, jpegCompression, pixelate, quantize, saturate, snow, speckleNoise,
  straightLine, zoomBlur,
} from './mnistcExtra.js';
import { MNIST_C_CORRUPTIONS, type MnistCCorruption } from './mnistcParams.js';

const S = 28;

const APPLY: Record<MnistCCorruption, (x: Float32Array, key: Key) => Float32Array> = {
  shot_noise: (x, k) => shotNoise(x, k),
  impulse_noise: (x, k) => impulseNoise(x, k),
  glass_blur: (x, k) => glassBlur(x, k),
  motion_blur: (x, k) => motionBlur(x, k),
  shear: (x, k) => shear(x, k),
  scale: (x, k) => scale(x, k),
  rotate: (x, k) => rotateDigit(x, k),
  brightness: (x, k) => brightness(x, k),
  translate: (x, k) => translateDigit(x, k),
  stripe: (x) => stripe(x),
  fog: (x, k) => fog(x, k),
  spatter: (x, k) => spatter(x, k),
  dotted_line: (x, k) => dottedLine(x, k),
  zigzag: (x, k) => zigzag(x, k),
  canny_edges: (x) => cannyEdges(x),
  gaussian_noise: (x, k) => gaussianNoiseDigit(x, k),
  speckle_noise: (x, k) => speckleNoise(x, k),
  gaussian_blur: (x, k) => gaussianBlurDigit(x, k),
  defocus_blur: (x, k) => defocusBlur(x, k),
  zoom_blur: (x, k) => zoomBlur(x, k),
  snow: (x, k) => snow(x, k),
  contrast: (x, k) => contrast(x, k),
  saturate: (x, k) => saturate(x, k),
  jpeg_compression: (x, k) => jpegCompression(x, k),
  pixelate: (x, k) => pixelate(x, k),
  elastic_transform: (x, k) => elasticTransform(x, k),
  quantize: (x, k) => quantize(x, k),
  line: (x, k) => straightLine(x, k),
  inverse: (x) => inverseDigit(x),
};

/** Apply the named MNIST-C corruption, at MNIST-C's severity, to one 28×28 image in [0, 1]. */
export function corruptDigit(name: MnistCCorruption, x: ArrayLike<number>, key: Key): Float32Array {
  const apply = Object.hasOwn(APPLY, name) ? APPLY[name] : undefined;
  if (!apply) throw valueError('corruptDigit', 'name', `one of ${MNIST_C_CORRUPTIONS.join(', ')}`, name);
  checkImage(x, S, S, `mnistC ${name}`);
  return apply(Float32Array.from(x), key);
}

/** Corrupt every image of a batch [N, 28·28] (flat) in place order; image i uses foldIn(key, i). */
export function corruptBatch(name: MnistCCorruption, images: ArrayLike<number>, n: number, key: Key): Float32Array {
  const out = new Float32Array(n * S * S);
  for (let i = 0; i < n; i++) out.set(corruptDigit(name, Array.prototype.slice.call(images, i * S * S, (i + 1) * S * S) as number[], foldIn(key, i)), i * S * S);
  return out;
}
