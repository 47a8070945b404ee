// Mapping a checkpoint's tensor names onto the canonical "layers" layout (tensors.ts), for both layouts found
// in Zamba2 repositories (research/zamba2.md §A5; mlx-lm's zamba2 `sanitize` documents the same two):
//   "layers": model.layers.{i}.… ; shared blocks under model.layers.{i}.shared_transformer.… — stored once
//             (under the first hybrid layer of each block) or duplicated under every hybrid layer using it.
//   "blocks" (legacy): model.blocks.{b}.… (feed_forward.linear_fc1/linear_fc2, linear_fc1_lora_A_list/B_list),
//             model.mamba_layers.{i}.…, model.linear_layers.{j}.weight.
// A repository holding both layouts is read as "layers"; the other layout's names are ignored (and reported).
import type { Zamba2Config } from './config.js';
import { blockHomeLayer } from './tensors.js';

export type CheckpointLayout = 'layers' | 'blocks';

export interface NameMapping {
  /** canonical name, or null when the tensor is not part of the model */
  readonly canonical: string | null;
  /** a duplicate copy of a shared-block tensor stored under a non-first hybrid layer */
  readonly duplicate: boolean;
  /** a name of the other layout, ignored */
  readonly ignored: boolean;
}

const BLOCKS_PREFIXES = ['model.blocks.', 'model.mamba_layers.', 'model.linear_layers.'];

export function detectLayout(names: readonly string[]): CheckpointLayout {
  return names.some((n) => n.startsWith('model.layers.')) ? 'layers' : 'blocks';
}

export function mapCheckpointName(c: Zamba2Config, layout: CheckpointLayout, name: string): NameMapping {
  const keep = (canonical: string | null, duplicate = false): NameMapping => ({ canonical, duplicate, ignored: false });
  if (name === 'model.embed_tokens.weight' || name === 'model.final_layernorm.weight' || name === 'lm_head.weight') return keep(name);
  if (layout === 'layers') {
    if (BLOCKS_PREFIXES.some((p) => name.startsWith(p))) return { canonical: null, duplicate: false, ignored: true };
    const m = /^model\.layers\.(\d+)\.shared_transformer\.(.+)$/.exec(name);
    if (!m) return keep(name);
    const layer = Number(m[1]);
    const j = c.hybridLayerIds.indexOf(layer);
    if (j < 0) return keep(null);
    const home = blockHomeLayer(c, j % c.numMemBlocks);
    return keep(`model.layers.${home}.shared_transformer.${m[2]}`, home !== layer);
  }
  let m = /^model\.mamba_layers\.(\d+)\.(.+)$/.exec(name);
  if (m) {
    const i = Number(m[1]);
    return keep(c.layerTypes[i] === 'hybrid' ? `model.layers.${i}.mamba_decoder.${m[2]}` : `model.layers.${i}.${m[2]}`);
  }
  m = /^model\.linear_layers\.(\d+)\.(.+)$/.exec(name);
  if (m) {
    const layer = c.hybridLayerIds[Number(m[1])];
    return keep(layer === undefined ? null : `model.layers.${layer}.linear.${m[2]}`);
  }
  m = /^model\.blocks\.(\d+)\.(.+)$/.exec(name);
  if (m) {
    const b = Number(m[1]);
    if (b >= c.numMemBlocks || b >= c.hybridLayerIds.length) return keep(null);
    const p = `model.layers.${blockHomeLayer(c, b)}.shared_transformer.`;
    const rest = m[2]!;
    if (rest === 'feed_forward.linear_fc1.weight') return keep(`${p}feed_forward.gate_up_proj.weight`);
    if (rest === 'feed_forward.linear_fc2.weight') return keep(`${p}feed_forward.down_proj.weight`);
    const lora = /^feed_forward\.linear_fc1_lora_([AB])_list\.(\d+)\.weight$/.exec(rest);
    if (lora) return keep(`${p}feed_forward.gate_up_proj_adapter_list.${lora[2]}.${lora[1] === 'A' ? 0 : 1}.weight`);
    return keep(`${p}${rest}`);
  }
  return keep(null);
}

/** The blocks-layout name of a canonical tensor (used to write legacy-layout test checkpoints). */
export function blocksLayoutName(c: Zamba2Config, canonical: string): string {
  if (!canonical.startsWith('model.layers.')) return canonical;
  const shared = /^model\.layers\.(\d+)\.shared_transformer\.(.+)$/.exec(canonical);
  if (shared) {
    const b = c.hybridLayerIds.indexOf(Number(shared[1])) % c.numMemBlocks;
    const rest = shared[2]!
      .replace(/^feed_forward\.gate_up_proj\.weight$/, 'feed_forward.linear_fc1.weight')
      .replace(/^feed_forward\.down_proj\.weight$/, 'feed_forward.linear_fc2.weight')
      .replace(/^feed_forward\.gate_up_proj_adapter_list\.(\d+)\.0\.weight$/, 'feed_forward.linear_fc1_lora_A_list.$1.weight')
      .replace(/^feed_forward\.gate_up_proj_adapter_list\.(\d+)\.1\.weight$/, 'feed_forward.linear_fc1_lora_B_list.$1.weight');
    return `model.blocks.${b}.${rest}`;
  }
  const linear = /^model\.layers\.(\d+)\.linear\.(.+)$/.exec(canonical);
  if (linear) return `model.linear_layers.${c.hybridLayerIds.indexOf(Number(linear[1]))}.${linear[2]}`;
  const m = /^model\.layers\.(\d+)\.(?:mamba_decoder\.)?(.+)$/.exec(canonical)!;
  return `model.mamba_layers.${m[1]}.${m[2]}`;
}
