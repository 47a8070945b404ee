// tessera/models: complete models — Zamba2 loaded from published checkpoints, ZAYA1 from its config.
export * as zamba2 from './zamba2/index.js';
export * as zaya1 from './zaya1/index.js';
