// tessera: the public entry point.
export * from './tensor/index.js';
export { getBackend, setBackend, withBackend } from './backend/registry.js';
export type { Backend, AcceleratedKernels, GemmParams, WeightArray, WeightDType, WeightGemvParams } from './backend/kernels.js';
export { cpuBackend } from './backend/cpu/index.js';
export { TesseraError } from './core/errors.js';
export type { DType, TypedArray } from './core/dtype.js';
