// Sequence-model layers on Tensors (autograd through all of them): causal grouped-query attention, RoPE,
// the KV cache, the gated MLP, LoRA, the depthwise causal conv, the chunked and recurrent SSD and the
// Mamba2 mixer. RMSNorm and the gated RMSNorm live with the other norms in ../norm.ts.
export * from './attention.js';
export * from './rotary.js';
export * from './kvCache.js';
export * from './gatedMlp.js';
export * from './lora.js';
export * from './causalConv.js';
export * from './ssd.js';
export * from './mamba2.js';
