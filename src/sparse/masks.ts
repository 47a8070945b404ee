// Random static sparsity masks: a u8 0/1 tensor of a weight's shape with exactly `removeCount` zeros
// at uniformly random positions (every subset of that size equally likely).
//
// The original draws the positions with random.sample(range(n), k) (ResNet18/utils.py
// make_smask_for_layer) or as the top-k of uniform noise (MLP/models.py make_and_apply_smask); both are
// a uniform k-subset. Here: the first k entries of a keyed Fisher–Yates permutation (core/random.ts).
//
// ioOnly (the io_only variant, for a conv weight [out, in, kh, kw]): the mask is drawn on the [out, in]
// grid and each removed (o, i) pair zeroes its whole kh×kw kernel, the contiguous block of kh·kw
// elements at offset (o·in + i)·kh·kw. removeCount counts weights, so it must be a multiple of kh·kw
// (the allocation step, waterFillingRemovals with granularity, produces such counts; the original
// truncates with int(nwtf/kernel_size) instead — here a non-multiple is an error, so nothing is lost
// silently). A rank-2 (linear) weight under ioOnly is masked element-wise, kernel size 1, as the original.
import { rangeError, shapeError } from '../core/errors.js';
import { permutationValues, type Key } from '../core/random.js';
import type { Shape } from '../core/shape.js';
import { Tensor } from '../tensor/index.js';

export interface RandomMaskOptions {
  /** Remove whole kh×kw kernels of a conv weight [out, in, kh, kw] (default false: single weights). */
  ioOnly?: boolean;
}

/** Elements per removable unit: kh·kw for a conv weight under ioOnly, else 1. */
export function maskUnitSize(shape: Shape, ioOnly = false): number {
  if (!ioOnly) return 1;
  if (shape.length === 2) return 1;
  if (shape.length === 4) return shape[2]! * shape[3]!;
  throw shapeError('randomMask', 'shape', 'a linear [out, in] or conv [out, in, kh, kw] weight shape with ioOnly', shape);
}

/** A u8 mask of `shape` with exactly size − removeCount ones; the zeros are a uniform random subset. */
export function randomMask(key: Key, shape: Shape, removeCount: number, options: RandomMaskOptions = {}): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  if (!Number.isSafeInteger(removeCount) || removeCount < 0 || removeCount > size) {
    throw rangeError('randomMask', 'removeCount', `an integer in [0, ${size}] for shape [${shape.join(', ')}]`, removeCount);
  }
  const unit = maskUnitSize(shape, options.ioOnly);
  if (removeCount % unit !== 0) {
    throw rangeError('randomMask', 'removeCount', `a multiple of the kernel size ${unit} (ioOnly removes whole kernels)`, removeCount);
  }
  const mask = new Uint8Array(size).fill(1);
  const removeUnits = removeCount / unit;
  if (removeUnits > 0) {
    const perm = permutationValues(key, size / unit);
    for (let j = 0; j < removeUnits; j++) mask.fill(0, perm[j]! * unit, (perm[j]! + 1) * unit);
  }
  return new Tensor(mask, [...shape]);
}
