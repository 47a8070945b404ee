// The readable typed-array references of src/nn/sequence (test only, no autograd): Mamba2 mixer with chunked and
// recurrent SSD, causal attention with rotary and a KV cache, gated MLP, LoRA adapters, row operations.
export * from './rows.js';
export * from './ssd.js';
export * from './mamba2.js';
export * from './rotary.js';
export * from './lora.js';
export * from './gatedMlp.js';
export * from './attention.js';
