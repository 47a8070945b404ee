// tessera/infinite: infinite-width kernels and the wide-sparse paper's kernel distance.
export type { VectorLike, MatrixLike } from './inputs.js';
export { arcCosineJ, arcCosineFromMoments, arcCosineKernel, arcCosineGram, arcCosinePairs, type ArcCosineOrder } from './arccos.js';
export { sparseArcCosineKernels, MAX_EXACT_SUPPORT, type SparseArcCosineKernels } from './sparseArcCosine.js';
export {
  theorem1Distance, approximateDistance, optimalDensityAtFixedNP, approximateDistanceOverWidths,
  type Theorem1Distance, type WidthDistance,
} from './kernelDistance.js';
export {
  readoutKernelPairs, readoutKernelGram, infiniteReadoutKernelPairs, infiniteReadoutKernelGram, hiddenActivations,
} from './readoutKernel.js';
export { sampleSparseGaussianWeights, bernoulliPositions } from './sparseWeights.js';
export { empiricalDistance, readoutDistanceOfWeights, type PairInput, type DistanceEstimate } from './empiricalDistance.js';
