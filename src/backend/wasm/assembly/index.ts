// Entry point of the wasm module: every exported kernel. Built by scripts/build-wasm.mjs into build/wasm/kernels.wasm.
export { gemmBlocked, gemmScratchBytes } from './gemm';
export { gemv } from './gemv';
export { fanInGatherU16, fanInGatherI32, fanInGatherValidatedU16, fanInGatherValidatedI32, fanInFeatureMajorU16, fanInFeatureMajorI32, permuteBlocks } from './fanIn';
export { im2col, col2im } from './im2col';
export { weightGemv } from './weightGemv';
export { ssdStep } from './ssdStep';
export { cachedAttention } from './cachedAttention';
