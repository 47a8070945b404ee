// Train/test tensors for training runs and reproductions: an optional class-balanced subset of the training
// images and a prefix of the test images, both standardised with the training subset's pixel statistics
// (returned, so a checkpoint can store them and evaluation needs no training set).
import type { DatasetSplits, ImageDataset } from '../core/dataset.js';
import { take, takePerClass } from './dataset.js';
import { toTensors } from './tensors.js';
import type { Tensor } from '../tensor/index.js';

export interface Split {
  x: Tensor;
  y: Tensor;
}

export interface StandardizedSplits {
  train: Split;
  test: Split;
  trainSet: ImageDataset;
  testSet: ImageDataset;
  /** The standardisation applied to both: x' = (x − mean) / std, on pixels scaled to [0, 1]. */
  stats: { mean: number; std: number };
}

/**
 * `trainImages` (balanced across classes; 0 or ≥ n = all) and `testImages` (the first ones; 0 or ≥ n = all)
 * as x [N, H·W] when `flatten`, else [N, 1, H, W], and y i32 [N].
 */
export function standardizedSplits(data: DatasetSplits, o: { trainImages?: number; testImages?: number; flatten: boolean }): StandardizedSplits {
  const trainN = o.trainImages ?? 0, testN = o.testImages ?? 0;
  const trainSet = trainN > 0 && trainN < data.train.n ? takePerClass(data.train, Math.ceil(trainN / data.train.classes)) : data.train;
  const testSet = testN > 0 && testN < data.test.n ? take(data.test, testN) : data.test;
  const tr = toTensors(trainSet, { normalize: 'standardize', flatten: o.flatten });
  const te = toTensors(testSet, { normalize: { mean: tr.mean, std: tr.std }, flatten: o.flatten });
  return { train: { x: tr.x, y: tr.y }, test: { x: te.x, y: te.y }, trainSet, testSet, stats: { mean: tr.mean, std: tr.std } };
}
