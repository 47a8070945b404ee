// Zamba2 configs: the released models in both key schemes give the same derived model, the parameter counts
// of research/zamba2.md §G1 come out of the config alone, and the derived shapes and cache sizes match §G2/§B.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  countZamba2Parameters, parseZamba2Config, zamba2CacheBytes, zamba2CacheSizes, ZAMBA2_PRESETS, type Zamba2Config,
} from '../../src/models/zamba2/index.js';

const fixture = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../../test/fixtures/zamba2/${name}`, import.meta.url)), 'utf8'));

const strip = (c: Zamba2Config) => ({ ...c, scheme: undefined });

test('legacy and new key schemes describe the same three models', () => {
  for (const size of ['1.2B', '2.7B', '7B'] as const) {
    const fresh = parseZamba2Config(ZAMBA2_PRESETS[size]);
    const legacy = parseZamba2Config(fixture(`legacy-${size}.json`));
    assert.equal(fresh.scheme, 'new');
    assert.equal(legacy.scheme, 'legacy');
    assert.deepEqual(strip(legacy), strip(fresh), size);
  }
  assert.deepEqual(strip(parseZamba2Config(fixture('newest-2.7B.json'))), strip(parseZamba2Config(ZAMBA2_PRESETS['2.7B'])));
});

test('parameter counts from the config alone (1,215,064,704 / 2,662,214,560 / 7,356,749,648) and per-part counts', () => {
  const expected = {
    '1.2B': { total: 1_215_064_704, mixer: 25_847_232, sharedBlock: 109_058_048, mlpAdapter: 2_359_296 },
    '2.7B': { total: 2_662_214_560, mixer: 39_885_680, sharedBlock: 170_401_280, mlpAdapter: 2_949_120 },
    '7B': { total: 7_356_749_648, mixer: 78_433_872, sharedBlock: 333_982_208, mlpAdapter: 4_128_768 },
  };
  for (const [size, want] of Object.entries(expected)) {
    for (const raw of [ZAMBA2_PRESETS[size as '1.2B'], fixture(`legacy-${size}.json`)]) {
      const p = countZamba2Parameters(parseZamba2Config(raw));
      assert.deepEqual({ total: p.total, mixer: p.mixer, sharedBlock: p.sharedBlock, mlpAdapter: p.mlpAdapter }, want, size);
    }
  }
});

test('derived shapes: in_proj width, conv dim, attention head dim and scale, Mamba heads and groups', () => {
  const want = {
    '1.2B': { inProjWidth: 8512, convDim: 4352, attentionHeadDim: 128, scale: 0.125, mambaHeads: 64, groups: 1, blocks: 1, hybrid: 6, rope: true, attnAdapters: true },
    '2.7B': { inProjWidth: 10448, convDim: 5248, attentionHeadDim: 160, scale: 0.111803, mambaHeads: 80, groups: 1, blocks: 2, hybrid: 9, rope: false, attnAdapters: false },
    '7B': { inProjWidth: 14704, convDim: 7424, attentionHeadDim: 224, scale: 0.094491, mambaHeads: 112, groups: 2, blocks: 2, hybrid: 13, rope: true, attnAdapters: false },
  };
  for (const [size, w] of Object.entries(want)) {
    const c = parseZamba2Config(fixture(`legacy-${size}.json`));
    assert.equal(c.inProjWidth, w.inProjWidth, size);
    assert.equal(c.convDim, w.convDim, size);
    assert.equal(c.attentionHeadDim, w.attentionHeadDim, size);
    assert.ok(Math.abs(c.attentionScale - w.scale) < 5e-7, `${size} scale ${c.attentionScale}`);
    assert.equal(c.mambaHeads, w.mambaHeads);
    assert.equal(c.mambaHeadDim, 64);
    assert.equal(c.mambaGroups, w.groups);
    assert.equal(c.numMemBlocks, w.blocks);
    assert.equal(c.hybridLayerIds.length, w.hybrid);
    assert.equal(c.useMemRope, w.rope);
    assert.equal(c.useSharedAttentionAdapter, w.attnAdapters);
  }
  assert.deepEqual(parseZamba2Config(fixture('legacy-7B.json')).hybridLayerIds, [6, 11, 17, 23, 29, 35, 41, 47, 53, 59, 65, 71, 77]);
});

test('cache sizes match the table of research/zamba2.md §B', () => {
  const want = {
    '1.2B': { conv: 17_408, ssm: 524_288, totalMB: 41.2, kvPerToken: 49_152, kvBytes: 98_304, at4096GB: 0.40 },
    '2.7B': { conv: 20_992, ssm: 327_680, totalMB: 37.7, kvPerToken: 92_160, kvBytes: 184_320, at4096GB: 0.75 },
    '7B': { conv: 29_696, ssm: 458_752, totalMB: 79.1, kvPerToken: 186_368, kvBytes: 372_736, at4096GB: 1.53 },
  };
  for (const [size, w] of Object.entries(want)) {
    const c = parseZamba2Config(fixture(`legacy-${size}.json`));
    const s = zamba2CacheSizes(c);
    assert.equal(s.convPerLayer, w.conv);
    assert.equal(s.ssmPerLayer, w.ssm);
    assert.equal(Math.round((2 * s.recurrentTotal) / 1e5) / 10, w.totalMB, `${size} recurrent MB (bf16)`);
    assert.equal(s.kvPerToken, w.kvPerToken);
    assert.equal(2 * s.kvPerToken, w.kvBytes);
    assert.equal(Math.round((4096 * 2 * s.kvPerToken) / 1e7) / 100, w.at4096GB, `${size} KV at 4096 tokens`);
    assert.equal(zamba2CacheBytes(c, 4096, 2), 2 * (s.recurrentTotal + 4096 * s.kvPerToken));
  }
});

test('bad configs are rejected with the key named', () => {
  const base = ZAMBA2_PRESETS['1.2B'];
  assert.throws(() => parseZamba2Config({ ...base, hidden_size: undefined }), /hidden_size/);
  assert.throws(() => parseZamba2Config({ ...base, layers_block_type: ['mamba'] }), /expected 38 entries/);
  assert.throws(() => parseZamba2Config({ ...base, layers_block_type: base.layers_block_type.map((t, i) => (i === 3 ? 'attention' : t)) }), /layers_block_type\[3\]/);
  assert.throws(() => parseZamba2Config({ ...base, n_mamba_heads: 60 }), /n_mamba_heads × mamba_headdim/);
  assert.throws(() => parseZamba2Config({ ...base, model_type: 'llama' }), /model_type expected "zamba2"/);
  assert.throws(() => parseZamba2Config({ ...base, hidden_act: 'relu' }), /hidden_act/);
});
