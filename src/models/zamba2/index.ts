// tessera/models/zamba2: the Zamba2 hybrid Mamba2 / shared-attention language model from Hugging Face
// checkpoints (research/zamba2.md): config, tensor list and parameter counts, loader, model with the hybrid
// cache, generation, tokenizer, tiny checkpoints. The part without node:* is ./browser.ts
// (tessera/models/zamba2/browser); this adds the disk side: load a directory by path, write checkpoints.
export * from './browser.js';
export { loadZamba2Checkpoint } from './diskLoader.js';
export { writeTinyZamba2Checkpoint, tinyTokenizerJson, type TinyCheckpointOptions } from './tinyCheckpoint.js';
export { saveZamba2Checkpoint } from './save.js';
