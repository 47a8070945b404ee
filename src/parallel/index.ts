// tessera/parallel: a metered communicator (simulated ranks or worker threads), the TP, SP,
// Ulysses, TP×SP and TSP layouts of a transformer block (and of Zamba2's shared block under TP, SP,
// TP×SP and TSP), and the analytic models and planner.
export { Communicator, type Endpoint, type CommunicatorOptions, type RankProgram, type FloatKind } from './communicator.js';
export { ringChunkBounds, binomialChildren, type CollectiveAlgorithm, type PointToPoint } from './collectives.js';
export { CommMeter, MemoryMeter, MEMORY_CATEGORIES, type MemoryCategory, type MemorySnapshot, type TrafficRecord } from './meters.js';
export { runSimulated, ParallelRunError, type RankRun, type RunOptions } from './transports/simulated.js';
export {
  WEIGHT_NAMES, blockForward, referenceBlock, initBlock, projectKV, attendAndProject, attentionCore, swiglu, headDim, weightShapes, blockParameterCount,
  type BlockConfig, type BlockWeights, type WeightName, type AttentionGeometry,
} from './block.js';
export { referenceGradients } from './block.js';
export type { LayoutBlock, AttentionParts, MlpParts, SublayerParts, TokenStage, Weights } from './blockDescription.js';
export { describeBlock, transformerLayoutBlock, BLOCK_KINDS, type BlockChoice } from './blocks.js';
export {
  zamba2LayoutBlock, zamba2SharedBlock, zamba2Dims, zamba2WeightShapes, ZAMBA2_WEIGHT_NAMES, type Zamba2BlockChoice, type Zamba2Dims, type Zamba2WeightName,
} from './zamba2Block.js';
export { sequenceShard, gatheredPositions, headShardSpecs, type ShardSpec, type SequenceOrder } from './sharding.js';
export { localVjp, tapeBytes } from './localVjp.js';
export { LAYOUTS, blockLayoutProgram, compareWithReference, checkLayout, type LayoutName, type LayoutRunArgs, type ParityReport } from './layouts/index.js';
export type { LayoutArgs, RankBlockResult, GradShard } from './layouts/common.js';
export { meshRank, meshDegree } from './layouts/mesh.js';
export { ulyssesRank } from './layouts/ulysses.js';
export { tspRank, tspShardShapes } from './layouts/tsp.js';
export { layoutTraffic, totalTraffic, noteForwardVolume, tspCrossoverTokens, bytesPerElement, type LayoutKind, type LayerTraffic } from './analytic/volume.js';
export * from './analytic/collectiveTraffic.js';
export * from './analytic/costModels.js';
export * from './analytic/memory.js';
export * from './planner.js';
export { collectiveBenchProgram, summarizeBench, BENCH_COLLECTIVES, type BenchArgs, type BenchRow, type BenchFit, type BenchCollective } from './benchCollectives.js';
export { summarizeLayoutRun, runJsonContract, type LayoutRunSummary } from './runSummary.js';
