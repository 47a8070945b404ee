// `tessera zamba2 params`: parameter counts, derived shapes and cache sizes of a Zamba2 config.
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { readHfConfig } from '../io/index.js';
import { countZamba2Parameters, parseZamba2Config, zamba2CacheBytes, zamba2CacheSizes, ZAMBA2_PRESETS, type Zamba2PresetName } from '../models/zamba2/index.js';

export function describeZamba2Config(o: { preset?: Zamba2PresetName; model?: string }) {
  if ((o.preset === undefined) === (o.model === undefined)) throw new InvalidArgumentError('give exactly one of --preset or --model');
  const raw = o.preset ? ZAMBA2_PRESETS[o.preset] : readHfConfig(join(o.model!, 'config.json'), 'zamba2 params');
  const c = parseZamba2Config(raw);
  const cache = zamba2CacheSizes(c);
  return {
    source: o.preset ?? o.model, scheme: c.scheme, parameters: countZamba2Parameters(c),
    shapes: {
      hidden: c.hidden, layers: c.layers, hybrid_layer_ids: c.hybridLayerIds, num_mem_blocks: c.numMemBlocks,
      in_proj_out: c.inProjWidth, conv_dim: c.convDim, mamba_heads: c.mambaHeads, mamba_head_dim: c.mambaHeadDim, d_state: c.mambaStateSize,
      groups: c.mambaGroups, attention_head_dim: c.attentionHeadDim, attention_scale: c.attentionScale, rope: c.useMemRope,
      attention_adapters: c.useSharedAttentionAdapter, mlp_adapters: c.useSharedMlpAdapter, adapter_rank: c.adapterRank,
    },
    cache_values: cache,
    cache_bytes_bf16: { recurrent_total: cache.recurrentTotal * 2, kv_per_token: cache.kvPerToken * 2, at_4096_tokens: zamba2CacheBytes(c, 4096, 2) },
  };
}
