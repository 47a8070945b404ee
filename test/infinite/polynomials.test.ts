// polynomial / monomial / hermite / rectifiedMonomial (neural-tangents Polynomial, Monomial, Hermite,
// RectifiedMonomial): exact kernel maps against Gauss–Hermite quadrature of φ and φ′ (1e-9), neural-tangents'
// monomial table (d ≤ 5), relu and the arc-cosine J_0, J_2, Price's theorem for K̇ and the (2d−1)!!/2 diagonal of
// rectified monomials, hermite after layerNorm = K12^d, the --arch grammar; Monte Carlo against width 1024.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/tensor/index.js';
import {
  arcCosineJ, dense, elementwise, hermite, identity, kernelFn, layerNorm, monomial, parseArchitecture, polynomial, rectifiedMonomial, relu, serial, type Layer,
} from '../../src/infinite/index.js';
import { compareWithMonteCarlo } from '../support/monteCarlo.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}: got ${a}, expected ${e} (rel ${tol})`);
const x = [[1, 2], [-0.5, 0.7], [0, 0.1], [0.9, -0.3]];
const front = () => dense(3, { wStd: 0.9, bStd: 0.3 });
const poly = (c: number[]) => (v: number) => c.reduceRight((acc, ci) => acc * v + ci, 0);
const dpoly = (c: number[]) => poly(c.slice(1).map((ci, n) => (n + 1) * ci));

function matchesQuadrature(layer: Layer, fn: (v: number) => number, derivative: (v: number) => number, what: string): void {
  const closed = kernelFn(serial(front(), layer, dense(1)), x);
  const quad = kernelFn(serial(front(), elementwise({ name: `${what}-quad`, fn, derivative, apply: (t) => t, deg: 60 }), dense(1)), x);
  for (let i = 0; i < 16; i++) {
    close(closed.nngp[i]!, quad.nngp[i]!, 1e-9, `${what} NNGP ${i}`);
    close(closed.ntk[i]!, quad.ntk[i]!, 1e-9, `${what} NTK ${i}`);
  }
}

test('monomial(0…7), polynomial and hermite(0…6) equal Gauss–Hermite quadrature (60 points: exact for these degrees) to 1e-9', () => {
  for (let d = 0; d <= 7; d++) matchesQuadrature(monomial(d), (v) => v ** d, (v) => (d === 0 ? 0 : d * v ** (d - 1)), `monomial(${d})`);
  const c = [0.3, -1.2, 0.5, 0.25, -0.1];
  matchesQuadrature(polynomial(c), poly(c), dpoly(c), 'polynomial');
  for (let d = 0; d <= 6; d++) {
    const layer = hermite(d);
    const probe = kernelFn(serial(identity(), layer), [[0]]); // φ(0)² with K = 0
    assert.ok(Number.isFinite(probe.nngp[0]!));
    // He_d/√d! by its recurrence He_{n+1} = x He_n − n He_{n−1}
    const he = (v: number) => {
      let a = 1, b = v;
      if (d === 0) return 1;
      for (let n = 1; n < d; n++) [a, b] = [b, v * b - n * a];
      return b;
    };
    const norm = Math.sqrt(Array.from({ length: d }, (_, i) => i + 1).reduce((p, v) => p * v, 1));
    const heOf = (n: number, v: number) => {
      let a = 1, b = v;
      if (n === 0) return 1;
      for (let k = 1; k < n; k++) [a, b] = [b, v * b - k * a];
      return b;
    };
    matchesQuadrature(layer, (v) => he(v) / norm, (v) => (d === 0 ? 0 : (d * heOf(d - 1, v)) / norm), `hermite(${d})`); // He_d′ = d·He_{d−1}
  }
});

test("monomial(d ≤ 5) equals neural-tangents' closed forms; polynomial is consistent with its pieces", () => {
  const pre = kernelFn(front(), x);
  const table = [
    (k: number) => 1 + 0 * k, (k: number) => k, (k: number, p: number) => 2 * k ** 2 + p, (k: number, p: number) => 6 * k ** 3 + 9 * k * p,
    (k: number, p: number) => 3 * (8 * k ** 4 + 3 * p * (8 * k ** 2 + p)), (k: number, p: number) => 15 * k * (8 * k ** 4 + 5 * p * (8 * k ** 2 + 3 * p)),
  ];
  for (let d = 0; d <= 5; d++) {
    const m = kernelFn(serial(front(), monomial(d)), x);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      const k = pre.nngp[i * 4 + j]!, p = pre.nngp[i * 5]! * pre.nngp[j * 5]!;
      close(m.nngp[i * 4 + j]!, table[d]!(k, p), 1e-12, `monomial(${d}) NNGP ${i}${j}`);
      close(m.ntk[i * 4 + j]!, d === 0 ? 0 : d * d * table[d - 1]!(k, p) * pre.ntk[i * 4 + j]!, 1e-12, `monomial(${d}) NTK ${i}${j}`);
    }
  }
  // polynomial([a, 0, b]): E[(a + b u²)(a + b v²)] = a² + ab(K11 + K22) + b²(2K12² + K11K22); polynomial(e_3) = monomial(3); 2φ → 4K
  const [a, b] = [0.7, -0.4];
  const q = kernelFn(serial(front(), polynomial([a, 0, b])), x);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
    const k = pre.nngp[i * 4 + j]!, k11 = pre.nngp[i * 5]!, k22 = pre.nngp[j * 5]!;
    close(q.nngp[i * 4 + j]!, a * a + a * b * (k11 + k22) + b * b * (2 * k * k + k11 * k22), 1e-12, `quadratic NNGP ${i}${j}`);
  }
  const m3 = kernelFn(serial(front(), monomial(3), dense(1)), x), p3 = kernelFn(serial(front(), polynomial([0, 0, 0, 1]), dense(1)), x);
  const twice = kernelFn(serial(front(), polynomial([0, 0, 0, 2]), dense(1, { bStd: null })), x), once = kernelFn(serial(front(), monomial(3), dense(1, { bStd: null })), x);
  for (let t = 0; t < 16; t++) {
    assert.equal(p3.nngp[t], m3.nngp[t]);
    close(twice.nngp[t]!, 4 * once.nngp[t]!, 1e-13, `2φ NNGP ${t}`);
    close(twice.ntk[t]!, 4 * once.ntk[t]!, 1e-13, `2φ NTK ${t}`);
  }
  // hermite after layerNorm (unit variances): K12^d and K̇ = d·K12^{d−1}, neural-tangents' formula
  const ln = kernelFn(serial(front(), layerNorm()), x);
  for (const d of [1, 2, 3, 4]) {
    const h = kernelFn(serial(front(), layerNorm(), hermite(d)), x);
    for (let t = 0; t < 16; t++) {
      close(h.nngp[t]!, ln.nngp[t]! ** d, 1e-10, `hermite(${d}) NNGP ${t}`);
      close(h.ntk[t]!, d * ln.nngp[t]! ** (d - 1) * ln.ntk[t]!, 1e-10, `hermite(${d}) NTK ${t}`);
    }
  }
});

test('rectifiedMonomial: d = 1 is relu (1e-12), d = 0 and 2 the arc-cosine J_0, J_2; the diagonal (2d−1)!!/2·K^d; K̇ = ∂K_new/∂K12 (Price)', () => {
  const r = kernelFn(serial(front(), relu(), dense(1)), x), m1 = kernelFn(serial(front(), rectifiedMonomial(1), dense(1)), x);
  for (let t = 0; t < 16; t++) {
    close(m1.nngp[t]!, r.nngp[t]!, 1e-12, `d = 1 NNGP ${t}`);
    close(m1.ntk[t]!, r.ntk[t]!, 1e-12, `d = 1 NTK ${t}`);
  }
  const pre = kernelFn(front(), x);
  const m0 = kernelFn(serial(front(), rectifiedMonomial(0)), x), m2 = kernelFn(serial(front(), rectifiedMonomial(2)), x);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
    const k = pre.nngp[i * 4 + j]!, s = Math.sqrt(pre.nngp[i * 5]! * pre.nngp[j * 5]!), c = Math.min(1, k / s);
    close(m0.nngp[i * 4 + j]!, (Math.PI - Math.acos(c)) / (2 * Math.PI), 1e-12, `J_0 ${i}${j}`);
    close(m2.nngp[i * 4 + j]!, (s * s * arcCosineJ(2, c)) / (2 * Math.PI), 1e-12, `J_2 ${i}${j}`);
    close(m0.ntk[i * 4 + j]!, 0, 0, 'the step has no gradient (neural-tangents: 0)');
  }
  const dfact = (n: number): number => (n <= 0 ? 1 : n * dfact(n - 2));
  for (const d of [2, 3, 4, 5]) {
    const k = kernelFn(serial(front(), rectifiedMonomial(d)), x);
    for (let i = 0; i < 4; i++) close(k.nngp[i * 5]!, (dfact(2 * d - 1) / 2) * pre.nngp[i * 5]! ** d, 1e-12, `diagonal d = ${d}`);
    // Price: K̇(K12) = ∂/∂K12 of the NNGP map, checked by a central difference at K11 = 1.3, K22 = 0.8
    const layer = rectifiedMonomial(d);
    const at = (k12: number) => {
      const kk = layer.kernel({ n1: 1, n2: 1, spatial: [], channels: 1, nngp: Float64Array.of(k12), ntk: Float64Array.of(1), cov1: Float64Array.of(1.3), cov2: Float64Array.of(0.8), isGaussian: true, diagonalSpatial: false });
      return kk as { nngp: Float64Array; ntk: Float64Array };
    };
    for (const k12 of [-0.9, -0.2, 0.4, 0.95]) {
      const h = 1e-5, fd = (at(k12 + h).nngp[0]! - at(k12 - h).nngp[0]!) / (2 * h);
      close(at(k12).ntk[0]!, fd, 1e-7, `Price d = ${d}, K12 = ${k12}`);
    }
  }
});

test('the --arch grammar: monomial:D, rectified_monomial:D, hermite:D, polynomial:C0:…, layer_norm[:EPS], dropout:RATE[:MODE]', () => {
  const spec = parseArchitecture('dense:1:0.1 monomial:2 dense:1:0.1 rectified_monomial:2 dense:1:0 polynomial:0.1:1:0.5 dense:1:0 layer_norm hermite:3 dense:1:0 dropout:0.5:test');
  const direct = serial(dense(1, { bStd: 0.1 }), monomial(2), dense(1, { bStd: 0.1 }), rectifiedMonomial(2), dense(1, { bStd: 0 }), polynomial([0.1, 1, 0.5]), dense(1, { bStd: 0 }), layerNorm(), hermite(3), dense(1, { bStd: 0 }));
  assert.deepEqual(Array.from(kernelFn(spec, x).nngp), Array.from(kernelFn(direct, x).nngp));
  assert.throws(() => parseArchitecture('dense:1:0 polynomial'), /coefficients/);
  assert.throws(() => parseArchitecture('dense:1:0 monomial:1.5'), /degree/);
  assert.throws(() => parseArchitecture('dense:1:0 relu dropout:0.5:eval'), /train.*test/);
  assert.throws(() => monomial(-1), /degree/);
  assert.throws(() => polynomial([]), /non-empty/);
});

const WIDTH = 1024;

test('Monte Carlo, width 1024: rectifiedMonomial(2) and polynomial([0.1, 1, 0.5]) hidden layers', () => {
  const xs = tensor([[1, 0.3], [0.6, -1], [-0.4, 0.9]], undefined, 'f64');
  compareWithMonteCarlo((o) => serial(dense(WIDTH, { wStd: 1.2, bStd: 0.2 }), rectifiedMonomial(2), dense(o, { wStd: 1.1, bStd: 0.1 })), xs, [2], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'rectifiedMonomial(2)');
  compareWithMonteCarlo((o) => serial(dense(WIDTH, { wStd: 1.0, bStd: 0.2 }), polynomial([0.1, 1, 0.5]), dense(o, { wStd: 1.1, bStd: 0.1 })), xs, [2], { nngpOutputs: 128, nngpSamples: 32, ntkSamples: 100 }, 'polynomial');
});
