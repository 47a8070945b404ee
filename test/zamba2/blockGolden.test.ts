// Zamba2's shared transformer block against a PyTorch port of the note's §A3 (scripts/fixtures/
// zamba2_block_golden.py, float64): [h, e] concat, RMSNorm(2h), q/k/v with LoRA adapters before rotate_half
// RoPE over the full head dim, scale (d/2)^−1/2, causal softmax over a continued KV cache, o_proj, RMSNorm,
// gated GELU MLP with adapter, per-layer linear — built from the same engine layers model.ts uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addLora, applyRotary, causalAttention, gatedMlp, KeyValueCache, positions, rotaryTables } from '../../src/nn/sequence/index.js';
import { rmsNorm } from '../../src/nn/norm.js';
import { Tensor, concat, matmul, reshape } from '../../src/tensor/index.js';

const g = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/zamba2-block-golden.json', import.meta.url)), 'utf8'));
const f64 = (a: number[]) => Float64Array.from(a);
const shapes: Record<string, number[]> = {};
const { hidden: H, heads, head_dim: d, intermediate: I, theta } = g.dims;
const raw = g.weights as Record<string, number[]>;
const rank = g.dims.rank as number;
Object.assign(shapes, {
  in_norm: [2 * H], q: [heads * d, 2 * H], k: [heads * d, 2 * H], v: [heads * d, 2 * H], o: [H, heads * d], ff_norm: [H],
  gate_up: [2 * I, H], down: [H, I], linear: [H, H], qA: [rank, 2 * H], kA: [rank, 2 * H], vA: [rank, 2 * H],
  qB: [heads * d, rank], kB: [heads * d, rank], vB: [heads * d, rank], mA: [rank, H], mB: [2 * I, rank],
});
const w = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, new Tensor(f64(v), shapes[k]!)]));

function block(hRows: number[], eRows: number[], cache: KeyValueCache): Tensor {
  const L = hRows.length / H, start = cache.length;
  const x = rmsNorm(concat([new Tensor(f64(hRows), [L, H]), new Tensor(f64(eRows), [L, H])], 1), [2 * H], w.in_norm!, 1e-5);
  const proj = (W: Tensor, A: Tensor, B: Tensor) => addLora(matmul(x, W, { transB: true }), x, { down: A, up: B });
  const tables = rotaryTables(L, d, theta, start, 'f64');
  const q = applyRotary(reshape(proj(w.q!, w.qA!, w.qB!), [1, L, heads, d]), tables);
  const k = applyRotary(reshape(proj(w.k!, w.kA!, w.kB!), [1, L, heads, d]), tables);
  const kv = cache.extend(reshape(k, [1, L, heads * d]), reshape(proj(w.v!, w.vA!, w.vB!), [1, L, heads * d]));
  const a = causalAttention(reshape(q, [1, L, heads * d]), kv.keys, kv.values, { qPos: positions(start, L), kPos: positions(0, cache.length), heads, kvHeads: heads, headDim: d, scale: 1 / Math.sqrt(d / 2) });
  const attn = matmul(reshape(a, [L, heads * d]), w.o!, { transB: true });
  const m = gatedMlp(rmsNorm(attn, [H], w.ff_norm!, 1e-5), { gateUp: w.gate_up!, down: w.down! }, 'gelu', { down: w.mA!, up: w.mB! });
  return matmul(m, w.linear!, { transB: true });
}

function close(got: ArrayLike<number>, want: number[], tol: number, what: string) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test('shared block (attention with adapters, rotary, (d/2)^-1/2 scale, KV cache; gated GELU MLP; linear) equals PyTorch (float64, 1e-10)', () => {
  const cache = new KeyValueCache(heads * d, 4, 'f64');
  close(block(g.h1, g.e1, cache).data, g.t1, 1e-10, 't1');
  close(block(g.h2, g.e2, cache).data, g.t2, 1e-10, 't2 (continuing the cache at position 6)');
  close(cache.keys().data, g.keys, 1e-10, 'cached keys (after rotary)');
  close(cache.values().data, g.values, 1e-10, 'cached values');
});
