// Zamba2's shared transformer block against a PyTorch port of the note's §A3 (scripts/fixtures/
// zamba2_block_golden.py, float64): [h, e] concat, RMSNorm(2h), q/k/v with LoRA adapters before rotate_half
// RoPE over the full head dim, scale (d/2)^−1/2, causal softmax over a continued KV cache, o_proj, RMSNorm,
// gated GELU MLP with adapter, per-layer linear — built from the same nn/sequence pieces model.ts uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attentionForward, gatedMlpForward, KeyValueCache, linearRows, rmsNormRows } from '../../src/nn/sequence/index.js';

const g = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/zamba2-block-golden.json', import.meta.url)), 'utf8'));
const f64 = (a: number[]) => Float64Array.from(a);
const w = Object.fromEntries(Object.entries(g.weights as Record<string, number[]>).map(([k, v]) => [k, f64(v)]));
const { hidden: H, heads, head_dim: d, intermediate: I, theta } = g.dims;

function block(h: Float64Array, e: Float64Array, cache: KeyValueCache): Float64Array {
  const L = h.length / H;
  const cat = new Float64Array(L * 2 * H);
  for (let t = 0; t < L; t++) {
    cat.set(h.subarray(t * H, (t + 1) * H), t * 2 * H);
    cat.set(e.subarray(t * H, (t + 1) * H), t * 2 * H + H);
  }
  const x = rmsNormRows(cat, w.in_norm!, 2 * H, 1e-5);
  const a = attentionForward({ inWidth: 2 * H, outWidth: H, heads, kvHeads: heads, headDim: d, scale: 1 / Math.sqrt(d / 2), ropeTheta: theta },
    { q: w.q!, k: w.k!, v: w.v!, o: w.o! }, x, cache,
    { q: { down: w.qA!, up: w.qB! }, k: { down: w.kA!, up: w.kB! }, v: { down: w.vA!, up: w.vB! } });
  const m = gatedMlpForward({ gateUp: w.gate_up!, down: w.down! }, rmsNormRows(a, w.ff_norm!, H, 1e-5), H, I, { down: w.mA!, up: w.mB! });
  return linearRows(m, w.linear!, L, H, H) as Float64Array;
}

function close(got: ArrayLike<number>, want: number[], tol: number, what: string) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test('shared block (attention with adapters, rotary, (d/2)^-1/2 scale, KV cache; gated GELU MLP; linear) equals PyTorch (float64, 1e-10)', () => {
  const cache = new KeyValueCache(heads * d, 4, 'f64');
  close(block(f64(g.h1), f64(g.e1), cache), g.t1, 1e-10, 't1');
  close(block(f64(g.h2), f64(g.e2), cache), g.t2, 1e-10, 't2 (continuing the cache at position 6)');
  close(cache.keys.subarray(0, cache.length * cache.width), g.keys, 1e-10, 'cached keys (after rotary)');
  close(cache.values.subarray(0, cache.length * cache.width), g.values, 1e-10, 'cached values');
});
