// tessera/sparse: static random sparsity for widening at a fixed number of weights (the wide-sparse
// paper, Golubeva et al. 2021): water-filling allocation, random masks, sparse re-initialisation,
// connectivity reports, the fixed-budget MLP/CNN builders and the two bottleneck baselines.
export { waterFillingRemovals, type WaterFillingOptions } from './waterFilling.js';
export { randomMask, maskUnitSize, type RandomMaskOptions } from './masks.js';
export {
  applyStaticSparsity, formatConnectivity, sparsifiableWeights,
  type StaticSparsityOptions, type ConnectivityReport, type LayerConnectivity, type ReinitRule,
} from './staticSparsity.js';
export {
  mlpWeightCount, denseWidthForBudget, sparseMlpAtBudget, readoutRemovalSweep, smallCnnWeightCount, sparseCnnAtBudget,
  type SparseMlpOptions, type SparseMlp, type SmallCnnShape, type SparseCnnOptions,
} from './widening.js';
export {
  LowRankLinear, NonLinearBottleneck, bottleneckMlpAtBudget, bottleneckForBudget, exactBottleneckWidths,
  type BottleneckOptions, type BottleneckMlpOptions, type BottleneckMlp,
} from './bottleneck.js';
// Dynamic sparse training (RigL, Evci et al. 2020; SRigL, Lasby et al. 2024): layer-wise distributions,
// the update schedule, the per-layer drop/grow rules and the training-loop driver.
export {
  layerDensities, formatDistribution, keptCount, constantFanIn,
  type SparsityDistribution, type LayerShape, type DistributionOptions, type LayerDensity, type DistributionReport,
} from './distributions.js';
export { riglSchedule, type RiglSchedule, type RiglScheduleOptions } from './schedule.js';
export { riglLayerUpdate, topIndices, dropBudget, type RiglUpdate } from './rigl.js';
export {
  sriglLayerUpdate, constantFanInMask, ablationThreshold, rowsToAblate,
  type SriglLayerOptions, type SriglUpdate, type SurplusTruncation,
} from './srigl.js';
export {
  createDynamicSparsity,
  type DynamicSparsity, type DynamicSparsityOptions, type DynamicMethod, type SparseInit, type LayerStats,
} from './dynamicSparsity.js';
// Condensed constant fan-in inference (SRigL §B): condensed layers and networks, their safetensors format (in
// memory: loadCondensed / saveCondensed read and write it on disk, in tessera/train), and the CSR baseline.
export {
  condenseLinear, condenseMlp, condensedForward, condensedMlpForward, condensedInput, denseOfCondensed, CONDENSED_ACTIVATIONS,
  type DenseOfCondensed, type CondensedLinear, type CondensedMlp, type CondensedIndices, type CondenseLinearOptions, type CondenseMlpOptions, type CondensedInput,
} from './condensed.js';
export {
  parseCondensed, serializeCondensed, describeCondensed, CONDENSED_FORMAT, CONDENSED_VERSION,
  type CondensedDescription, type CondensedLayerDescription,
} from './condensedFile.js';
export { csrFromMasked, csrMatmul, csrMatmulReference, type CsrMatrix } from './csr.js';
