// ZAYA1 parameter counts from the config alone (parallelism.md B.5 and "Checks").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countZaya1Params, parseZaya1Config, ZAYA1_BASE } from '../../src/models/zaya1/index.js';

test('ZAYA1-base: 8,289,157,120 non-embedding projection parameters (8.29B), 739,409,920 active (≈0.74B), embeddings 537,133,056', () => {
  const c = countZaya1Params(ZAYA1_BASE);
  assert.equal(c.perBlock.expertsAll, 201_326_592);
  assert.equal(c.perBlock.attentionLinears, 5_242_880);
  assert.equal(c.perBlock.routerLinears, 659_456);
  assert.equal(c.matrices, 8_289_157_120);
  assert.equal(c.activeMatrices, 739_409_920);
  assert.equal(c.embeddings, 537_133_056);
  assert.equal((c.matrices / 1e9).toFixed(2), '8.29');
  assert.equal((c.activeMatrices / 1e9).toFixed(2), '0.74');
  // Every parameter (CCA convs, norms, residual scaling, router biases, EDA scales): ≈ 8.30B and 0.754B
  // (ZAYA1 is reported as 8.3B total, 760M active).
  assert.equal(c.total - c.matrices, 40 * (332_800 + 2 + 1024 + 20_480) + 39 * 256 + 2048);
  assert.equal((c.total / 1e9).toFixed(2), '8.30');
  assert.equal((c.active / 1e9).toFixed(3), '0.754');
});

test('config loader: a Hugging Face ZAYA config.json gives the same counts; bad configs are named', () => {
  const per = (a: number, b: number) => Array.from({ length: 80 }, (_, i) => (i % 2 ? b : a));
  const hf = {
    model_type: 'zaya', vocab_size: 262272, hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 2, moe_router_topk: 1,
    zaya_layers: per('a' as unknown as number, 16), cca_num_q_heads: per(8, 0), num_query_groups_list: per(2, 0), ffn_hidden_size_list: per(0, 4096),
    zaya_mlp_expansion: per(0, 256), zaya_use_eda: true, scale_residual_merge: true, tie_word_embeddings: true,
  };
  assert.deepEqual(parseZaya1Config(hf), ZAYA1_BASE);
  assert.deepEqual(countZaya1Params(parseZaya1Config(hf)), countZaya1Params(ZAYA1_BASE));
  assert.throws(() => parseZaya1Config({ hidden: 30, heads: 4 }, 'my.json'), /my\.json: hidden \(30\) expected divisible by heads \(4\)/);
  assert.throws(() => parseZaya1Config({ hiden: 32 }, 'my.json'), /unknown fields hiden/);
  assert.throws(() => parseZaya1Config([], 'my.json'), /expected a JSON object, got an array/);
});
