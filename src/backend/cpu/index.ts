// The cpu backend: plain TypeScript loops, the specification every other backend is tested against.
import { allocate } from '../../core/dtype.js';
import { cholesky, solveLower, solveUpperTransposed, symmetricEigen } from '../../core/linalg.js';
import type { Backend } from '../kernels.js';
import { batchNormBackward, batchNormForward } from './batchNorm.js';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput } from './conv2d.js';
import { binary, reluBackward, unary } from './elementwise.js';
import { fanInMatmul, fanInMatmulFeatureMajor } from './fanInMatmul.js';
import { gemm } from './gemm.js';
import { adamUpdate, sgdUpdate } from './optimizers.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool2d.js';
import { reduceMax, reduceSum } from './reduce.js';
import { softmax, softmaxBackward, softmaxCrossEntropy, softmaxCrossEntropyBackward } from './softmax.js';
import { weightGemv } from './weightGemv.js';
import { cachedAttention, cachedAttentionBackward } from './cachedAttention.js';
import { ssdStep } from './ssdStep.js';
import { rmsNormalize } from './rmsNormalize.js';
import { positionConv, positionGram, positionPool, positionReduce, positionSandwich } from './positions.js';
import { pairMap } from './pairMaps.js';
import { positionPipeline } from './positionPipeline.js';

export const cpuBackend: Backend = {
  name: 'cpu',
  threads: 1,
  allocateOutput: allocate,
  gemm,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardFilter,
  weightGemv,
  cachedAttention,
  cachedAttentionBackward,
  ssdStep,
  rmsNormalize,
  fanInMatmul,
  fanInMatmulFeatureMajor,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  batchNormForward,
  batchNormBackward,
  unary,
  binary,
  reluBackward,
  reduceSum,
  reduceMax,
  softmax,
  softmaxBackward,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
  sgdUpdate,
  adamUpdate,
  cholesky,
  solveTriangular: (l, b, n, m, transpose) => (transpose ? solveUpperTransposed(l, b, n, m) : solveLower(l, b, n, m)),
  eighSym: symmetricEigen,
  positionGram,
  positionConv,
  positionPool,
  positionReduce,
  positionSandwich,
  pairMap,
  positionPipeline,
};

export { gemm, conv2d, conv2dBackwardInput, conv2dBackwardFilter, fanInMatmul, fanInMatmulFeatureMajor, weightGemv };
export { checkWeightGemv } from './weightGemv.js';
export { checkSsdStep, ssdStep } from './ssdStep.js';
export { checkCachedAttention } from './cachedAttention.js';
export { fanInMatmulBackward } from './fanInMatmul.js';
export { convSources } from './positions.js';
