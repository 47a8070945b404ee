// Label randomisation (the "random labels" experiments of the generalization-bound papers). Browser-safe.
//
// Choice: exactly m = round(p · N) samples, chosen uniformly without replacement, get a label drawn
// uniformly from the *other* classes, so exactly m labels are wrong afterwards and the corrupted
// fraction is p (up to rounding). With `allowSame`, the new label is drawn from all classes instead (the
// "p of the labels resampled" convention of Zhang et al. 2017), so about m·(1 − 1/classes) change.
// The research note (kernels-bounds.md) asks for a "label-randomization harness" but fixes no convention.
import type { ImageDataset } from '../core/dataset.js';
import { rangeError } from '../core/errors.js';
import { permutationValues, split, uniformValues, type Key } from '../core/random.js';
import { checkDataset } from './dataset.js';

export interface RandomizeOptions {
  /** Draw the new label from all classes (it may equal the old one). Default false. */
  readonly allowSame?: boolean;
}

/**
 * New labels with round(p · N) of them re-drawn. `indices` lists the re-drawn positions (ascending);
 * without allowSame, they are exactly the positions whose label changed.
 */
export function randomizeLabels<L extends Uint8Array | Int32Array>(
  labels: L, p: number, key: Key, classes: number, options: RandomizeOptions = {},
): { labels: L; indices: Int32Array } {
  const op = 'randomizeLabels';
  if (!(p >= 0 && p <= 1)) throw rangeError(op, 'p', 'a fraction in [0, 1]', p);
  const allowSame = options.allowSame ?? false;
  if (!Number.isInteger(classes) || classes < (allowSame ? 1 : 2)) {
    throw rangeError(op, 'classes', `an integer ≥ ${allowSame ? 1 : 2}`, classes);
  }
  const n = labels.length;
  const [pickKey, drawKey] = split(key) as [Key, Key];
  const m = Math.round(p * n);
  const indices = permutationValues(pickKey, n).slice(0, m).sort();
  const u = uniformValues(drawKey, m, 'f64');
  const out = (labels instanceof Int32Array ? Int32Array.from(labels) : Uint8Array.from(labels)) as L; // a copy even for a Buffer
  for (let j = 0; j < m; j++) {
    const i = indices[j]!;
    const old = labels[i]!;
    if (!(old >= 0 && old < classes)) throw rangeError(op, `labels[${i}]`, `a class in 0..${classes - 1}`, old);
    out[i] = allowSame ? Math.floor(u[j]! * classes) : (old + 1 + Math.floor(u[j]! * (classes - 1))) % classes;
  }
  return { labels: out, indices };
}

/** `ds` with round(p · n) labels randomised (see randomizeLabels). */
export function withRandomLabels(ds: ImageDataset, p: number, key: Key, options: RandomizeOptions = {}): ImageDataset {
  checkDataset(ds, 'withRandomLabels');
  const { labels } = randomizeLabels(ds.labels, p, key, ds.classes, options);
  return { ...ds, labels, name: `${ds.name}+random-labels(${p})` };
}
