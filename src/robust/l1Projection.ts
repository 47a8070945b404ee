// The exact Euclidean projection onto the intersection of an ℓ1 ball and the input box (the problem
// fra31/auto-attack's `L1_projection` in autoattack/autopgd_base.py solves for the box [0, 1]):
//
//   q* = argmin_q ½‖q − p‖₂²   subject to   ‖q − c‖₁ ≤ ε,   lower ≤ q ≤ upper      (c in the box)
//
// In δ = q − c the problem separates per coordinate once the ℓ1 constraint has a multiplier λ ≥ 0:
// with v = p − c, the minimiser of ½(δ_j − v_j)² + λ|δ_j| over the interval [lower − c_j, upper − c_j]
// (which contains 0) is the soft threshold of v_j clipped to the interval, so
//
//   |δ_j(λ)| = min(cap_j, max(|v_j| − λ, 0)),   sign(δ_j) = sign(v_j),
//   cap_j = distance from c_j to the box face that v_j points at.
//
// f(λ) = Σ_j |δ_j(λ)| is continuous, piecewise linear and non-increasing; each coordinate bends it at
// λ = max(|v_j| − cap_j, 0) (starts shrinking: slope −1 more) and at λ = |v_j| (reaches 0: slope +1).
// If f(0) ≤ ε the answer is the plain box clip (λ = 0); otherwise λ solves f(λ) = ε, found exactly by
// sweeping the sorted bends — O(D log D) per row, no iteration count to tune.
import type { InputBox } from './inputSpace.js';

/**
 * Projection of one row p [D] onto {q : ‖q − center‖₁ ≤ eps, box.lower ≤ q ≤ box.upper}, with center [D]
 * inside the box and eps ≥ 0. Returns q [D] (float64); q lies in the box exactly and ‖q − center‖₁ = eps
 * up to rounding whenever the box clip of p is outside the ball.
 */
export function projectL1BallInBox(p: ArrayLike<number>, center: ArrayLike<number>, eps: number, box: InputBox): Float64Array {
  const d = p.length;
  const size = new Float64Array(d), cap = new Float64Array(d), sgn = new Float64Array(d);
  let f0 = 0; // f(0) = ℓ1 norm of the box-clipped displacement
  for (let j = 0; j < d; j++) {
    const v = p[j]! - center[j]!;
    sgn[j] = Math.sign(v);
    size[j] = Math.abs(v);
    cap[j] = Math.max(0, v > 0 ? box.upper - center[j]! : v < 0 ? center[j]! - box.lower : 0);
    f0 += Math.min(size[j]!, cap[j]!);
  }
  const lambda = f0 > eps ? solveThreshold(size, cap, f0, eps) : 0;
  const q = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const magnitude = Math.min(cap[j]!, Math.max(size[j]! - lambda, 0));
    q[j] = Math.min(box.upper, Math.max(box.lower, center[j]! + sgn[j]! * magnitude));
  }
  return q;
}

/** The λ > 0 with f(λ) = eps, given f(0) = f0 > eps (see the file comment). */
function solveThreshold(size: Float64Array, cap: Float64Array, f0: number, eps: number): number {
  // bends: λ at which a coordinate starts shrinking (+1 to the number shrinking) or reaches 0 (−1)
  const at: number[] = [], change: number[] = [];
  for (let j = 0; j < size.length; j++) {
    if (cap[j]! <= 0 || size[j]! <= 0) continue; // pinned at 0: contributes nothing for any λ
    at.push(Math.max(size[j]! - cap[j]!, 0), size[j]!);
    change.push(1, -1);
  }
  const order = Array.from(at.keys()).sort((a, b) => at[a]! - at[b]! || change[b]! - change[a]!);
  let f = f0, previous = 0, shrinking = 0;
  for (const e of order) {
    const fAtBend = f - shrinking * (at[e]! - previous);
    // f > eps ≥ fAtBend forces shrinking > 0, so the interpolation is well defined
    if (fAtBend <= eps) return previous + (f - eps) / shrinking;
    f = fAtBend;
    previous = at[e]!;
    shrinking += change[e]!;
  }
  return previous; // rounding left f a hair above eps at the last bend: every coordinate is 0 there
}
