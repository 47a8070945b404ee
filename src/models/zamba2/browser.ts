// tessera/models/zamba2/browser: everything of models/zamba2 that runs without Node (no node:* module is reached
// from here) — config, tensor list and cache sizes, the model and generation, the tokenizer, the attention-only
// baseline, fine-tuning, and the loader over a model directory's files in memory (loadZamba2FromFiles). The web
// app imports this; tessera/models/zamba2 is this plus the disk side (load from a path, write checkpoints).
export { parseZamba2Config, blockOfInvocation, type Zamba2Config, type Zamba2LayerType, type ConfigOptions } from './config.js';
export { ZAMBA2_PRESETS, type Zamba2PresetName } from './presets.js';
export {
  zamba2TensorSpecs, mambaTensorSpecs, sharedBlockTensorSpecs, countZamba2Parameters, zamba2CacheSizes, zamba2CacheBytes,
  type TensorSpec, type ParameterBreakdown, type CacheSizes,
} from './tensors.js';
export { assembleZamba2Weights, randomZamba2Tensors, randomZamba2Weights, isServedMatrix, type Zamba2Weights, type RandomFill } from './weights.js';
export { Zamba2Model, mamba2DimsOf, type Zamba2Cache, type SsdPath } from './model.js';
export { loadZamba2FromFiles, loadZamba2FromDirectory, type Zamba2Checkpoint, type LoadOptions } from './loader.js';
export { detectLayout, mapCheckpointName, type CheckpointLayout } from './checkpointNames.js';
export { generate, chooseToken, type GenerateOptions, type SamplingOptions, type GenerateResult } from './generate.js';
export { Zamba2Tokenizer } from './tokenizer.js';
export { tinyZamba2ConfigJson } from './tinyConfig.js';
export { AttentionBaseline, baselineLayerCount, baselineLayerParameters, baselineCacheBytes } from './attentionBaseline.js';
export { finetuneZamba2, languageModelLoss, trainableNames, type FinetuneMode, type FinetuneOptions, type FinetuneResult } from './finetune.js';
