// The GEMM efficiency model against the research note's check numbers, the sizing rules, presets and
// suggestions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accelerator, CATALOG, gemmEfficiency, alignFactor, MISALIGNED_FACTOR, sizeCheck, preset, shapeFromHfConfig, modelShapeFromConfigText, suggestConfigs, denseParams, layerGemms,
} from '../../src/sizing/index.js';
import { TesseraError } from '../../src/core/errors.js';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('wave quantisation, note check: 4096×10922 output in 256×256 tiles = 688 tiles; 91.0% / 86.9% / 75.4% on 108 / 132 / 304 units; tile efficiency 99.2%', () => {
  const expected = { a100: [7, 0.910], h100: [6, 0.869], h200: [6, 0.869], mi300x: [3, 0.754] } as const;
  for (const [name, [waves, eff]] of Object.entries(expected)) {
    const e = gemmEfficiency({ name: 'swiglu up', m: 4096, n: 10922, k: 4096 }, accelerator(name));
    assert.equal(e.tiles, 688);
    assert.equal(e.waves, waves);
    close(e.waveEfficiency, eff, 0.0005, `${name} wave efficiency`);
    close(e.tileEfficiency, 0.992, 0.0005, 'tile efficiency');
  }
  assert.equal(CATALOG.a100.units.value, 108);
  assert.equal(CATALOG.h100.units.value, 132);
  assert.equal(CATALOG.mi300x.units.value, 304);
});

test('co-design example (H100, h=4096): d_ff 10944 predicted 398.38/272.73 = 1.46× faster than 10922 (the calibration point), and a full wave at 100% is ideal', () => {
  const h100 = accelerator('h100');
  const slow = gemmEfficiency({ name: 'up', m: 4096, n: 10922, k: 4096 }, h100);
  const fast = gemmEfficiency({ name: 'up', m: 4096, n: 10944, k: 4096 }, h100);
  close(fast.tflops / slow.tflops, 398.38 / 272.73 * (10944 / 10922) / (10944 / 10922), 0.02, 'speedup');
  assert.equal(alignFactor(10922, 64), MISALIGNED_FACTOR);
  assert.equal(alignFactor(10944, 64), 1);
  assert.ok(alignFactor(10920, 64) > alignFactor(10922, 64) && alignFactor(10920, 64) < 1); // 10920 = 8·1365
  // 132 tiles exactly: one full wave, every tile full → efficiency 1 and the bf16 peak (compute-bound).
  const full = gemmEfficiency({ name: 'full', m: 256 * 12, n: 256 * 11, k: 8192 }, h100);
  assert.equal(full.efficiency, 1);
  close(full.tflops, h100.bf16Tflops.value, 1e-6, 'peak');
  // a skinny decode GEMM is memory-bound
  assert.equal(gemmEfficiency({ name: 'decode', m: 1, n: 8192, k: 8192 }, h100).bound, 'memory');
});

test('bad input is named: unknown accelerator, non-integer dims, unknown preset', () => {
  assert.throws(() => accelerator('tpu'), (e: unknown) => e instanceof TesseraError && /mi300x, h100, h200, a100/.test(e.message));
  assert.throws(() => gemmEfficiency({ name: 'x', m: 10.5, n: 4, k: 4 }, CATALOG.h100), /x\.m expected a positive integer/);
  assert.throws(() => preset('gpt5'), /zaya1, zamba2-2\.7b/);
});

test('size check on ZAYA1 and Zamba2-2.7B: every GEMM explained on every catalog GPU; rules flag Zamba2 d_h = 160 and f = 4h', () => {
  for (const name of ['zaya1', 'zamba2-2.7b']) {
    for (const hw of Object.keys(CATALOG)) {
      const r = sizeCheck(preset(name), hw, { microbatch: 1, sequence: 4096 });
      assert.ok(r.gemms.length >= 12);
      for (const g of r.gemms) {
        assert.ok(g.efficiency > 0 && g.efficiency <= 1, `${name}/${hw}/${g.gemm.name} efficiency ${g.efficiency}`);
        assert.ok(g.tflops > 0 && g.tflops <= r.hardware.bf16Tflops.value * (1 + 1e-9));
        close(g.efficiency, g.tileEfficiency * g.waveEfficiency * g.alignEfficiency, 1e-12, 'product');
      }
      assert.ok(r.forward.efficiency > 0.2 && r.forward.efficiency < 1);
    }
  }
  const zaya = sizeCheck(preset('zaya1'), 'mi300x', { microbatch: 1, sequence: 4096 });
  assert.ok(zaya.rules.every((r) => r.ok), JSON.stringify(zaya.rules.filter((r) => !r.ok)));
  const experts = zaya.gemms.find((g) => g.gemm.name.startsWith('fc1'))!;
  assert.deepEqual([experts.gemm.m, experts.gemm.n, experts.gemm.k, experts.gemm.count], [256, 4096, 2048, 16]);
  assert.equal(experts.tiles, 256); // 16 experts × 1 × 16 tiles on 304 CUs: one wave, 84.2% full
  close(experts.waveEfficiency, 256 / 304, 1e-12, 'expert wave');
  const zamba = sizeCheck(preset('zamba2-2.7b'), 'h100', { microbatch: 1, sequence: 4096 });
  const failed = zamba.rules.filter((r) => !r.ok).map((r) => r.rule);
  assert.deepEqual(failed, ['head dim a multiple of 64', 'gated MLP width near 8h/3 at a multiple of 64']);
  const inProj = zamba.gemms.find((g) => g.gemm.name.startsWith('in_proj'))!;
  assert.equal(inProj.gemm.n, 2 * 5120 + 2 * 64 + 80); // 10448 = d_in + conv_dim + H
});

test('suggestions: a misaligned vocab 50257 → 50304 (+46% on the LM head); nothing for already-efficient dims', () => {
  const s = { ...preset('zamba2-2.7b'), vocab: 50_257 };
  const r = sizeCheck(s, 'h100', { microbatch: 1, sequence: 4096 });
  const v = r.suggestions.find((x) => x.tunable === 'vocab')!;
  assert.equal(v.suggested, 50_304);
  assert.ok(v.gain > 0.4 && v.gain < 0.5, String(v.gain));
  assert.equal(r.rules.find((x) => x.rule.startsWith('vocab'))!.ok, false);
});

test('HF config.json shapes: a ZAYA config with 80 sub-layers matches the preset; Zamba2 legacy keys', () => {
  const zaya = shapeFromHfConfig({
    model_type: 'zaya', hidden_size: 2048, vocab_size: 262272, num_attention_heads: 16, num_key_value_heads: 2, moe_router_topk: 1,
    zaya_layers: Array.from({ length: 80 }, (_, i) => (i % 2 ? 16 : 'a')), cca_num_q_heads: Array.from({ length: 80 }, (_, i) => (i % 2 ? 0 : 8)),
    num_query_groups_list: Array.from({ length: 80 }, (_, i) => (i % 2 ? 0 : 2)), ffn_hidden_size_list: Array.from({ length: 80 }, (_, i) => (i % 2 ? 4096 : 0)),
    zaya_mlp_expansion: Array.from({ length: 80 }, (_, i) => (i % 2 ? 256 : 0)),
  });
  const p = preset('zaya1');
  for (const k of ['hidden', 'layers', 'vocab', 'heads', 'kvHeads', 'headDim', 'experts', 'expertFfn', 'topK', 'routerDim'] as const) assert.equal(zaya[k], p[k], k);
  const g = layerGemms(zaya, { microbatch: 1, sequence: 4096 });
  assert.deepEqual(g.map((x) => [x.m, x.n, x.k]), layerGemms(p, { microbatch: 1, sequence: 4096 }).map((x) => [x.m, x.n, x.k]));
  const llama = shapeFromHfConfig({ model_type: 'llama', hidden_size: 4096, vocab_size: 32000, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 32, intermediate_size: 11008 });
  assert.equal(llama.family, 'transformer');
  assert.equal(llama.headDim, 128);
  assert.throws(() => shapeFromHfConfig({ model_type: 'llama', vocab_size: 5 }, 'x/config.json'), /x\/config\.json: expected a number under "hidden_size"/);
});

test('size suggest: 1e9-parameter proposals are within 10% of the budget and follow the rules', () => {
  const p = suggestConfigs(1e9, 'h100', { microbatch: 1, sequence: 4096 });
  assert.ok(p.length >= 3);
  for (const c of p) {
    assert.ok(Math.abs(c.params / 1e9 - 1) <= 0.1, String(c.params));
    assert.equal(c.params, denseParams(c.shape));
    assert.equal(c.shape.vocab % 64, 0);
    assert.equal(c.shape.headDim, 128);
    assert.equal(c.shape.ffn % 8, 0);
  }
  for (let i = 1; i < p.length; i++) assert.ok(p[i - 1]!.tflops >= p[i]!.tflops);
  assert.throws(() => suggestConfigs(10, 'h100', { microbatch: 1, sequence: 4096 }), /--params expected/);
});

test('modelShapeFromConfigText: Hugging Face keys go through shapeFromHfConfig, tessera keys are mapped, errors name the text', () => {
  const hf = { model_type: 'llama', hidden_size: 2048, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 8192, vocab_size: 128256 };
  assert.deepEqual(modelShapeFromConfigText(JSON.stringify(hf), 'config.json', 'parallel plan'), shapeFromHfConfig(hf, 'config.json'));
  const own = modelShapeFromConfigText('{"name": "mine", "hidden": 1024, "heads": 16, "kvHeads": 4, "layers": 8, "ffn": 4096, "vocab": 32000}', 'config.json', 'parallel plan');
  assert.deepEqual(own, { name: 'mine', family: 'transformer', source: 'config.json', hidden: 1024, heads: 16, headDim: 64, kvHeads: 4, layers: 8, ffn: 4096, vocab: 32000 });
  assert.throws(() => modelShapeFromConfigText('{"hidden": 1024, "heads": 16}', 'config.json', 'parallel plan'),
    { message: 'parallel plan: config.json: expected a number under "layers", got none' });
  assert.throws(() => modelShapeFromConfigText('[1]', 'config.json', 'parallel plan'), { message: 'parallel plan: config.json: expected a JSON object, got an array' });
});
