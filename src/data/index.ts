// tessera/data: pure, browser-safe dataset helpers (loading from files lives in io/).
export type { ImageDataset, DatasetSplits } from '../core/dataset.js';
export { checkDataset, classCounts, subset, take, takePerClass, classSubset, trainValSplit, upsample } from './dataset.js';
export { shuffleIndices, batches, gatherRows, gatherBatch, type BatchOptions } from './batching.js';
export { standardizedSplits, type StandardizedSplits, type Split } from './standardizedSplits.js';
export { toTensors, pixelStats, type Normalization, type ToTensorsOptions, type DatasetTensors } from './tensors.js';
export { randomizeLabels, withRandomLabels, type RandomizeOptions } from './labels.js';
export { TINY_CORPUS, characterVocabulary } from './tinyCorpus.js';
export { adversarialSpheres, OUTER_SPHERE_RADIUS, INNER_SPHERE_LABEL, OUTER_SPHERE_LABEL, type SpheresOptions } from './spheres.js';
