// globalSelfAttention: the infinite-width NNGP/NTK (neural-tangents GlobalSelfAttention) against Monte-Carlo
// estimates from its own finite networks (1024 channels in front, 1024 key dimensions over 4 heads); the
// √d_k identity mechanism, whose kernel is the exact mean at any width, directly on the inputs; positions
// permuted in the input permute the kernel and the finite outputs; unsupported options are errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { random, Tensor } from '../../src/tensor/index.js';
import {
  conv, globalAvgPool, globalSelfAttention, inputKernel, kernelFn, monteCarloKernel, parseArchitecture, relu, serial, StaxNetwork, toInputs,
  type AttentionOptions, type Kernel, type Layer,
} from '../../src/infinite/index.js';

/** n sequences of L tokens with C channels as images [n, C, 1, L]. */
const sequences = (seed: number, n: number, C: number, L: number, scale = 1): Tensor => {
  const x = random.normal(key(seed), [n, C, 1, L], { dtype: 'f64' });
  return new Tensor((x.data as Float64Array).map((v) => v * scale), x.shape);
};

/** The analytic kernels against Monte Carlo: |MC − analytic| ≤ 5 standard errors, and the errors small enough to mean something. */
function compare(makeNet: (outputs: number) => Layer, x: Tensor, o: { nngpOutputs: number; nngpSamples: number; ntkSamples: number; maxRelSe: number }, what: string): ReturnType<typeof kernelFn> {
  const inputShape = x.shape.slice(1);
  const analytic = kernelFn(makeNet(1), x);
  const wide = kernelFn(makeNet(o.nngpOutputs), x);
  for (let i = 0; i < wide.nngp.length; i++) assert.equal(wide.nngp[i], analytic.nngp[i], 'the output width does not change the kernel');
  const mcNngp = monteCarloKernel(makeNet(o.nngpOutputs), { x1: x, inputShape, key: key(7), samples: o.nngpSamples, get: 'nngp' });
  const mcNtk = monteCarloKernel(makeNet(1), { x1: x, inputShape, key: key(8), samples: o.ntkSamples, get: 'ntk' });
  for (const [name, a, m, se] of [['NNGP', analytic.nngp, mcNngp.nngp, mcNngp.nngpStdErr], ['NTK', analytic.ntk, mcNtk.ntk, mcNtk.ntkStdErr]] as const) {
    const scale = Math.max(...a.map(Math.abs));
    for (let i = 0; i < a.length; i++) {
      const tol = 5 * se[i]! + 1e-12;
      assert.ok(Math.abs(m[i]! - a[i]!) <= tol, `${what} ${name}[${i}]: Monte Carlo ${m[i]} ± ${se[i]} vs analytic ${a[i]} (tolerance ${tol})`);
      assert.ok(se[i]! < o.maxRelSe * scale, `${what} ${name}[${i}]: the standard error ${se[i]} is small enough (< ${o.maxRelSe} of ${scale}) for the test to mean something`);
    }
  }
  return analytic;
}

test('softmax attention, linear scaling, directly on the inputs (4 heads × 1024 key dims): Monte-Carlo NNGP and NTK match', () => {
  const opts: AttentionOptions = { wKeyStd: 1.5, wQueryStd: 2, wValueStd: 1.2, wOutStd: 1.1, bStd: 0.3 };
  const net = (outputs: number, o: AttentionOptions = opts) => serial(globalSelfAttention(outputs, 1024, 256, 4, o), globalAvgPool());
  const x = sequences(21, 3, 3, 4);
  const analytic = compare(net, x, { nngpOutputs: 64, nngpSamples: 48, ntkSamples: 48, maxRelSe: 0.03 }, 'softmax');
  // The attention weights matter: uniform weights (σ_QK = 0) give a kernel far outside the tolerance.
  const uniform = kernelFn(net(1, { ...opts, wKeyStd: 0 }), x);
  const gap = Math.max(...analytic.nngp.map((v, i) => Math.abs(v - uniform.nngp[i]!) / Math.abs(v)));
  assert.ok(gap > 0.2, `softmax weights change the NNGP by ${gap} relative`);
});

/**
 * The NTK of front → attention → pooling against Monte Carlo (5 standard errors), and the part of it that the
 * front's own parameters contribute through the attention layer (the analytic kernel minus the kernel with
 * the front's Θ set to 0) resolved on the diagonal by more than 6 standard errors, so dropping it would fail.
 */
function compareThroughFront(front: Layer, attention: () => Layer, x: Tensor, o: { samples: number; maxRelSe: number }, what: string): void {
  const analytic = kernelFn(serial(front, attention()), x);
  const mc = monteCarloKernel(serial(front, attention()), { x1: x, inputShape: x.shape.slice(1), key: key(9), samples: o.samples, get: 'ntk' });
  const k = front.kernel(inputKernel(toInputs('t', 'x', x), null)) as Kernel;
  const withoutTheta = attention().kernel({ ...k, ntk: new Float64Array(k.ntk.length) }) as Kernel;
  const n = analytic.n1, scale = Math.max(...analytic.ntk);
  for (let i = 0; i < n * n; i++) {
    const se = mc.ntkStdErr[i]!;
    assert.ok(Math.abs(mc.ntk[i]! - analytic.ntk[i]!) <= 5 * se, `${what} NTK[${i}]: Monte Carlo ${mc.ntk[i]} ± ${se} vs analytic ${analytic.ntk[i]}`);
    assert.ok(se < o.maxRelSe * scale, `${what} NTK[${i}]: the standard error ${se} is small enough (< ${o.maxRelSe} of ${scale})`);
    const term = analytic.ntk[i]! - withoutTheta.ntk[i]!;
    if (i % (n + 1) === 0) assert.ok(term > 6 * se, `${what} NTK[${i}]: the term through the front's Θ, ${term}, is resolved (standard error ${se})`);
  }
}

// Between different inputs the relu's Θ is small, so the term through it is checked on the diagonal.
test('softmax attention, linear scaling, behind conv 1×1 (1024 channels) and relu (2 heads × 128 key dims): the NTK with its A Θ Aᵀ term matches Monte Carlo', () => {
  const front = serial(conv(1024, 1, { wStd: 1.4, bStd: 0.3 }), relu());
  const attention = () => serial(globalSelfAttention(1, 128, 128, 2, { wKeyStd: 1.5, wQueryStd: 2, bStd: 0.2 }), globalAvgPool());
  compareThroughFront(front, attention, sequences(28, 3, 2, 4, 1.2), { samples: 24, maxRelSe: 0.04 }, 'softmax, conv front');
});

test('identity attention with 1/√d_k scaling directly on the inputs (32 heads × 32 key dims): the kernel is the exact Monte-Carlo mean', () => {
  const net = (outputs: number) => serial(globalSelfAttention(outputs, 32, 32, 32, { linearScaling: false, attentionMechanism: 'IDENTITY', wKeyStd: 1.3, wQueryStd: 0.9, wValueStd: 1.1, wOutStd: 1.2, bStd: 0.2 }), globalAvgPool());
  compare(net, sequences(22, 3, 3, 4), { nngpOutputs: 16, nngpSamples: 128, ntkSamples: 64, maxRelSe: 0.05 }, 'identity √d_k');
});

// The mean-zero attention weights G make this estimate heavy-tailed (a product of four Gaussians per key
// dimension): ~6% standard errors from 16 heads × 16 key dims; the terms through the front's Θ (queries,
// keys and values) are ~40% of the NTK, so they are still resolved.
test('identity attention with 1/√d_k scaling behind conv 1×1 (1024 channels) and relu (16 heads × 16 key dims): the NTK with its Θ terms matches Monte Carlo', () => {
  const front = serial(conv(1024, 1, { wStd: 1.2, bStd: 0.2 }), relu());
  const attention = () => serial(globalSelfAttention(1, 16, 16, 16, { linearScaling: false, attentionMechanism: 'identity', wKeyStd: 1.1, bStd: 0.1 }), globalAvgPool());
  compareThroughFront(front, attention, sequences(23, 3, 2, 3), { samples: 24, maxRelSe: 0.08 }, 'identity √d_k, conv front');
});

/** The [P, P] block (i, j) of a kernel. */
const block = (k: Kernel, i: number, j: number): Float64Array => {
  const PP = k.spatial[0]! * k.spatial[1]! * k.spatial[0]! * k.spatial[1]!;
  return k.nngp.subarray((i * k.n2 + j) * PP, (i * k.n2 + j + 1) * PP);
};

test('permuting the positions of an input permutes the kernel and the finite outputs; self-covariances are the diagonal blocks', () => {
  const L = 5, perm = [3, 0, 4, 1, 2];
  const x = sequences(24, 2, 3, L, 1.5);
  const xp = new Float64Array(x.size); // xp[:, :, 0, t] = x[:, :, 0, perm[t]]
  for (let r = 0; r < 2 * 3; r++) for (let t = 0; t < L; t++) xp[r * L + t] = x.data[r * L + perm[t]!]!;
  const xPerm = new Tensor(xp, x.shape);
  for (const o of [{}, { attentionMechanism: 'relu', bStd: 0.2 }, { linearScaling: false, attentionMechanism: 'identity' }] as AttentionOptions[]) {
    const layer = serial(conv(4, 1, { wStd: 1.3 }), relu(), globalSelfAttention(3, 8, 8, 2, { wKeyStd: 1.7, ...o }));
    const k = layer.kernel(inputKernel(toInputs('t', 'x', x), null)) as Kernel;
    const kp = layer.kernel(inputKernel(toInputs('t', 'x', xPerm), toInputs('t', 'x', x))) as Kernel;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
      const a = block(k, i, j), b = block(kp, i, j);
      for (let p = 0; p < L; p++) for (let q = 0; q < L; q++) {
        assert.ok(Math.abs(b[p * L + q]! - a[perm[p]! * L + q]!) <= 1e-12 * (1 + Math.abs(a[perm[p]! * L + q]!)), `${JSON.stringify(o)} K(πx_${i}, x_${j})[${p}, ${q}]`);
      }
    }
    for (let i = 0; i < 2; i++) assert.deepEqual(Array.from(k.cov1.subarray(i * L * L, (i + 1) * L * L)), Array.from(block(k, i, i)), 'cov1 = diagonal block');
    // the finite layer is equivariant: f(πx) = π f(x)
    const net = new StaxNetwork(layer, key(5), [3, 1, L]);
    const y = net.forward(x), yp = net.forward(xPerm);
    for (let r = 0; r < 2 * 3; r++) for (let t = 0; t < L; t++) {
      assert.ok(Math.abs(yp.data[r * L + t]! - y.data[r * L + perm[t]!]!) <= 1e-12 * (1 + Math.abs(y.data[r * L + perm[t]!]!)), `finite output ${r}, ${t}`);
    }
  }
  // The check above can fail: positions differ (a kernel constant over positions would pass any permutation).
  const k = serial(globalSelfAttention(3, 8, 8, 2, { wKeyStd: 1.7 })).kernel(inputKernel(toInputs('t', 'x', x), null)) as Kernel;
  const b = block(k, 0, 0);
  assert.ok(Math.abs(b[0]! - b[L + 1]!) > 1e-6, 'positions 0 and 1 have different variances');
});

test('one position: softmax attention is a dense map of the values (K′ = σ_OV² K + σ_b², Θ′ = 2σ_OV² K + σ_b² on inputs); sequences through the --arch grammar', () => {
  const x = sequences(25, 3, 4, 1);
  const k = inputKernel(toInputs('t', 'x', x), null);
  const a = globalSelfAttention(2, 4, 4, 1, { wValueStd: 1.5, wOutStd: 0.8, bStd: 0.3 }).kernel(k) as Kernel;
  const ov2 = (1.5 * 0.8) ** 2;
  for (let i = 0; i < 9; i++) {
    assert.ok(Math.abs(a.nngp[i]! - (ov2 * k.nngp[i]! + 0.09)) < 1e-12, `NNGP ${i}`);
    assert.ok(Math.abs(a.ntk[i]! - (2 * ov2 * k.nngp[i]! + 0.09)) < 1e-12, `NTK ${i}`);
  }
  // grammar: attention:QK_STD:OV_STD:B_STD[:MECHANISM[:SCALING]] equals the layer with those products
  const spec = parseArchitecture('attention:2:1.2:0.3 relu attention:1.5:1:none:identity:sqrt global_avg_pool');
  const direct = serial(globalSelfAttention(1, 1, 1, 1, { wKeyStd: 2, wValueStd: 1.2, bStd: 0.3 }), relu(),
    globalSelfAttention(1, 1, 1, 1, { wKeyStd: 1.5, linearScaling: false, attentionMechanism: 'identity' }), globalAvgPool());
  const y = sequences(26, 2, 3, 4);
  assert.deepEqual(Array.from(kernelFn(spec, y).ntk), Array.from(kernelFn(direct, y).ntk));
  assert.throws(() => parseArchitecture('attention:1:1:none:cosine'), /MECHANISM/);
  assert.throws(() => parseArchitecture('attention:1:1:none:softmax:sqrt'), /no known closed form/);
});

test('unsupported options and bad inputs are errors that name what is supported', () => {
  const x = sequences(27, 2, 2, 3);
  assert.throws(() => kernelFn(serial(globalSelfAttention(1, 4, 4, 1, { linearScaling: false }), globalAvgPool()), x), /no known closed form.*supported: linearScaling true/);
  assert.throws(() => globalSelfAttention(1, 4, 4, 1, { posEmbType: 'SUM' }), /posEmbType expected 'none'/);
  assert.throws(() => globalSelfAttention(1, 4, 4, 1, { attentionMechanism: 'sigmoid' }), /one of softmax, identity, abs, relu/);
  assert.throws(() => globalSelfAttention(0, 4, 4, 1), /nChanOut expected a positive integer/);
  assert.throws(() => globalSelfAttention(1, 4, 4, 1.5), /nHeads/);
  assert.throws(() => globalSelfAttention(1, 4, 4, 1, { bStd: -1 }), /bStd/);
  assert.throws(() => kernelFn(globalSelfAttention(1, 4, 4, 1), [[1, 2], [3, 4]]), /kernel of images or sequences/);
  assert.throws(() => new StaxNetwork(globalSelfAttention(1, 4, 4, 1), key(1), [3]), /images \[C, H, W\]/);
});
