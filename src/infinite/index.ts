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
export { inputKernel, toInputs, positionsOf, blockSize, type Kernel, type Inputs } from './kernel.js';
export { fanInSum, fanInProd, fanInConcat } from './fanIn.js';
export { avgPool, sumPool, type AvgPoolOptions } from './pooling.js';
export { globalSelfAttention, type AttentionOptions, type AttentionMechanism } from './attention.js';
export { gradientDescent, type FunctionSpaceLoss, type GradientDescentOptions, type GradientDescentRequest, type GradientDescentResult } from './gradientFlow.js';
export { gradientDescentMse, gpInference, maxLearningRate, type GradientDescentMseOptions, type GradientDescentMseRequest, type GpInferenceOptions } from './finitePredict.js';
export { serial, parallel, fanOut, identity, elementwiseLayer, type Layer, type ParamTree, type Shape, type Flow, type InitOptions, type ApplyOptions } from './layer.js';
export { layerNorm, type LayerNormOptions } from './layerNorm.js';
export { dropout } from './dropout.js';
export { polynomial, monomial, hermite, rectifiedMonomial } from './polynomials.js';
export { dense, denseKernel, type DenseOptions, type Parameterization } from './dense.js';
export { relu, abRelu, leakyRelu, erf, gelu, sin, cos, rbf, exp, gaussian, sign, abs, elementwise, mapKernel, quadratureMap, type PairMap } from './activations.js';
export { conv, flatten, globalAvgPool, type ConvOptions } from './conv.js';
export { gaussHermite, type GaussHermite } from './quadrature.js';
export { kernelFn, type KernelMatrices, type KernelFnOptions } from './kernelFn.js';
export { fusedPlan, fusedKernel, type FusedPlan } from './fused.js';
export { StaxNetwork, flattenParams, unflattenParams } from './network.js';
export { empiricalNngp, empiricalNtk, monteCarloKernel, type EmpiricalKernel, type MonteCarloKernel } from './monteCarlo.js';
export { gradientDescentMseEnsemble, addDiagonalRegularizer, type KernelKind, type KernelPair, type EnsembleOptions, type TrainingTargets, type PredictRequest, type Prediction } from './predict.js';
export { parseArchitecture } from './spec.js';
