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
