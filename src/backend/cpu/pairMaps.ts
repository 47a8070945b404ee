// The closed-form elementwise kernel maps (kernels.ts PairMapKind; infinite/activations.ts uses them), per entry
// (K11, K22, K12) of a kernel, the specification of the backends' pairMap:
//   abRelu(a, b): φ = a·min(x, 0) + b·max(x, 0); with s = √max(K11K22 − K12², 0), θ = atan2(s, K12):
//     K_new = ((a−b)²/2π)·s + [(a²+b²)/2 − ((a−b)²/2π)θ]·K12,   K̇ = (a²+b²)/2 − ((a−b)²/2π)·θ
//   erf(a, b, c): φ = a·erf(b·x) + c; with x = b²K and R = √max((1+2x11)(1+2x22) − 4x12², 0):
//     K_new = a²·(2/π)·atan2(2x12, R) + c²,   K̇ = a²b²·(4/π)/R
// Square roots of rounding-negative determinants are clamped at 0, so nothing turns into NaN. For abRelu the
// determinant K11K22 − K12² is also taken as 0 when it is at most COINCIDENT·K11K22 (4 ulps of the product): that
// is the size of the rounding error of K12 itself, e.g. when K11, K22 and K12 of one input with itself come from
// differently blocked BLAS products, and its square root (θ ∝ √det) would turn that last-bit noise into a
// relative error of ~1e-8 in K_new and K̇. Only pairs within an angle of ~3e-8 rad of coincidence are affected.
import type { PairMapKind, PairMapParams } from '../kernels.js';

/** Relative size of K11K22 − K12² below which abRelu treats the pair as coincident (see above): 4·2⁻⁵². */
export const COINCIDENT = 4 * 2 ** -52;

/** Writes (K_new, K̇) for one (K11, K22, K12) into out[0], out[1]. */
export type PairFormula = (k11: number, k22: number, k12: number, out: Float64Array) => void;

export function pairFormula(map: PairMapKind): PairFormula {
  if (map.kind === 'abRelu') {
    const { a, b } = map;
    const mixed = (a - b) ** 2 / (2 * Math.PI), even = (a * a + b * b) / 2;
    return (k11, k22, k12, out) => {
      const prod = k11 * k22, det = prod - k12 * k12;
      // det itself when above the threshold or NaN (NaN propagates), else 0
      const s = Math.sqrt(det > COINCIDENT * prod || det !== det ? det : 0);
      const theta = Math.atan2(s, k12);
      out[0] = mixed * s + (even - mixed * theta) * k12;
      out[1] = even - mixed * theta;
    };
  }
  const { a, b, c } = map;
  const b2 = b * b, a2 = a * a;
  return (k11, k22, k12, out) => {
    const x11 = b2 * k11, x22 = b2 * k22, x12 = b2 * k12;
    const root = Math.sqrt(Math.max((1 + 2 * x11) * (1 + 2 * x22) - 4 * x12 * x12, 0));
    out[0] = a2 * (2 / Math.PI) * Math.atan2(2 * x12, root) + c * c;
    out[1] = a2 * b2 * (4 / Math.PI) / root;
  };
}

export function pairMap(map: PairMapKind, p: PairMapParams, nngp: Float64Array, ntk: Float64Array | null, var1: Float64Array, var2: Float64Array,
  outNngp: Float64Array, outNtk: Float64Array | null): void {
  const f = pairFormula(map), r = new Float64Array(2);
  const P = p.positions, per = p.diagonal ? P : P * P;
  for (let i = 0; i < p.n1; i++) {
    for (let j = 0; j < p.n2; j++) {
      const base = (i * p.n2 + j) * per, v1 = i * P, v2 = (p.self ? i : j) * P;
      for (let e = 0; e < per; e++) {
        const at = base + e;
        // entry e is (p, q) = (⌊e/P⌋, e mod P), or (e, e) on the diagonal
        f(var1[v1 + (p.diagonal ? e : Math.floor(e / P))]!, var2[v2 + (p.diagonal ? e : e % P)]!, nngp[at]!, r);
        outNngp[at] = r[0]!;
        if (ntk !== null && outNtk !== null) outNtk[at] = r[1]! * ntk[at]!;
      }
    }
  }
}
