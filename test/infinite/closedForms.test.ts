// Closed-form kernel maps of the elementwise layers neural-tangents has (Sin, Cos, Rbf, Exp, Gaussian, Sign,
// Abs): each against two-dimensional Gauss–Hermite quadrature of its φ and φ′ (the generic path, float64),
// Rbf against exp(−γ‖·‖²) of the pre-activation kernel, Sign as the limit of erf(b·x) for large b, and the
// Gaussian's divergent moments refused. Monte-Carlo checks against finite networks are in monteCarlo.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  abRelu, abs, cos, dense, elementwise, erf, exp, gaussian, identity, kernelFn, parseArchitecture, rbf, serial, sign, sin, type Layer,
} from '../../src/infinite/index.js';
import { TesseraError } from '../../src/core/errors.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}: got ${a}, expected ${e} (rel ${tol})`);
const x = [[1, 2], [-0.5, 0.7], [0, 0.1]];
const front = () => dense(3, { wStd: 0.9, bStd: 0.3 });

function matchesQuadrature(layer: Layer, fn: (v: number) => number, derivative: (v: number) => number, tol: number, what: string): void {
  const closed = kernelFn(serial(front(), layer, dense(1)), x);
  const quad = kernelFn(serial(front(), elementwise({ name: `${what}-quad`, fn, derivative, apply: (t) => t, deg: 120 }), dense(1)), x);
  for (let i = 0; i < 9; i++) {
    close(closed.nngp[i]!, quad.nngp[i]!, tol, `${what} NNGP ${i}`);
    close(closed.ntk[i]!, quad.ntk[i]!, tol, `${what} NTK ${i}`);
  }
}

test('sin, cos, exp, gaussian closed forms equal Gauss–Hermite quadrature of φ and φ′ (float64, 1e-9)', () => {
  const [a, b, c] = [1.3, 0.9, 0.4];
  matchesQuadrature(sin(a, b, c), (v) => a * Math.sin(b * v + c), (v) => a * b * Math.cos(b * v + c), 1e-9, 'sin');
  matchesQuadrature(cos(a, b, c), (v) => a * Math.cos(b * v + c), (v) => -a * b * Math.sin(b * v + c), 1e-9, 'cos');
  matchesQuadrature(exp(0.8, 0.5), (v) => 0.8 * Math.exp(0.5 * v), (v) => 0.4 * Math.exp(0.5 * v), 1e-9, 'exp');
  matchesQuadrature(gaussian(1.1, -0.6), (v) => 1.1 * Math.exp(-0.6 * v * v), (v) => -1.32 * v * Math.exp(-0.6 * v * v), 1e-9, 'gaussian');
  matchesQuadrature(gaussian(0.7, 0.05), (v) => 0.7 * Math.exp(0.05 * v * v), (v) => 0.07 * v * Math.exp(0.05 * v * v), 1e-9, 'gaussian b > 0');
});

test('rbf(γ) has the NNGP exp(−γ(K11 + K22 − 2K12)) of its pre-activation kernel; abs equals abRelu(−1, 1)', () => {
  const gamma = 0.35;
  const pre = kernelFn(serial(front(), identity()), x), k = kernelFn(serial(front(), rbf(gamma)), x);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const want = Math.exp(-gamma * (pre.nngp[i * 3 + i]! + pre.nngp[j * 3 + j]! - 2 * pre.nngp[i * 3 + j]!));
      close(k.nngp[i * 3 + j]!, want, 1e-12, `rbf NNGP ${i}${j}`);
    }
  }
  const a = kernelFn(serial(front(), abs(), dense(1)), x), r = kernelFn(serial(front(), abRelu(-1, 1), dense(1)), x);
  assert.deepEqual(Array.from(a.nngp), Array.from(r.nngp));
  assert.deepEqual(Array.from(a.ntk), Array.from(r.ntk));
});

test('sign is the limit of erf(b·x) for large b: NNGP and (off the diagonal) K̇, to 1e-4', () => {
  const s = kernelFn(serial(front(), sign(), dense(1)), x), e = kernelFn(serial(front(), erf(1, 1e6, 0), dense(1)), x);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      close(s.nngp[i * 3 + j]!, e.nngp[i * 3 + j]!, 1e-4, `sign NNGP ${i}${j}`);
      if (i !== j) close(s.ntk[i * 3 + j]!, e.ntk[i * 3 + j]!, 1e-4, `sign NTK ${i}${j}`);
    }
  }
  assert.equal(s.ntk[0], Infinity, 'K̇ of sign is infinite on the diagonal (Price: a delta at u = v)');
});

test('gaussian refuses b with divergent moments, naming the variance; bad parameters are errors; the --arch grammar knows the layers', () => {
  assert.throws(() => kernelFn(serial(front(), gaussian(1, 2)), x), (err: unknown) => err instanceof TesseraError && /1\/\(2·variance\)/.test(err.message));
  assert.throws(() => rbf(0), /gamma/);
  assert.throws(() => sin(Number.NaN), /a/);
  const spec = parseArchitecture('dense:1:0.1 sin:1.3:0.9:0.4 dense:1:0.1 cos dense:1:0 rbf:0.5 dense:1:0 exp:0.8:0.5 dense:1:0 gaussian:1:-0.5 dense:1:0 sign dense:1:0 abs');
  const direct = serial(dense(1, { wStd: 1, bStd: 0.1 }), sin(1.3, 0.9, 0.4), dense(1, { wStd: 1, bStd: 0.1 }), cos(), dense(1, { wStd: 1, bStd: 0 }), rbf(0.5),
    dense(1, { wStd: 1, bStd: 0 }), exp(0.8, 0.5), dense(1, { wStd: 1, bStd: 0 }), gaussian(1, -0.5), dense(1, { wStd: 1, bStd: 0 }), sign(), dense(1, { wStd: 1, bStd: 0 }), abs());
  assert.deepEqual(Array.from(kernelFn(spec, x).nngp), Array.from(kernelFn(direct, x).nngp));
  assert.throws(() => parseArchitecture('dense:1:0 rbf'), /rbf/);
});
