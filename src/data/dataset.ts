// Pure helpers on the in-memory ImageDataset (core/dataset.ts): checks, subsets, class subsets,
// balanced subsets, seeded train/validation splits, nearest-neighbour upsampling. Browser-safe.
//
// Every helper returns a new dataset with copied pixels; selected samples keep their original order.
import type { ImageDataset } from '../core/dataset.js';
import { rangeError, shapeError, valueError } from '../core/errors.js';
import { permutationValues, type Key } from '../core/random.js';

export type { ImageDataset, DatasetSplits } from '../core/dataset.js';

/** Throws unless the arrays agree with n, height, width and classes. */
export function checkDataset(ds: ImageDataset, op: string): void {
  const pixels = ds.n * ds.height * ds.width;
  if (!(ds.images instanceof Uint8Array) || ds.images.length !== pixels) {
    throw shapeError(op, `${ds.name}.images`, `a Uint8Array of n·height·width = ${ds.n}·${ds.height}·${ds.width} = ${pixels} pixels`, ds.images?.length);
  }
  if (!(ds.labels instanceof Uint8Array) || ds.labels.length !== ds.n) {
    throw shapeError(op, `${ds.name}.labels`, `a Uint8Array of n = ${ds.n} labels`, ds.labels?.length);
  }
  const bad = ds.labels.findIndex((l) => l >= ds.classes);
  if (bad >= 0) throw rangeError(op, `${ds.name}.labels[${bad}]`, `a class in 0..${ds.classes - 1}`, ds.labels[bad]);
}

/** Samples per class: counts[c] = #{i : labels[i] = c}. */
export function classCounts(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]! += 1;
  return counts;
}

/** The samples at `indices` (each in 0..n-1, repeats allowed), in the given order. */
export function subset(ds: ImageDataset, indices: ArrayLike<number>, name = ds.name): ImageDataset {
  checkDataset(ds, 'subset');
  const pixels = ds.height * ds.width;
  const images = new Uint8Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) throw rangeError('subset', `indices[${j}]`, `an integer in 0..${ds.n - 1}`, i);
    images.set(ds.images.subarray(i * pixels, (i + 1) * pixels), j * pixels);
    labels[j] = ds.labels[i]!;
  }
  return { ...ds, images, labels, n: indices.length, name };
}

/** The first `n` samples. */
export function take(ds: ImageDataset, n: number): ImageDataset {
  if (!Number.isInteger(n) || n < 0 || n > ds.n) throw rangeError('take', 'n', `an integer in 0..${ds.n}`, n);
  return subset(ds, Int32Array.from({ length: n }, (_, i) => i));
}

/**
 * A balanced subset: `perClass` samples of every class — the first ones in dataset order, or a random
 * choice when `key` is given. The chosen samples keep their dataset order.
 */
export function takePerClass(ds: ImageDataset, perClass: number, key?: Key): ImageDataset {
  const op = 'takePerClass';
  checkDataset(ds, op);
  if (!Number.isInteger(perClass) || perClass < 0) throw rangeError(op, 'perClass', 'a non-negative integer', perClass);
  const order = key ? permutationValues(key, ds.n) : Int32Array.from({ length: ds.n }, (_, i) => i);
  const taken = new Array<number>(ds.classes).fill(0);
  const chosen: number[] = [];
  for (const i of order) {
    const c = ds.labels[i]!;
    if (taken[c]! < perClass) {
      taken[c]! += 1;
      chosen.push(i);
    }
  }
  const short = taken.findIndex((t) => t < perClass);
  if (short >= 0) throw rangeError(op, 'perClass', `at most ${taken[short]} (the size of class ${short} in ${ds.name})`, perClass);
  chosen.sort((a, b) => a - b);
  return subset(ds, chosen, `${ds.name}[${perClass}/class]`);
}

/**
 * Only the samples of `classes` (e.g. [3, 5] for a binary task). With `relabel` (default) class
 * classes[k] becomes label k and the dataset has classes.length classes; otherwise labels are kept.
 */
export function classSubset(ds: ImageDataset, classes: readonly number[], relabel = true): ImageDataset {
  const op = 'classSubset';
  checkDataset(ds, op);
  const newLabel = new Int16Array(ds.classes).fill(-1);
  classes.forEach((c, k) => {
    if (!Number.isInteger(c) || c < 0 || c >= ds.classes) throw rangeError(op, `classes[${k}]`, `a class in 0..${ds.classes - 1}`, c);
    if (newLabel[c] !== -1) throw valueError(op, 'classes', 'distinct classes', classes as number[]);
    newLabel[c] = k;
  });
  const indices: number[] = [];
  for (let i = 0; i < ds.n; i++) if (newLabel[ds.labels[i]!] !== -1) indices.push(i);
  const out = subset(ds, indices, `${ds.name}{${classes.join(',')}}`);
  if (!relabel) return out;
  const labels = out.labels.map((l) => newLabel[l]!);
  return { ...out, labels, classes: classes.length };
}

/**
 * A seeded random split into train and validation parts. `validation` is a fraction in (0, 1) of the
 * samples (rounded), or an integer count 0..n (so 1 means one sample, not everything).
 */
export function trainValSplit(ds: ImageDataset, validation: number, key: Key): { train: ImageDataset; val: ImageDataset } {
  const op = 'trainValSplit';
  checkDataset(ds, op);
  let count: number;
  if (validation > 0 && validation < 1) count = Math.round(validation * ds.n);
  else if (Number.isInteger(validation) && validation >= 0 && validation <= ds.n) count = validation;
  else throw rangeError(op, 'validation', `a fraction in (0, 1) or an integer count in 0..${ds.n}`, validation);
  const perm = permutationValues(key, ds.n);
  const val = perm.slice(0, count).sort();
  const train = perm.slice(count).sort();
  return { train: subset(ds, train, `${ds.name}:train`), val: subset(ds, val, `${ds.name}:val`) };
}

/** Nearest-neighbour upsampling by an integer factor: each pixel becomes a factor × factor block. */
export function upsample(ds: ImageDataset, factor: number): ImageDataset {
  const op = 'upsample';
  checkDataset(ds, op);
  if (!Number.isInteger(factor) || factor < 1) throw rangeError(op, 'factor', 'a positive integer', factor);
  const h = ds.height, w = ds.width, H = h * factor, W = w * factor;
  const images = new Uint8Array(ds.n * H * W);
  const row = new Uint8Array(W);
  for (let i = 0; i < ds.n; i++) {
    for (let y = 0; y < h; y++) {
      const src = i * h * w + y * w;
      for (let x = 0; x < W; x++) row[x] = ds.images[src + Math.floor(x / factor)]!;
      for (let r = 0; r < factor; r++) images.set(row, i * H * W + (y * factor + r) * W);
    }
  }
  return { ...ds, images, height: H, width: W, name: `${ds.name}×${factor}` };
}
