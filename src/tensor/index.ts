// tessera/tensor: tensors, primitives, autograd and random tensors.
export { Tensor, tensor, full, zeros, ones, scalar, arange, isTensor } from './tensor.js';
export { apply, backward, grad, isGradEnabled, noGrad, stopGradient, valueAndGrad, vjp, cotangents } from './autograd.js';
export type { Primitive, PrimitiveName, PrimitiveParams, PrimitiveTable } from './primitive.js';
export { primitives } from './table.js';
export * from './ops/elementwise.js';
export { sum, max, mean, sumToShape } from './ops/reduce.js';
export { matmul, type MatmulOptions } from './ops/matmul.js';
export { reshape, transpose, broadcastTo, slice, pad, concat, stack, expandDims, squeeze } from './ops/shape.js';
export { take, takeAlongAxis, scatterAdd, cumsum } from './ops/indexing.js';
export { conv2d, conv1d, maxPool2d, avgPool2d, type Conv2dOptions, type Conv1dOptions, type Pool2dOptions } from './ops/conv.js';
export { fanInMatmul } from './ops/sparse.js';
export { batchNorm, channelMoments } from './ops/batchNorm.js';
export { logsumexp, softmax, logSoftmax, crossEntropy, mse, type CrossEntropyOptions, type Reduction } from './ops/composite.js';
export { softmaxCrossEntropy } from './ops/softmax.js';
export { gradCheck, type GradCheckResult } from './gradcheck.js';
export { detectAnomaly, isAnomalyDetectionEnabled } from './anomaly.js';
export * as random from './random.js';
