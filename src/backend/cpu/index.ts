// The cpu backend: plain TypeScript loops, the specification every other backend is tested against.
import type { Backend } from '../kernels.js';
import { conv2d, conv2dBackwardFilter, conv2dBackwardInput } from './conv2d.js';
import { fanInMatmul, fanInMatmulFeatureMajor } from './fanInMatmul.js';
import { gemm } from './gemm.js';

export const cpuBackend: Backend = {
  name: 'cpu',
  threads: 1,
  gemm,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardFilter,
  fanInMatmul,
  fanInMatmulFeatureMajor,
};

export { gemm, conv2d, conv2dBackwardInput, conv2dBackwardFilter, fanInMatmul, fanInMatmulFeatureMajor };
export { fanInMatmulBackward } from './fanInMatmul.js';
