// tessera/models: complete models loaded from published checkpoints.
export * as zamba2 from './zamba2/index.js';
