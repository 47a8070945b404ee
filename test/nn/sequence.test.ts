// The engine's sequence layers (src/nn/sequence) against the typed-array references (test/support/
// sequenceReference) or closed forms, and their gradients (float64 finite differences): RoPE (rotate-half,
// interleaved, partial), causal grouped-query attention (arbitrary positions), the KV cache, the gated MLP
// with a LoRA adapter, the depthwise causal conv with a carried window, the gated RMSNorm and the mixer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyRotary, causalAttention, depthwiseCausalConv, gatedMlp, KeyValueCache, mamba2Mixer, positions, rotaryTables, zeroMamba2State,
  mamba2ConvDim, mamba2ProjWidth, type Mamba2Dims,
} from '../../src/nn/sequence/index.js';
import { gatedRmsNorm } from '../../src/nn/norm.js';
import { Tensor, add, cotangents, gradCheck, mul, sum, transpose, type Tensor as T } from '../../src/tensor/index.js';
import * as ref from '../support/sequenceReference/index.js';
import { assertClose, randomTensor } from '../support/random.js';

const f64 = (t: Tensor) => t.data as Float64Array;

function checkGrad(name: string, f: (...xs: T[]) => T, inputs: T[], tol = 1e-6): void {
  const res = gradCheck(f, inputs);
  assert.ok(res.maxError <= tol, `${name}: gradient error ${res.maxError} at input ${res.worst.input}[${res.worst.index}] (analytic ${res.worst.analytic}, numeric ${res.worst.numeric})`);
}

test('RoPE rotate-half equals the reference at an offset; interleaved rotates pairs (2i, 2i+1); a partial rotary dim passes the rest through', () => {
  const [S, H, d] = [3, 2, 8];
  const x = randomTensor(1, [1, S, H, d]);
  const got = applyRotary(x, rotaryTables(S, d, 10000, 5, 'f64'));
  const want = Float64Array.from(f64(x));
  ref.applyRotary(want, S, H, d, 5, 10000);
  assertClose(got.data, want, 1e-12, 1e-12, 'rotate-half');
  const inter = applyRotary(x, rotaryTables(S, d, 10000, 5, 'f64'), 'interleaved').data;
  for (let t = 0; t < S; t++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < d / 2; i++) {
        const angle = (5 + t) * Math.pow(10000, (-2 * i) / d), o = (t * H + h) * d;
        const a = f64(x)[o + 2 * i]!, b = f64(x)[o + 2 * i + 1]!;
        assert.ok(Math.abs(inter[o + 2 * i]! - (a * Math.cos(angle) - b * Math.sin(angle))) < 1e-12);
        assert.ok(Math.abs(inter[o + 2 * i + 1]! - (b * Math.cos(angle) + a * Math.sin(angle))) < 1e-12);
      }
    }
  }
  const partial = applyRotary(x, rotaryTables(S, 4, 10000, 0, 'f64')).data;
  for (let r = 0; r < S * H; r++) for (let i = 4; i < d; i++) assert.equal(partial[r * d + i], f64(x)[r * d + i]);
  for (const style of ['half', 'interleaved'] as const) checkGrad(`rotary ${style}`, (v) => applyRotary(v, rotaryTables(S, 6, 100, 2, 'f64'), style), [x]);
});

/** Naive causal GQA attention: one loop per query head. */
function naiveAttention(q: Float64Array, k: Float64Array, v: Float64Array, nq: number, nk: number, hq: number, hk: number, d: number, qPos: number[], kPos: number[], scale: number): Float64Array {
  const out = new Float64Array(nq * hq * d);
  for (let i = 0; i < nq; i++) {
    for (let h = 0; h < hq; h++) {
      const kvh = Math.floor(h / (hq / hk));
      const s: number[] = [];
      for (let j = 0; j < nk; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[(i * hq + h) * d + c]! * k[(j * hk + kvh) * d + c]!;
        s.push(kPos[j]! <= qPos[i]! ? dot * scale : -Infinity);
      }
      const m = Math.max(...s), e = s.map((x) => Math.exp(x - m)), z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < nk; j++) for (let c = 0; c < d; c++) out[(i * hq + h) * d + c]! += (e[j]! / z) * v[(j * hk + kvh) * d + c]!;
    }
  }
  return out;
}

test('causal attention (GQA 4 query heads on 2 KV heads, keys out of order, custom scale) equals the naive loops, with gradients', () => {
  const [nq, nk, hq, hk, d] = [3, 5, 4, 2, 3];
  const q = randomTensor(2, [1, nq, hq * d]), k = randomTensor(3, [1, nk, hk * d]), v = randomTensor(4, [1, nk, hk * d]);
  const g = { qPos: [2, 4, 3], kPos: [4, 0, 2, 1, 3], heads: hq, kvHeads: hk, headDim: d, scale: 0.7 };
  const got = causalAttention(q, k, v, g);
  assertClose(got.data, naiveAttention(f64(q), f64(k), f64(v), nq, nk, hq, hk, d, g.qPos, g.kPos, 0.7), 1e-12, 1e-12, 'attention');
  checkGrad('attention', (a, b, c) => causalAttention(a, b, c, g), [q, k, v]);
  assert.throws(() => causalAttention(q, k, v, { ...g, kPos: [0, 1] }), /positions/);
});

test('the fused cache attention (decode shape) equals the composite, values and gradients, GQA and MHA', () => {
  for (const [hq, hk] of [[4, 2], [3, 3]] as const) {
    const [nq, nk, d] = [2, 6, 3];
    const q = randomTensor(40 + hq, [1, nq, hq * d]), k = randomTensor(41, [1, nk, hk * d]), v = randomTensor(42, [1, nk, hk * d]);
    const g = { qPos: positions(4, nq), kPos: positions(0, nk), heads: hq, kvHeads: hk, headDim: d, scale: 0.6 };
    const fused = causalAttention(q, k, v, g), composite = causalAttention(q, k, v, g, { fused: false });
    assertClose(fused.data, composite.data, 1e-12, 1e-12, `fused vs composite ${hq}/${hk}`);
    const u = randomTensor(43, [1, nq, hq * d]);
    const grads = (fusedPath: boolean) => {
      const leaves = [q, k, v].map((t) => new Tensor(t.data, t.shape, { requiresGrad: true }));
      const y = causalAttention(leaves[0]!, leaves[1]!, leaves[2]!, g, { fused: fusedPath });
      const all = cotangents(y, u);
      return leaves.map((l) => all.get(l)!.data);
    };
    const [gf, gc] = [grads(true), grads(false)];
    for (let i = 0; i < 3; i++) assertClose(gf[i]!, gc[i]!, 1e-12, 1e-12, `gradient ${i} ${hq}/${hk}`);
  }
});

test('KV cache: the first extend returns its inputs (autograd), later ones views of all rows; growth keeps the rows', () => {
  const cache = new KeyValueCache(2, 1, 'f64');
  const k1 = randomTensor(5, [1, 3, 2]), v1 = randomTensor(6, [1, 3, 2]);
  const first = cache.extend(k1, v1);
  assert.equal(first.keys, k1);
  const k2 = randomTensor(7, [1, 2, 2]), v2 = randomTensor(8, [1, 2, 2]);
  const second = cache.extend(k2, v2);
  assert.deepEqual(second.keys.shape, [1, 5, 2]);
  assertClose(second.keys.data, [...f64(k1), ...f64(k2)], 0, 0, 'keys');
  assertClose(second.values.data, [...f64(v1), ...f64(v2)], 0, 0, 'values');
  assert.equal(cache.storedValues, 20);
  assertClose(first.keys.data, f64(k1), 0, 0, 'earlier views unchanged');
  assert.throws(() => cache.extend(randomTensor(9, [1, 1, 3]), randomTensor(9, [1, 1, 3])), /\[1, 1, 2\]/);
});

test('gated MLP (GELU, with adapter) equals the reference; gradients for GELU and SiLU', () => {
  const [L, h, I, r] = [3, 4, 5, 2];
  const x = randomTensor(10, [L, h], -1, 1), gateUp = randomTensor(11, [2 * I, h], -1, 1), down = randomTensor(12, [h, I], -1, 1);
  const A = randomTensor(13, [r, h], -1, 1), B = randomTensor(14, [2 * I, r], -1, 1);
  const got = gatedMlp(x, { gateUp, down }, 'gelu', { down: A, up: B });
  const want = ref.gatedMlpForward({ gateUp: f64(gateUp), down: f64(down) }, f64(x), h, I, { down: f64(A), up: f64(B) });
  assertClose(got.data, want, 1e-12, 1e-12, 'gated MLP');
  for (const act of ['gelu', 'silu'] as const) checkGrad(`gated MLP ${act}`, (a, gu, dn, la, lb) => gatedMlp(a, { gateUp: gu, down: dn }, act, { down: la, up: lb }), [x, gateUp, down, A, B]);
});

test('depthwise causal conv over two calls equals the reference with its window; gradients of x, weight, bias and window', () => {
  const [C, K] = [3, 4];
  const w = randomTensor(15, [C, 1, K]), b = randomTensor(16, [C]);
  const x1 = randomTensor(17, [5, C]), x2 = randomTensor(18, [2, C]);
  const refWindow = new Float64Array(C * K);
  const a = depthwiseCausalConv(x1, w, b, new Tensor(new Float64Array(C * K), [K, C]));
  assertClose(a.y.data, ref.causalDepthwiseConv(f64(x1), C, f64(w), f64(b), K, refWindow), 1e-12, 1e-12, 'first call');
  const second = depthwiseCausalConv(x2, w, b, a.window);
  assertClose(second.y.data, ref.causalDepthwiseConv(f64(x2), C, f64(w), f64(b), K, refWindow), 1e-12, 1e-12, 'second call');
  assertClose(transpose(second.window).data, refWindow, 0, 0, 'window (the reference keeps HF\'s [C, K])');
  const window = randomTensor(19, [K, C]);
  checkGrad('causal conv', (xx, ww, bb, win) => {
    const r = depthwiseCausalConv(xx, ww, bb, win);
    return add(sum(mul(r.y, r.y)), sum(r.window));
  }, [x2, w, b, window]);
});

test('gated RMSNorm gradients (two groups)', () => {
  const y = randomTensor(20, [3, 6]), z = randomTensor(21, [3, 6]), w = randomTensor(22, [6]);
  checkGrad('gated RMSNorm', (a, b, c) => gatedRmsNorm(a, b, c, 2, 1e-5), [y, z, w]);
});

test('Mamba2 mixer equals the reference and has correct gradients (both paths, float64)', () => {
  const d: Mamba2Dims = { hidden: 4, innerWidth: 8, heads: 4, headDim: 2, stateSize: 3, groups: 2, convKernel: 3, chunkSize: 2, dtMin: 0.01, normEps: 1e-5 };
  const convDim = mamba2ConvDim(d);
  const w = {
    inProj: randomTensor(30, [mamba2ProjWidth(d), d.hidden], -0.5, 0.5), convWeight: randomTensor(31, [convDim, 1, d.convKernel], -0.5, 0.5),
    convBias: randomTensor(32, [convDim], -0.2, 0.2), dtBias: randomTensor(33, [d.heads], -1, 0), aLog: randomTensor(34, [d.heads], 0, 1),
    d: randomTensor(35, [d.heads]), normWeight: randomTensor(36, [d.innerWidth], 0.5, 1.5), outProj: randomTensor(37, [d.hidden, d.innerWidth], -0.5, 0.5),
  };
  const u = randomTensor(38, [5, d.hidden]);
  const refW = Object.fromEntries(Object.entries(w).map(([k, t]) => [k, f64(t)])) as unknown as ref.Mamba2Weights;
  for (const path of ['chunked', 'recurrent'] as const) {
    const refState = ref.zeroMamba2State(d, 'f64');
    const want = ref.mamba2Forward(d, refW, f64(u), refState, path);
    const got = mamba2Mixer(d, w, u, zeroMamba2State(d, 'f64'), path);
    assertClose(got.y.data, want, 1e-10, 1e-12, `${path} y`);
    assertClose(got.state.ssm.data, refState.ssm, 1e-10, 1e-12, `${path} state`);
    const names = Object.keys(w) as (keyof typeof w)[];
    checkGrad(`mixer ${path}`, (uu, ...ws) => {
      const weights = Object.fromEntries(names.map((n, i) => [n, ws[i]!])) as unknown as typeof w;
      const r = mamba2Mixer(d, weights, uu, zeroMamba2State(d, 'f64'), path);
      return add(sum(mul(r.y, r.y)), sum(r.state.ssm));
    }, [u, ...names.map((n) => w[n])], 1e-5);
  }
  assert.deepEqual(positions(3, 2), [3, 4]);
});
