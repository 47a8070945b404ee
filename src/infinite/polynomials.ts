// Polynomial nonlinearities with exact kernel maps (neural-tangents stax.Polynomial, Monomial, RectifiedMonomial,
// Hermite; _src/stax/elementwise.py). For (u, v) ~ N(0, [[K11, K12], [K12, K22]]):
//
//   polynomial(c): φ(x) = Σ_n c_n xⁿ. Expanding xⁿ in Hermite polynomials (xⁿ = Σ_l n!/(2^i i! l!) He_l(x), n = 2i + l)
//     and E[He_l(u/σ1) He_m(v/σ2)] = δ_lm l! ρ^l gives, with s_l(K) = Σ_i c_{2i+l} (2i+l)!/(2^i i! √(l!)) K^i,
//       K_new = Σ_l s_l(K11)·s_l(K22)·K12^l,   K̇ = ∂K_new/∂K12 = Σ_{l≥1} l·s_l(K11)·s_l(K22)·K12^{l−1}
//     — neural-tangents' r_l(K)·r_l(K′)·ρ^l written without dividing by √(K11·K22), so zero variances are fine.
//   monomial(d) = polynomial(e_d): e.g. d = 2: 2K12² + K11K22; d = 3: 6K12³ + 9K12·K11K22 (neural-tangents' table
//     for d ≤ 5; any degree here), K̇ = d²·E[u^{d−1} v^{d−1}].
//   hermite(d): φ = He_d/√(d!) (probabilists', unit norm under N(0, 1)) as a polynomial, so its kernel is exact for
//     any variances; with unit variances (after layerNorm) it is K12^d and K̇ = d·K12^{d−1}, which is what
//     neural-tangents returns for every input (it assumes unit variances and warns).
//   rectifiedMonomial(d): φ = 1[x ≥ 0]·x^d, the arc-cosine kernel of degree d (Cho & Saul 2009):
//     K_new = (σ1σ2)^d·m(d, d), K̇ = d²·(σ1σ2)^{d−1}·m(d−1, d−1) (0 for d = 0, as neural-tangents: the finite
//     step function's gradient is 0), where m(a, b) = E[z1₊^a z2₊^b] (z₊⁰ = 1[z ≥ 0]) for unit normals with
//     correlation ρ = cos θ, by Stein's lemma E[z1·g] = E[∂1 g] + ρ·E[∂2 g] on g = z1₊^{a−1} z2₊^b (a ≥ 1):
//       m(a, b) = [(a − 1)·m(a − 2, b) or, for a = 1, t(b)] + ρ·[b·m(a − 1, b − 1) or, for b = 0, t(a − 1)],
//       t(n) = E[δ(z1) z2₊ⁿ] = φ(0)·sinⁿθ·E[z₊ⁿ] (the derivative of the step is a delta),
//       m(0, 0) = (π − θ)/2π, m(0, b) = m(b, 0); e.g. m(1, 1) = (sin θ + (π − θ)ρ)/2π, the relu kernel
//     (no division by sin θ, so equal inputs are as accurate as any; d = 1 is relu, d = 0 the step).
import { valueError } from '../core/errors.js';
import { add, cast, greaterEqual, mul, relu as reluTensor, type Tensor } from '../tensor/index.js';
import { mapKernel, type PairMap } from './activations.js';
import { elementwiseLayer, type Layer } from './layer.js';

const MAX_DEGREE = 50;

const factorial = (n: number): number => {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
};

function checkDegree(op: string, d: number): void {
  if (!Number.isInteger(d) || d < 0 || d > MAX_DEGREE) throw valueError(op, 'degree', `an integer in [0, ${MAX_DEGREE}]`, d);
}

/** φ(x) = Σ_n c_n xⁿ on tensors by Horner's rule. */
function polynomialTensor(x: Tensor, c: readonly number[]): Tensor {
  let y: Tensor = add(mul(x, 0), c[c.length - 1]!);
  for (let n = c.length - 2; n >= 0; n--) y = add(mul(y, x), c[n]!);
  return y;
}

/** The pair map of Σ_n c_n xⁿ: a[l][i] = c_{2i+l} (2i+l)!/(2^i i! √(l!)). */
function polynomialMap(c: readonly number[]): PairMap {
  const degree = c.length - 1;
  const a: number[][] = [];
  for (let l = 0; l <= degree; l++) {
    const row: number[] = [];
    for (let i = 0; 2 * i + l <= degree; i++) row.push((c[2 * i + l]! * factorial(2 * i + l)) / (2 ** i * factorial(i) * Math.sqrt(factorial(l))));
    a.push(row);
  }
  const s = (l: number, K: number) => a[l]!.reduceRight((acc, coef) => acc * K + coef, 0);
  return (k11, k22, k12, out) => {
    let nngp = 0, dot = 0;
    for (let l = degree; l >= 0; l--) {
      const w = s(l, k11) * s(l, k22);
      nngp = nngp * k12 + w; // Horner in K12
      if (l >= 1) dot = dot * k12 + l * w;
    }
    out[0] = nngp;
    out[1] = dot;
  };
}

/** φ(x) = c[0] + c[1]·x + … + c[n]·xⁿ (numpy's Polynomial order, as neural-tangents). */
export function polynomial(coefficients: readonly number[]): Layer {
  const op = 'polynomial';
  if (!Array.isArray(coefficients) || coefficients.length === 0) throw valueError(op, 'coefficients', 'a non-empty array [c0, c1, …]', coefficients);
  coefficients.forEach((v, i) => { if (!Number.isFinite(v)) throw valueError(op, `coefficients[${i}]`, 'a finite number', v); });
  if (coefficients.length - 1 > MAX_DEGREE) throw valueError(op, 'coefficients', `at most ${MAX_DEGREE + 1} (degree ≤ ${MAX_DEGREE})`, coefficients.length);
  const c = [...coefficients], map = polynomialMap(c);
  return elementwiseLayer(`polynomial([${c.join(', ')}])`, { apply: (x) => polynomialTensor(x, c), kernel: (k) => mapKernel(k, map) });
}

/** xᵈ. */
export function monomial(degree: number): Layer {
  checkDegree('monomial', degree);
  const c = Array.from({ length: degree + 1 }, (_, n) => (n === degree ? 1 : 0));
  return { ...polynomial(c), name: `monomial(${degree})` };
}

/** He_d(x)/√(d!), He_d(x) = Σ_m (−1)^m d!/(m!(d − 2m)! 2^m) x^{d−2m}. */
export function hermite(degree: number): Layer {
  checkDegree('hermite', degree);
  const c = new Array<number>(degree + 1).fill(0), norm = Math.sqrt(factorial(degree));
  for (let m = 0; 2 * m <= degree; m++) c[degree - 2 * m] = ((-1) ** m * factorial(degree)) / (factorial(m) * factorial(degree - 2 * m) * 2 ** m) / norm;
  return { ...polynomial(c), name: `hermite(${degree})` };
}

/** m(d, d) and m(d − 1, d − 1) for correlation ρ = cos θ (see the header). */
function rectifiedMoments(d: number, rho: number, sinTheta: number, theta: number): [number, number] {
  // t(n) = E[δ(z1)·z2₊ⁿ] = φ(0)·sinⁿθ·E[z₊ⁿ], E[z₊⁰] = 1/2, E[z₊¹] = 1/√(2π), E[z₊ⁿ] = (n − 1)·E[z₊ⁿ⁻²]
  const mu = [0.5, 1 / Math.sqrt(2 * Math.PI)];
  for (let n = 2; n <= d; n++) mu.push((n - 1) * mu[n - 2]!);
  const t = mu.map((v, n) => (v * sinTheta ** n) / Math.sqrt(2 * Math.PI));
  const memo = new Map<number, number>();
  const m = (a: number, b: number): number => {
    if (a === 0 && b === 0) return (Math.PI - theta) / (2 * Math.PI);
    if (a === 0) return m(b, 0);
    const at = a * (d + 2) + b, known = memo.get(at);
    if (known !== undefined) return known;
    const first = a >= 2 ? (a - 1) * m(a - 2, b) : t[b]!;
    const second = b >= 1 ? b * m(a - 1, b - 1) : t[a - 1]!;
    const v = first + rho * second;
    memo.set(at, v);
    return v;
  };
  return [m(d, d), d >= 1 ? m(d - 1, d - 1) : 0];
}

/** 1[x ≥ 0]·xᵈ: the arc-cosine kernel of degree d (d = 1 is relu). */
export function rectifiedMonomial(degree: number): Layer {
  checkDegree('rectifiedMonomial', degree);
  const d = degree;
  const map: PairMap = (k11, k22, k12, out) => {
    const s1 = Math.sqrt(Math.max(k11, 0)), s2 = Math.sqrt(Math.max(k22, 0)), s = s1 * s2;
    const det = Math.sqrt(Math.max(k11 * k22 - k12 * k12, 0));
    const theta = s > 0 ? Math.atan2(det, k12) : Math.PI / 2;
    const rho = s > 0 ? Math.min(1, Math.max(-1, k12 / s)) : 0, sinTheta = s > 0 ? Math.min(1, det / s) : 1;
    const [mdd, mPrev] = rectifiedMoments(d, rho, sinTheta, theta);
    out[0] = s ** d * mdd;
    out[1] = d === 0 ? 0 : d * d * s ** (d - 1) * mPrev;
  };
  const apply = (x: Tensor): Tensor => {
    if (d === 0) return cast(greaterEqual(x, 0), x.dtype);
    const r = reluTensor(x);
    let y = r;
    for (let n = 1; n < d; n++) y = mul(y, r);
    return y;
  };
  return elementwiseLayer(`rectifiedMonomial(${d})`, { apply, kernel: (k) => mapKernel(k, map) });
}
