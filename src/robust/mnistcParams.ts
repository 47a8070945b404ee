// The MNIST-C corruption list and the severity parameters of each corruption (Mu & Gilmer 2019,
// google-research/mnist-c:corruptions.py). The reference repository has no script that writes the
// dataset; each function's default `severity` argument is the level MNIST-C uses, and the 15 of the
// published dataset (its CORRUPTIONS list) are generated at those defaults. This table records, for
// each of our corruptions, that severity (1–5, null where the function has no severity) and the
// parameters it selects, in [0, 1] pixel units where the reference works in [0, 255] / 255. The
// corruption functions take their defaults from here and `tessera robust faults` prints it.
//
// ALL_CORRUPTIONS in corruptions.py has 31 corruptions besides identity. Two are left out, because
// they read data files of the reference repository that tessera does not ship:
//   pessimal_noise — Gaussian noise through a learned 196×196 matrix (the pickle `pessimal_noise_matrix`);
//   frost          — random 28×28 crops of the photographs frost/frost1.png … frost5.jpg.
// Identity (the clean images of the dataset) is not a corruption and not listed.

export const MNIST_C_CORRUPTIONS = [
  // the 15 of the published dataset
  'shot_noise', 'impulse_noise', 'glass_blur', 'motion_blur', 'shear', 'scale', 'rotate', 'brightness', 'translate', 'stripe', 'fog', 'spatter', 'dotted_line', 'zigzag', 'canny_edges',
  // the rest of ALL_CORRUPTIONS
  'gaussian_noise', 'speckle_noise', 'gaussian_blur', 'defocus_blur', 'zoom_blur', 'snow', 'contrast', 'saturate', 'jpeg_compression', 'pixelate', 'elastic_transform', 'quantize', 'line', 'inverse',
] as const;
export type MnistCCorruption = (typeof MNIST_C_CORRUPTIONS)[number];

/** The 15 corruptions of the published MNIST-C dataset (corruptions.py CORRUPTIONS, without identity). */
export const MNIST_C_DATASET_CORRUPTIONS: readonly MnistCCorruption[] = MNIST_C_CORRUPTIONS.slice(0, 15);

export interface MnistCSeverity {
  /** The severity level (1–5) of corruptions.py's default argument; null: the corruption has none. */
  severity: number | null;
  /** The parameters that level selects (pixel values on a [0, 1] scale). */
  params: Record<string, number | number[]>;
}

/** numpy.arange(start, stop, step), as zoom_blur lists its zoom factors. */
const arange = (start: number, stop: number, step: number): number[] => Array.from({ length: Math.ceil((stop - start) / step) }, (_, i) => start + i * step);

export const MNIST_C_SEVERITY = {
  shot_noise: { severity: 5, params: { c: 3 } },
  impulse_noise: { severity: 4, params: { amount: 0.17 } },
  glass_blur: { severity: 1, params: { sigma: 0.7, maxDelta: 1, iterations: 2 } },
  motion_blur: { severity: 1, params: { radius: 10, sigma: 3, angleMinDeg: -45, angleMaxDeg: 45 } },
  shear: { severity: 2, params: { c: 0.4 } },
  scale: { severity: 3, params: { c: 1 / 0.7 } },
  rotate: { severity: 2, params: { radians: 0.4 } },
  brightness: { severity: 5, params: { c: 0.5 } },
  translate: { severity: 3, params: { pixels: 3 } },
  stripe: { severity: null, params: { invertedColumnsBelow: 7, invertedColumnsFrom: 21 } },
  fog: { severity: 5, params: { c: 3, wibbleDecay: 1.4, mapsize: 256 } },
  spatter: { severity: 4, params: { loc: 0.65, scale: 0.3, sigma: 1, threshold: 0.65, maskSigma: 1.5, maskThreshold: 0.8, mudColour: 63 / 255 } },
  dotted_line: { severity: null, params: { halfWidth: 2.3, dashColumns: 2 } },
  zigzag: { severity: null, params: { a: 2, b: 2, c0: 2, c1: 25, halfWidth: 2.3 } },
  canny_edges: { severity: null, params: { sigma: 1, low: 0.1, high: 0.2 } },
  gaussian_noise: { severity: 5, params: { sigma: 0.38 } },
  speckle_noise: { severity: 5, params: { c: 0.6 } },
  gaussian_blur: { severity: 2, params: { sigma: 2 } },
  defocus_blur: { severity: 1, params: { radius: 3, aliasBlur: 0.1 } },
  zoom_blur: { severity: 5, params: { zooms: arange(1, 1.31, 0.03) } },
  snow: { severity: 5, params: { loc: 0.55, scale: 0.3, zoom: 2.5, threshold: 0.85, radius: 12, sigma: 12, blend: 0.55, angleMinDeg: -135, angleMaxDeg: -45 } },
  contrast: { severity: 4, params: { c: 0.1 } },
  saturate: { severity: 5, params: { scale: 20, shift: 0.2 } },
  jpeg_compression: { severity: 5, params: { quality: 7 } },
  pixelate: { severity: 3, params: { c: 0.4 } },
  elastic_transform: { severity: 1, params: { alpha: 28 * 2, sigma: 28 * 0.7, affine: 28 * 0.1 } },
  quantize: { severity: 5, params: { bits: 1 } },
  line: { severity: null, params: { halfWidth: 2.3, c0Low: 0, c0High: 5, c1Low: 22, c1High: 27, rowHigh: 27 } },
  inverse: { severity: null, params: {} },
} satisfies Record<MnistCCorruption, MnistCSeverity>;
