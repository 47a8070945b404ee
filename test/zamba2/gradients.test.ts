// Gradients flow through the whole Zamba2 model: a float64 finite-difference check of the loss of a
// micro model (one Mamba layer and two hybrid layers on two shared blocks, rotary, attention and MLP
// adapters, grouped B/C, two SSD chunks) with respect to every parameter, the (tied) embedding included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseZamba2Config } from '../../src/models/zamba2/config.js';
import { tinyZamba2ConfigJson } from '../../src/models/zamba2/tinyConfig.js';
import { assembleZamba2Weights, randomZamba2Tensors } from '../../src/models/zamba2/weights.js';
import { Zamba2Model } from '../../src/models/zamba2/model.js';
import { zamba2TensorSpecs } from '../../src/models/zamba2/tensors.js';
import { Tensor, gradCheck, crossEntropy, slice, type Tensor as T } from '../../src/tensor/index.js';

const config = parseZamba2Config({
  ...tinyZamba2ConfigJson(7), hidden_size: 4, num_hidden_layers: 3, layers_block_type: ['mamba', 'hybrid', 'hybrid'], hybrid_layer_ids: [1, 2],
  num_mem_blocks: 2, num_attention_heads: 2, num_key_value_heads: 2, attention_head_dim: 4, intermediate_size: 3,
  mamba_d_state: 2, mamba_d_conv: 2, mamba_expand: 2, mamba_headdim: 2, n_mamba_heads: 4, mamba_ngroups: 2, chunk_size: 2, adapter_rank: 1,
});
const ids = [1, 4, 6, 2, 5];

test('micro Zamba2: the next-token loss has correct gradients for every parameter (float64 finite differences)', () => {
  const names = zamba2TensorSpecs(config).map((s) => s.name);
  const f32 = randomZamba2Tensors(config, 2);
  const params = names.map((n) => new Tensor(Float64Array.from(f32.get(n)!), zamba2TensorSpecs(config).find((s) => s.name === n)!.shape));
  const loss = (...ps: T[]): T => {
    const byName = new Map(names.map((n, i) => [n, ps[i]!]));
    const model = new Zamba2Model(config, assembleZamba2Weights(config, (n) => byName.get(n)!));
    const logits = model.forward(new Tensor(Int32Array.from(ids), [ids.length]));
    const L = ids.length - 1;
    return crossEntropy(slice(logits, [0, 0], [L, config.vocabSize]), new Tensor(Int32Array.from(ids.slice(1)), [L]));
  };
  const res = gradCheck(loss, params);
  assert.ok(res.maxError <= 1e-6, `gradient error ${res.maxError} in ${names[res.worst.input]}[${res.worst.index}]: analytic ${res.worst.analytic}, numeric ${res.worst.numeric}`);
  assert.ok(params.reduce((n, p) => n + p.size, 0) > 300, 'every parameter checked');
});
