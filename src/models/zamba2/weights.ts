// Zamba2 weights as Tensors (leaf parameters, requiring grad), built from canonical tensor names (the
// "layers" layout, shared blocks once: tensors.ts), plus seeded random weights for tiny checkpoints and
// benchmarks. Each Tensor wraps the array it is given (no copy), in the shape tensors.ts lists. The Linear
// and embedding matrices may instead be 16-bit words kept as stored (nn's HalfWeight: a model served in bf16).
import type { FloatArray } from '../../core/dtype.js';
import { shapeError } from '../../core/errors.js';
import * as random from '../../core/random.js';
import type { GatedMlpWeights, LoraWeights, Mamba2Weights } from '../../nn/sequence/index.js';
import { halfWeight, isHalfWeight, weightShape, type HalfWeight, type LinearWeight } from '../../nn/storedWeight.js';
import { encodeHalf } from '../../core/halfFloat.js';
import { Tensor } from '../../tensor/index.js';
import type { Zamba2Config } from './config.js';
import { blockHomeLayer, zamba2TensorSpecs, type TensorSpec } from './tensors.js';

/** q, k, v, o projections [out, in] of the shared attention. */
export interface AttentionWeights {
  readonly q: LinearWeight;
  readonly k: LinearWeight;
  readonly v: LinearWeight;
  readonly o: LinearWeight;
}

/** LoRA adapters on q, k and v, one set per hybrid invocation. */
export interface AttentionAdapters {
  readonly q: LoraWeights;
  readonly k: LoraWeights;
  readonly v: LoraWeights;
}

export interface Zamba2MambaLayerWeights {
  readonly inputNorm: Tensor;
  readonly mixer: Mamba2Weights;
}

export interface Zamba2SharedBlockWeights {
  readonly inputNorm: Tensor;
  readonly attention: AttentionWeights;
  readonly preFfNorm: Tensor;
  readonly mlp: GatedMlpWeights;
  /** by hybrid invocation j (only the j this block owns) */
  readonly attentionAdapters: ReadonlyMap<number, AttentionAdapters>;
  readonly mlpAdapters: ReadonlyMap<number, LoraWeights>;
}

export interface Zamba2LayerWeights {
  readonly mamba: Zamba2MambaLayerWeights;
  /** the per-hybrid-layer linear [hidden, hidden]; null for Mamba layers */
  readonly linear: LinearWeight | null;
}

export interface Zamba2Weights {
  readonly embed: LinearWeight;
  readonly finalNorm: Tensor;
  /** [vocab, hidden]; the embedding itself when tied */
  readonly lmHead: LinearWeight;
  readonly layers: readonly Zamba2LayerWeights[];
  readonly blocks: readonly Zamba2SharedBlockWeights[];
  /** Every tensor by canonical name (the parameters; lm_head.weight only when untied). */
  readonly named: ReadonlyMap<string, LinearWeight>;
}

/**
 * Assemble the weights from `get(canonicalName)`: arrays are wrapped as they are (not copied) as leaf
 * parameters; Tensors are used as given (a gradient check passes its perturbed inputs this way); a
 * HalfWeight is accepted for the Linear and embedding matrices.
 */
export function assembleZamba2Weights(c: Zamba2Config, getValue: (name: string) => FloatArray | Tensor | HalfWeight): Zamba2Weights {
  const shapes = new Map(zamba2TensorSpecs(c).map((s) => [s.name, s.shape]));
  const named = new Map<string, LinearWeight>();
  const getWeight = (name: string): LinearWeight => {
    const shape = shapes.get(name)!, value = getValue(name);
    const given = value instanceof Tensor || isHalfWeight(value) ? weightShape(value) : null;
    const size = given ? given.reduce((a, b) => a * b, 1) : (value as FloatArray).length;
    if (size !== shape.reduce((a, b) => a * b, 1) || (given && given.some((d, i) => d !== shape[i]))) {
      throw shapeError('assembleZamba2Weights', name, `[${shape.join(', ')}]`, given ?? `${size} values`);
    }
    const w = given ? (value as LinearWeight) : new Tensor(value as FloatArray, [...shape], { requiresGrad: true });
    named.set(name, w);
    return w;
  };
  /** Vectors, norms, conv taps and adapters are always float Tensors. */
  const get = (name: string): Tensor => {
    const w = getWeight(name);
    if (isHalfWeight(w)) throw shapeError('assembleZamba2Weights', name, 'a float tensor (only Linear and embedding matrices may stay 16-bit)', `${w.format} words`);
    return w;
  };
  const mamba = (prefix: string): Zamba2MambaLayerWeights => ({
    inputNorm: get(`${prefix}input_layernorm.weight`),
    mixer: {
      inProj: getWeight(`${prefix}mamba.in_proj.weight`), convWeight: get(`${prefix}mamba.conv1d.weight`), convBias: get(`${prefix}mamba.conv1d.bias`),
      dtBias: get(`${prefix}mamba.dt_bias`), aLog: get(`${prefix}mamba.A_log`), d: get(`${prefix}mamba.D`),
      normWeight: get(`${prefix}mamba.norm.weight`), outProj: getWeight(`${prefix}mamba.out_proj.weight`),
    },
  });
  const layers = c.layerTypes.map((t, i) => (t === 'hybrid'
    ? { mamba: mamba(`model.layers.${i}.mamba_decoder.`), linear: getWeight(`model.layers.${i}.linear.weight`) }
    : { mamba: mamba(`model.layers.${i}.`), linear: null }));
  const blocks: Zamba2SharedBlockWeights[] = [];
  for (let b = 0; b < Math.min(c.numMemBlocks, c.hybridLayerIds.length); b++) {
    const p = `model.layers.${blockHomeLayer(c, b)}.shared_transformer.`;
    const attentionAdapters = new Map<number, AttentionAdapters>(), mlpAdapters = new Map<number, LoraWeights>();
    const lora = (base: string): LoraWeights => ({ down: get(`${base}.0.weight`), up: get(`${base}.1.weight`) });
    for (let j = b; j < c.hybridLayerIds.length; j += c.numMemBlocks) {
      if (c.useSharedAttentionAdapter) {
        attentionAdapters.set(j, {
          q: lora(`${p}self_attn.linear_q_adapter_list.${j}`), k: lora(`${p}self_attn.linear_k_adapter_list.${j}`), v: lora(`${p}self_attn.linear_v_adapter_list.${j}`),
        });
      }
      if (c.useSharedMlpAdapter) mlpAdapters.set(j, lora(`${p}feed_forward.gate_up_proj_adapter_list.${j}`));
    }
    blocks.push({
      inputNorm: get(`${p}input_layernorm.weight`),
      attention: { q: getWeight(`${p}self_attn.q_proj.weight`), k: getWeight(`${p}self_attn.k_proj.weight`), v: getWeight(`${p}self_attn.v_proj.weight`), o: getWeight(`${p}self_attn.o_proj.weight`) },
      preFfNorm: get(`${p}pre_ff_layernorm.weight`),
      mlp: { gateUp: getWeight(`${p}feed_forward.gate_up_proj.weight`), down: getWeight(`${p}feed_forward.down_proj.weight`) },
      attentionAdapters, mlpAdapters,
    });
  }
  const embed = getWeight('model.embed_tokens.weight');
  return { embed, finalNorm: get('model.final_layernorm.weight'), lmHead: c.tieWordEmbeddings ? embed : getWeight('lm_head.weight'), layers, blocks, named };
}

/** How a random tensor is initialised, from its name (Mamba conventions for A_log, D, dt_bias, norms). */
function initFor(c: Zamba2Config, spec: TensorSpec, k: random.Key, fill: (k: random.Key, n: number) => ArrayLike<number>): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const name = spec.name;
  if (name.endsWith('layernorm.weight') || name.endsWith('norm.weight')) return out.fill(1);
  if (name.endsWith('.A_log')) return out.map((_, h) => Math.log(h + 1));
  if (name.endsWith('.D')) return out.fill(1);
  if (name.endsWith('.dt_bias')) {
    // dt ~ logUniform[1e-3, 0.1], dt_bias = softplus⁻¹(dt) = dt + log(−expm1(−dt))
    const u = random.uniformValues(k, n, 'f32');
    return out.map((_, i) => {
      const dt = Math.exp(Math.log(1e-3) + u[i]! * (Math.log(0.1) - Math.log(1e-3)));
      return dt + Math.log(-Math.expm1(-dt));
    });
  }
  const v = fill(k, n);
  const fanIn = name.endsWith('conv1d.weight') ? c.mambaConvKernel : name.endsWith('conv1d.bias') ? 1 : spec.shape.length > 1 ? spec.shape[spec.shape.length - 1]! : 1;
  const std = name === 'model.embed_tokens.weight' || name === 'lm_head.weight' ? 1 : name.endsWith('conv1d.bias') ? 0.1 : 1 / Math.sqrt(fanIn);
  for (let i = 0; i < n; i++) out[i] = v[i]! * std;
  return out;
}

export type RandomFill = 'normal' | 'tiled';

/**
 * A maker of random weights by canonical name. 'normal': independent N(0,1) values scaled per tensor (the
 * tiny checkpoint). 'tiled': each tensor is a scaled window of one shared pool of 2^20 normal values starting
 * at a random offset — random-looking but cheap to make, for timing-only benchmarks at full size.
 */
function randomTensorMaker(c: Zamba2Config, seed: number, fill: RandomFill): { specs: TensorSpec[]; make: (name: string) => Float32Array } {
  const specs = zamba2TensorSpecs(c);
  const keys = random.split(random.key(seed), specs.length + 1);
  const poolSize = 1 << 20;
  const pool = fill === 'tiled' ? random.normalValues(keys[specs.length]!, poolSize, 'f32') : null;
  // The tiled window is held in float32 (the tensor is float32 anyway): a full-size matrix's temporary is one
  // float32 array, not a float64 one twice its size.
  const filler = (k: random.Key, n: number): ArrayLike<number> => {
    if (!pool) return random.normalValues(k, n, 'f32');
    const start = random.randintValues(k, 1, 0, poolSize)[0]!;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = pool[(start + i * 7) % poolSize]!;
    return out;
  };
  const index = new Map(specs.map((s, i) => [s.name, i]));
  return { specs, make: (name) => initFor(c, specs[index.get(name)!]!, keys[index.get(name)!]!, filler) };
}

/** Random weights for every canonical tensor, as float32 arrays by name. */
export function randomZamba2Tensors(c: Zamba2Config, seed: number, fill: RandomFill = 'normal'): Map<string, Float32Array> {
  const { specs, make } = randomTensorMaker(c, seed, fill);
  return new Map(specs.map((s) => [s.name, make(s.name)]));
}

/** The Linear and embedding matrices (what nn's linear / embedRows read; a served model keeps these 16-bit). */
export const isServedMatrix = (canonical: string): boolean => /(_proj|linear|embed_tokens|lm_head)\.weight$/.test(canonical) && !canonical.includes('_adapter_list.');

/**
 * Random weights assembled tensor by tensor (the same values as randomZamba2Tensors). With 'bf16' each Linear
 * and embedding matrix is rounded to bf16 words as soon as it is made, so the peak memory is the bf16 model
 * plus one float32 tensor: a served 1.2B model without its 4.8 GB float32 twin.
 */
export function randomZamba2Weights(c: Zamba2Config, seed: number, fill: RandomFill = 'normal', dtype: 'f32' | 'bf16' = 'f32'): Zamba2Weights {
  const { specs, make } = randomTensorMaker(c, seed, fill);
  const shapes = new Map(specs.map((s) => [s.name, s.shape]));
  return assembleZamba2Weights(c, (name) => {
    const values = make(name);
    if (dtype === 'f32' || !isServedMatrix(name)) return values;
    const bytes = encodeHalf(values, 'BF16');
    return halfWeight(new Uint16Array(bytes.buffer, bytes.byteOffset, values.length), shapes.get(name)!, 'bf16');
  });
}
