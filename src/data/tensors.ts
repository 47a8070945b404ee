// ImageDataset → training tensors. Browser-safe.
//
// Pixels p in 0..255 become u = p / 255 in [0, 1], then
//   'unit'            x = u
//   'standardize'     x = (u − mean) / std, with mean and std of all pixels of this dataset
//   { mean, std }     x = (u − mean) / std with given statistics (in the [0, 1] scale, e.g. the train set's
//                     statistics applied to the test set; Fashion-MNIST's are about 0.2860 and 0.3530)
// Shapes: x [N, 1, H, W] (or [N, H·W] with flatten), y i32 [N].
import type { ImageDataset } from '../core/dataset.js';
import { dtypeError, rangeError, valueError } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkDataset } from './dataset.js';

export type Normalization = 'unit' | 'standardize' | { readonly mean: number; readonly std: number };

export interface ToTensorsOptions {
  readonly normalize?: Normalization;
  /** [N, H·W] instead of [N, 1, H, W]. */
  readonly flatten?: boolean;
  /** Element type of x (default f32; f64 for kernel methods). */
  readonly dtype?: 'f32' | 'f64';
}

export interface DatasetTensors {
  readonly x: Tensor;
  readonly y: Tensor;
  /** The statistics used: x = (pixel/255 − mean) / std ('unit' is mean 0, std 1). */
  readonly mean: number;
  readonly std: number;
}

/** Mean and (population) standard deviation of all pixels, in the [0, 1] scale. */
export function pixelStats(ds: ImageDataset): { mean: number; std: number } {
  const histogram = new Float64Array(256);
  for (let i = 0; i < ds.images.length; i++) histogram[ds.images[i]!]! += 1;
  let sum = 0, sumSq = 0;
  for (let v = 0; v < 256; v++) {
    const u = v / 255;
    sum += histogram[v]! * u;
    sumSq += histogram[v]! * u * u;
  }
  const count = ds.images.length;
  if (count === 0) return { mean: 0, std: 1 };
  const mean = sum / count;
  return { mean, std: Math.sqrt(Math.max(0, sumSq / count - mean * mean)) };
}

export function toTensors(ds: ImageDataset, options: ToTensorsOptions = {}): DatasetTensors {
  const op = 'toTensors';
  checkDataset(ds, op);
  const dtype = options.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f64') throw dtypeError(op, 'options.dtype', 'f32 or f64', dtype);
  const normalize = options.normalize ?? 'unit';
  let mean: number, std: number;
  if (normalize === 'unit') [mean, std] = [0, 1];
  else if (normalize === 'standardize') ({ mean, std } = pixelStats(ds));
  else if (typeof normalize === 'object' && normalize !== null) ({ mean, std } = normalize);
  else throw valueError(op, 'options.normalize', "'unit', 'standardize' or { mean, std }", normalize);
  if (!Number.isFinite(mean)) throw valueError(op, 'normalize.mean', 'a finite number', mean);
  if (!(std > 0 && Number.isFinite(std))) throw rangeError(op, 'normalize.std', 'a finite number > 0 (is every pixel equal?)', std);
  // A 256-entry lookup table: the same value for the same pixel, whatever the dtype.
  const table = new Float64Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v / 255 - mean) / std;
  const data = dtype === 'f32' ? new Float32Array(ds.images.length) : new Float64Array(ds.images.length);
  for (let i = 0; i < data.length; i++) data[i] = table[ds.images[i]!]!;
  const shape = options.flatten ? [ds.n, ds.height * ds.width] : [ds.n, 1, ds.height, ds.width];
  return { x: new Tensor(data, shape), y: new Tensor(Int32Array.from(ds.labels), [ds.n]), mean, std };
}
