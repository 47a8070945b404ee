// Elementwise nonlinearities and their kernel maps (neural-tangents _src/stax/elementwise.py). For
// (u, v) ~ N(0, [[K11, K12], [K12, K22]]) each map gives
//   K_new = E[φ(u)φ(v)],  K̇ = E[φ′(u)φ′(v)],  Θ_new = K̇ ⊙ Θ,
// applied per input pair and per spatial position pair (variances from the self-covariances).
//   abRelu(a, b): φ = a·min(x, 0) + b·max(x, 0); with θ = atan2(√(K11K22 − K12²), K12):
//     K_new = ((a−b)²/2π)·√(K11K22 − K12²) + [(a²+b²)/2 − ((a−b)²/2π)θ]·K12
//     K̇    = (a²+b²)/2 − ((a−b)²/2π)·θ
//   relu = abRelu(0, 1), leakyRelu(α) = abRelu(α, 1).
//   erf(a, b, c): φ = a·erf(b·x) + c; with K ← b²K first and P = (1+2K11)(1+2K22):
//     K_new = a²·(2/π)·atan2(2K12, √(P − 4K12²)) + c²,  K̇ = a²b²·(4/π)/√(P − 4K12²)
//   (abRelu and erf run on the backend's pairMap kernel; backend/cpu/pairMaps.ts is their reference code.)
//   sin(a, b, c): φ = a·sin(b·x + c); with E = exp(−b²(K11 + K22)/2) (E[cos w] = e^{−Var w/2}):
//     K_new = (a²/2)·E·(e^{b²K12} − cos 2c·e^{−b²K12}),  K̇ = (a²b²/2)·E·(e^{b²K12} + cos 2c·e^{−b²K12})
//   cos(a, b, c) = sin(a, b, c + π/2);  rbf(γ) = sin(√2, √(2γ), π/4): K_new = exp(−γ(K11 + K22 − 2K12))
//   exp(a, b): φ = a·e^{b·x}:  K_new = a²·exp(b²(K11 + K22 + 2K12)/2),  K̇ = b²·K_new
//   gaussian(a, b): φ = a·e^{b·x²} (b < 1/(2 max K) so the moments exist); with D = (1−2bK11)(1−2bK22) − 4b²K12²:
//     K_new = a²/√D,  K̇ = 4a²b²·K12/D^{3/2}
//   sign: K_new = (2/π)·asin(K12/√(K11K22)),  K̇ = ∂K_new/∂K12 = (2/π)/√(K11K22 − K12²) (Price's theorem, as
//     neural-tangents; infinite on the diagonal; a finite sign network's gradient through φ is 0 almost everywhere)
//   abs = abRelu(−1, 1).
//   polynomial(c), monomial(d), hermite(d), rectifiedMonomial(d): exact maps in polynomials.ts (Hermite expansion,
//     and the degree-d arc-cosine kernel by a Stein recurrence).
//   gelu and any `elementwise(fn, dfn)`: two-dimensional Gauss–Hermite quadrature (quadrature.ts),
//     u = √K11·z1, v = √K22·(ρ z1 + √(1−ρ²) z2) — accurate for smooth φ; for kinks use many points.
// Square roots of rounding-negative determinants are clamped at 0, so nothing turns into NaN.
import { valueError } from '../core/errors.js';
import { normalCdf } from '../core/special.js';
import { add, cos as cosTensor, erf as erfTensor, exp as expTensor, gelu as geluTensor, minimum, mul, relu as reluTensor, sign as signTensor, sin as sinTensor, type Tensor } from '../tensor/index.js';
import { getBackend } from '../backend/registry.js';
import type { PairMapKind } from '../backend/kernels.js';
import type { Kernel } from './kernel.js';
import { positionsOf } from './kernel.js';
import { elementwiseLayer, type Layer } from './layer.js';
import { gaussHermite } from './quadrature.js';

/** Writes (K_new, K̇) for one (K11, K22, K12) into out[0], out[1]. */
export type PairMap = (k11: number, k22: number, k12: number, out: Float64Array) => void;

/** The self-covariances' position diagonals K(x_i, x_i)[p, p] [n, P] of full [n, P, P] blocks. */
function positionDiagonals(cov: Float64Array, n: number, P: number): Float64Array {
  const out = new Float64Array(n * P);
  for (let i = 0; i < n; i++) for (let p = 0; p < P; p++) out[i * P + p] = cov[(i * P + p) * P + p]!;
  return out;
}

/** A closed-form map (abRelu, erf) on the backend's pairMap kernel: every layout (vectors, [P, P] blocks, diagonals). */
function mapClosedForm(k: Kernel, map: PairMapKind): Kernel {
  const backend = getBackend(), P = positionsOf(k), diagonal = k.diagonalSpatial;
  const variances = (cov: Float64Array, n: number) => (diagonal || P === 1 ? cov : positionDiagonals(cov, n, P));
  const var1 = variances(k.cov1, k.n1), var2 = k.cov2 === k.cov1 ? var1 : variances(k.cov2, k.n2);
  const output = (length: number) => backend.allocateOutput('f64', length) as Float64Array;
  const nngp = output(k.nngp.length), ntk = output(k.ntk.length);
  backend.pairMap(map, { n1: k.n1, n2: k.n2, positions: P, self: false, diagonal }, k.nngp, k.ntk, var1, var2, nngp, ntk);
  const self = (cov: Float64Array, v: Float64Array, n: number): Float64Array => {
    const out = output(cov.length);
    backend.pairMap(map, { n1: n, n2: 1, positions: P, self: true, diagonal }, cov, null, v, v, out, null);
    return out;
  };
  const cov1 = self(k.cov1, var1, k.n1), cov2 = k.cov2 === k.cov1 ? cov1 : self(k.cov2, var2, k.n2);
  return { ...k, nngp, ntk, cov1, cov2, isGaussian: false };
}

/**
 * Applies a pair map to every cross and self entry of a kernel: a closed form (PairMapKind) on the backend's
 * pairMap kernel, any other map (a PairMap closure) entry by entry here.
 */
export function mapKernel(k: Kernel, f: PairMap | PairMapKind): Kernel {
  if (typeof f !== 'function') return mapClosedForm(k, f);
  const P = positionsOf(k), PP = P * P;
  const r = new Float64Array(2);
  const mapSelf = (cov: Float64Array, n: number): Float64Array => {
    const out = new Float64Array(cov.length);
    for (let i = 0; i < n; i++) {
      const base = i * PP;
      for (let p = 0; p < P; p++) {
        for (let q = 0; q < P; q++) {
          f(cov[base + p * P + p]!, cov[base + q * P + q]!, cov[base + p * P + q]!, r);
          out[base + p * P + q] = r[0]!;
        }
      }
    }
    return out;
  };
  const nngp = new Float64Array(k.nngp.length), ntk = new Float64Array(k.ntk.length);
  if (k.diagonalSpatial) {
    // position diagonals only: K[i, j, p] against the variances K(x1_i)[p] and K(x2_j)[p]
    const selfDiag = (cov: Float64Array): Float64Array => cov.map((v) => (f(v, v, v, r), r[0]!));
    const cov1 = selfDiag(k.cov1), cov2 = k.cov2 === k.cov1 ? cov1 : selfDiag(k.cov2);
    for (let i = 0; i < k.n1; i++) for (let j = 0; j < k.n2; j++) for (let p = 0; p < P; p++) {
      const at = (i * k.n2 + j) * P + p;
      f(k.cov1[i * P + p]!, k.cov2[j * P + p]!, k.nngp[at]!, r);
      nngp[at] = r[0]!;
      ntk[at] = r[1]! * k.ntk[at]!;
    }
    return { ...k, nngp, ntk, cov1, cov2, isGaussian: false };
  }
  const cov1 = mapSelf(k.cov1, k.n1), cov2 = k.cov2 === k.cov1 ? cov1 : mapSelf(k.cov2, k.n2);
  if (P === 1) {
    // Vectors: row i of [n1, n2] against the variances of x2 (the hot loop of dense nets).
    const K = k.nngp, T = k.ntk, v2 = k.cov2;
    for (let i = 0; i < k.n1; i++) {
      const v1 = k.cov1[i]!, row = i * k.n2;
      for (let j = 0; j < k.n2; j++) {
        f(v1, v2[j]!, K[row + j]!, r);
        nngp[row + j] = r[0]!;
        ntk[row + j] = r[1]! * T[row + j]!;
      }
    }
    return { ...k, nngp, ntk, cov1, cov2, isGaussian: false };
  }
  for (let i = 0; i < k.n1; i++) {
    for (let j = 0; j < k.n2; j++) {
      const base = (i * k.n2 + j) * PP;
      for (let p = 0; p < P; p++) {
        const v1 = k.cov1[i * PP + p * P + p]!;
        for (let q = 0; q < P; q++) {
          const at = base + p * P + q;
          f(v1, k.cov2[j * PP + q * P + q]!, k.nngp[at]!, r);
          nngp[at] = r[0]!;
          ntk[at] = r[1]! * k.ntk[at]!;
        }
      }
    }
  }
  return { ...k, nngp, ntk, cov1, cov2, isGaussian: false };
}

/** E[φ(u)φ(v)] and E[φ′(u)φ′(v)] by a deg×deg Gauss–Hermite rule. */
export function quadratureMap(phi: (x: number) => number, dphi: (x: number) => number, deg: number): PairMap {
  const { nodes, weights } = gaussHermite(deg);
  const n = nodes.length;
  const fu = new Float64Array(n), du = new Float64Array(n);
  return (k11, k22, k12, out) => {
    const s1 = Math.sqrt(Math.max(k11, 0)), s2 = Math.sqrt(Math.max(k22, 0));
    const rho = s1 > 0 && s2 > 0 ? Math.min(1, Math.max(-1, k12 / (s1 * s2))) : 0;
    const orth = Math.sqrt(1 - rho * rho);
    for (let i = 0; i < n; i++) {
      fu[i] = phi(s1 * nodes[i]!);
      du[i] = dphi(s1 * nodes[i]!);
    }
    let kk = 0, kd = 0;
    for (let i = 0; i < n; i++) {
      let inner = 0, innerD = 0;
      for (let j = 0; j < n; j++) {
        const v = s2 * (rho * nodes[i]! + orth * nodes[j]!);
        inner += weights[j]! * phi(v);
        innerD += weights[j]! * dphi(v);
      }
      kk += weights[i]! * fu[i]! * inner;
      kd += weights[i]! * du[i]! * innerD;
    }
    out[0] = kk;
    out[1] = kd;
  };
}

const checkNumber = (op: string, arg: string, v: number): void => {
  if (!Number.isFinite(v)) throw valueError(op, arg, 'a finite number', v);
};

/** A closed-form map as a fused pipeline step (on images: mapKernel's pairMap per [P, P] block); not Gaussian after. */
const mapStep = (map: PairMapKind): Layer['positionStep'] => (k) => (k.spatial.length === 2 ? { step: { op: 'map', map }, out: { ...k, isGaussian: false } } : null);

/** φ(x) = a·min(x, 0) + b·max(x, 0). */
export function abRelu(a: number, b: number): Layer {
  checkNumber('abRelu', 'a', a);
  checkNumber('abRelu', 'b', b);
  const map: PairMapKind = { kind: 'abRelu', a, b };
  return elementwiseLayer(`abRelu(${a}, ${b})`, {
    apply: (x) => add(mul(minimum(x, 0), a), mul(reluTensor(x), b)),
    kernel: (k) => mapKernel(k, map),
    positionStep: mapStep(map),
  });
}

/** max(x, 0). */
export function relu(): Layer {
  const map: PairMapKind = { kind: 'abRelu', a: 0, b: 1 };
  return elementwiseLayer('relu', { apply: reluTensor, kernel: (k) => mapKernel(k, map), positionStep: mapStep(map) });
}

/** max(x, α·x) for 0 ≤ α ≤ 1, i.e. abRelu(α, 1). */
export const leakyRelu = (alpha: number): Layer => ({ ...abRelu(alpha, 1), name: `leakyRelu(${alpha})` });

/** a·erf(b·x) + c (default a = 1, b = 1, c = 0). */
export function erf(a = 1, b = 1, c = 0): Layer {
  for (const [arg, v] of [['a', a], ['b', b], ['c', c]] as const) checkNumber('erf', arg, v);
  const map: PairMapKind = { kind: 'erf', a, b, c };
  return elementwiseLayer(a === 1 && b === 1 && c === 0 ? 'erf' : `erf(${a}, ${b}, ${c})`, {
    apply: (x) => {
      const y = erfTensor(b === 1 ? x : mul(x, b));
      return c === 0 ? (a === 1 ? y : mul(y, a)) : add(mul(y, a), c);
    },
    kernel: (k) => mapKernel(k, map),
    positionStep: mapStep(map),
  });
}

function sinMap(a: number, b: number, c: number): PairMap {
  const b2 = b * b, a2 = a * a, c2 = Math.cos(2 * c);
  return (k11, k22, k12, out) => {
    const e = Math.exp(-b2 * (k11 + k22) / 2), up = Math.exp(b2 * k12), down = Math.exp(-b2 * k12);
    out[0] = (a2 / 2) * e * (up - c2 * down);
    out[1] = (a2 * b2 / 2) * e * (up + c2 * down);
  };
}

/** a·sin(b·x + c) (default a = 1, b = 1, c = 0). */
export function sin(a = 1, b = 1, c = 0): Layer {
  for (const [arg, v] of [['a', a], ['b', b], ['c', c]] as const) checkNumber('sin', arg, v);
  const map = sinMap(a, b, c);
  return elementwiseLayer(a === 1 && b === 1 && c === 0 ? 'sin' : `sin(${a}, ${b}, ${c})`, {
    apply: (x) => mul(sinTensor(add(mul(x, b), c)), a),
    kernel: (k) => mapKernel(k, map),
  });
}

/** a·cos(b·x + c) = a·sin(b·x + c + π/2). */
export function cos(a = 1, b = 1, c = 0): Layer {
  for (const [arg, v] of [['a', a], ['b', b], ['c', c]] as const) checkNumber('cos', arg, v);
  const map = sinMap(a, b, c + Math.PI / 2);
  return elementwiseLayer(a === 1 && b === 1 && c === 0 ? 'cos' : `cos(${a}, ${b}, ${c})`, {
    apply: (x) => mul(cosTensor(add(mul(x, b), c)), a),
    kernel: (k) => mapKernel(k, map),
  });
}

/** √2·sin(√(2γ)·x + π/4), whose NNGP is the RBF kernel exp(−γ‖x − y‖²) of its inputs' pre-activations (neural-tangents' Rbf). */
export function rbf(gamma = 1): Layer {
  checkNumber('rbf', 'gamma', gamma);
  if (!(gamma > 0)) throw valueError('rbf', 'gamma', 'a positive number', gamma);
  return { ...sin(Math.SQRT2, Math.sqrt(2 * gamma), Math.PI / 4), name: `rbf(${gamma})` };
}

/** a·exp(b·x). */
export function exp(a = 1, b = 1): Layer {
  for (const [arg, v] of [['a', a], ['b', b]] as const) checkNumber('exp', arg, v);
  const a2 = a * a, b2 = b * b;
  const map: PairMap = (k11, k22, k12, out) => {
    out[0] = a2 * Math.exp(b2 * (k11 + k22 + 2 * k12) / 2);
    out[1] = b2 * out[0]!;
  };
  return elementwiseLayer(a === 1 && b === 1 ? 'exp' : `exp(${a}, ${b})`, { apply: (x) => mul(expTensor(mul(x, b)), a), kernel: (k) => mapKernel(k, map) });
}

/** a·exp(b·x²); the kernel exists while 2b·K < 1 for every variance K (always for b ≤ 0), else an error names the variance. */
export function gaussian(a = 1, b = -1): Layer {
  for (const [arg, v] of [['a', a], ['b', b]] as const) checkNumber('gaussian', arg, v);
  const a2 = a * a;
  const map: PairMap = (k11, k22, k12, out) => {
    if (2 * b * Math.max(k11, k22) >= 1) throw valueError('gaussian', 'b', `below 1/(2·variance) = ${1 / (2 * Math.max(k11, k22))} (E[exp(2b·u²)] diverges)`, b);
    const D = Math.max((1 - 2 * b * k11) * (1 - 2 * b * k22) - 4 * b * b * k12 * k12, 0);
    out[0] = a2 / Math.sqrt(D);
    out[1] = (4 * a2 * b * b * k12) / (D * Math.sqrt(D));
  };
  return elementwiseLayer(`gaussian(${a}, ${b})`, { apply: (x) => mul(expTensor(mul(mul(x, x), b)), a), kernel: (k) => mapKernel(k, map) });
}

/** sign(x): the NNGP (2/π)·asin(ρ) and K̇ by Price's theorem (see the header: a finite net's gradient through it is 0). */
export function sign(): Layer {
  const map: PairMap = (k11, k22, k12, out) => {
    const s = Math.sqrt(Math.max(k11 * k22, 0));
    const rho = s > 0 ? Math.min(1, Math.max(-1, k12 / s)) : 0;
    out[0] = (2 / Math.PI) * Math.asin(rho);
    out[1] = (2 / Math.PI) / Math.sqrt(Math.max(k11 * k22 - k12 * k12, 0));
  };
  return elementwiseLayer('sign', { apply: signTensor, kernel: (k) => mapKernel(k, map) });
}

/** |x| = abRelu(−1, 1). */
export const abs = (): Layer => ({ ...abRelu(-1, 1), name: 'abs' });

/** A generic elementwise φ: `apply` on tensors for the finite net, scalar φ and φ′ for the kernel by quadrature. */
export function elementwise(o: { name: string; apply: (x: Tensor) => Tensor; fn: (x: number) => number; derivative?: (x: number) => number; deg?: number }): Layer {
  const deg = o.deg ?? 25;
  const dphi = o.derivative ?? ((x: number) => {
    const h = 1e-5 * (1 + Math.abs(x));
    return (o.fn(x + h) - o.fn(x - h)) / (2 * h);
  });
  const map = quadratureMap(o.fn, dphi, deg);
  return elementwiseLayer(o.name, { apply: o.apply, kernel: (k) => mapKernel(k, map) });
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** gelu(x) = x·Φ(x) (exact, erf-based); its kernel by Gauss–Hermite quadrature (deg points per axis, default 60). */
export function gelu(deg = 60): Layer {
  return elementwise({
    name: 'gelu', apply: geluTensor, deg,
    fn: (x) => x * normalCdf(x),
    derivative: (x) => normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
  });
}
