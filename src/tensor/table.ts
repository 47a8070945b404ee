// The primitive table: every primitive by name. Its type is a mapped type over PrimitiveParams,
// so adding a primitive to PrimitiveParams without a definition here fails to compile.
import type { PrimitiveTable } from './primitive.js';
import { batchNormPrimitive } from './ops/batchNorm.js';
import { rmsNormalizePrimitive } from './ops/rmsNormalize.js';
import { conv2dPrimitive } from './ops/conv.js';
import { avgPool2dPrimitive, maxPool2dPrimitive } from './ops/pool.js';
import { binaryPrimitives, castPrimitive, comparePrimitives, unaryPrimitives, wherePrimitive } from './ops/elementwise.js';
import { cumsumPrimitive, scatterAddPrimitive, takeAlongAxisPrimitive, takePrimitive } from './ops/indexing.js';
import { matmulPrimitive } from './ops/matmul.js';
import { maxPrimitive, sumPrimitive } from './ops/reduce.js';
import { broadcastToPrimitive, concatPrimitive, padPrimitive, reshapePrimitive, slicePrimitive, transposePrimitive } from './ops/shape.js';
import { fanInMatmulPrimitive } from './ops/sparse.js';
import { halfWeightMatmulPrimitive } from './ops/halfWeight.js';
import { cachedAttentionPrimitive } from './ops/cachedAttention.js';
import { softmaxCrossEntropyPrimitive, softmaxPrimitives } from './ops/softmax.js';

export const primitives: PrimitiveTable = {
  ...unaryPrimitives,
  ...binaryPrimitives,
  ...comparePrimitives,
  where: wherePrimitive,
  cast: castPrimitive,
  sum: sumPrimitive,
  max: maxPrimitive,
  matmul: matmulPrimitive,
  fanInMatmul: fanInMatmulPrimitive,
  halfWeightMatmul: halfWeightMatmulPrimitive,
  cachedAttention: cachedAttentionPrimitive,
  reshape: reshapePrimitive,
  transpose: transposePrimitive,
  broadcastTo: broadcastToPrimitive,
  slice: slicePrimitive,
  pad: padPrimitive,
  concat: concatPrimitive,
  take: takePrimitive,
  takeAlongAxis: takeAlongAxisPrimitive,
  scatterAdd: scatterAddPrimitive,
  cumsum: cumsumPrimitive,
  batchNorm: batchNormPrimitive,
  rmsNormalize: rmsNormalizePrimitive,
  ...softmaxPrimitives,
  softmaxCrossEntropy: softmaxCrossEntropyPrimitive,
  conv2d: conv2dPrimitive,
  maxPool2d: maxPool2dPrimitive,
  avgPool2d: avgPool2dPrimitive,
};
