// A small synthetic ImageDataset for data/ tests: pixel values encode (sample, position) so copies can be checked.
import type { ImageDataset } from '../../src/core/dataset.js';

/** n images of h×w; pixel (i, y, x) = (7·i + 3·y + x) mod 256; labels cycle 0..classes-1 unless given. */
export function syntheticDataset(n: number, h = 4, w = 3, classes = 10, labels?: number[]): ImageDataset {
  const images = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) images[i * h * w + y * w + x] = (7 * i + 3 * y + x) % 256;
  const l = Uint8Array.from(labels ?? Array.from({ length: n }, (_, i) => i % classes));
  return { images, labels: l, n, height: h, width: w, classes, name: 'synthetic', source: 'test' };
}

/** The pixels of image i. */
export const imageOf = (ds: ImageDataset, i: number): number[] => Array.from(ds.images.subarray(i * ds.height * ds.width, (i + 1) * ds.height * ds.width));
