// tessera/models/zaya1: the ZAYA1 MoE language model (Zyphra): config, parameter counter.
export { ZAYA1_BASE, ZAYA1_TINY, headDim, parseZaya1Config, validateZaya1Config, type Zaya1Config } from './config.js';
export { countZaya1Params, type Zaya1ParamCount } from './params.js';
