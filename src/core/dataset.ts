// The in-memory image dataset shared by io/ (loaders) and data/ (splits, batches, tensors).
// It lives in core/ because io and data are siblings that must not import each other.

/**
 * Grayscale images with integer class labels, stored row-major as bytes.
 * - images: Uint8Array of n·height·width pixels in 0..255, image i at [i·h·w, (i+1)·h·w)
 * - labels: Uint8Array of n class indices in 0..classes-1
 */
export interface ImageDataset {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  readonly classes: number;
  /** Short name, e.g. 'fashion-mnist/train'. */
  readonly name: string;
  /** Where the data came from (a directory, a package), for reports. */
  readonly source: string;
}

/** A train and a test split of one dataset. */
export interface DatasetSplits {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}
