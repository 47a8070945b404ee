// tessera/parallel/reshape: sharded checkpoint layouts (single, tp=D, tsp=D, zero1=N), conversion between
// them bit-exactly, and the manifest with every shard's checksum. Pure: bytes in, bytes out.
export { parseLayout, formatLayout, roleOf, type Layout, type Role } from './layout.js';
export { parseShardManifest, type CheckpointState, type Placement, type TensorRecord, type ShardFileRecord, type ShardManifest } from './manifest.js';
export { shardCheckpoint, assembleCheckpoint, reshapeCheckpoint, verifyShard, rankFile, MODEL_FILE, OPTIMIZER_FILE, type ShardedCheckpoint, type ShardOptions } from './shard.js';
export { stateFromSafetensors, trainingCheckpointBytes } from './trainingCheckpoint.js';
export { splitAlong, joinAlong, flatRange } from './slicing.js';
