// tessera/nn: modules with named parameters, buffers and masks; layers; initialisers.
export { Module, childKey, type ForwardContext } from './module.js';
export { Linear, type LinearOptions } from './linear.js';
export { Conv2d, type Conv2dLayerOptions } from './conv2d.js';
export { BatchNorm, batchNorm1d, batchNorm2d, type BatchNormOptions } from './batchNorm.js';
export { LayerNorm, RMSNorm, layerNorm, rmsNorm, gatedRmsNorm } from './norm.js';
export { Dropout } from './dropout.js';
export { Embedding } from './embedding.js';
export { linear, embedRows, halfWeight, isHalfWeight, weightShape, weightBytes, type LinearWeight, type HalfWeight } from './storedWeight.js';
export { Sequential, Flatten, Activation, ReLU, GELU, SiLU, Tanh, Sigmoid, Erf, Identity, MaxPool2d, AvgPool2d, GlobalAvgPool2d } from './containers.js';
export * as init from './init.js';
export { mlp, smallCnn } from './models.js';
export * as sequence from './sequence/index.js';
