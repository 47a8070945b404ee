// tessera/models/zaya1: the ZAYA1 MoE language model (Zyphra): config, parameter counter, CCA attention,
// the ZAYA1 router and MoE, residual scaling, the model with its decode state.
export { ZAYA1_BASE, ZAYA1_TINY, headDim, parseZaya1Config, validateZaya1Config, type Zaya1Config } from './config.js';
export { countZaya1Params, type Zaya1ParamCount } from './params.js';
export { CCA, type CcaState } from './cca.js';
export { ZayaRouter, type Routing } from './router.js';
export { ZayaMoE, Expert } from './moe.js';
export { Zaya1Model, ResidualScaling, type Zaya1Output, type Zaya1DecodeState } from './model.js';
export { trainTinyZaya1, loadStats, type TinyTrainOptions, type TinyTrainResult, type BalanceRecord } from './train.js';
