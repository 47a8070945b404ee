// tessera/models/zamba2: the Zamba2 hybrid Mamba2 / shared-attention language model from Hugging Face
// checkpoints (research/zamba2.md): config, tensor list and parameter counts, loader, model with the hybrid
// cache, generation, tokenizer, tiny checkpoints.
export { parseZamba2Config, blockOfInvocation, type Zamba2Config, type Zamba2LayerType, type ConfigOptions } from './config.js';
export { ZAMBA2_PRESETS, type Zamba2PresetName } from './presets.js';
export {
  zamba2TensorSpecs, mambaTensorSpecs, sharedBlockTensorSpecs, countZamba2Parameters, zamba2CacheSizes, zamba2CacheBytes,
  type TensorSpec, type ParameterBreakdown, type CacheSizes,
} from './tensors.js';
export { assembleZamba2Weights, randomZamba2Tensors, randomZamba2Weights, isServedMatrix, type Zamba2Weights, type RandomFill } from './weights.js';
export { Zamba2Model, mamba2DimsOf, type Zamba2Cache, type SsdPath } from './model.js';
export { loadZamba2Checkpoint, type Zamba2Checkpoint, type LoadOptions } from './loader.js';
export { detectLayout, mapCheckpointName, type CheckpointLayout } from './checkpointNames.js';
export { generate, chooseToken, type GenerateOptions, type SamplingOptions, type GenerateResult } from './generate.js';
export { Zamba2Tokenizer } from './tokenizer.js';
export { writeTinyZamba2Checkpoint, tinyTokenizerJson, type TinyCheckpointOptions } from './tinyCheckpoint.js';
export { tinyZamba2ConfigJson } from './tinyConfig.js';
export { AttentionBaseline, baselineLayerCount, baselineLayerParameters } from './attentionBaseline.js';
export { finetuneZamba2, languageModelLoss, trainableNames, type FinetuneMode, type FinetuneOptions, type FinetuneResult } from './finetune.js';
export { saveZamba2Checkpoint } from './save.js';
