// The core step of FAB (Croce & Hein 2020): the minimal-norm displacement d that puts a point t on a
// hyperplane {z : ⟨w, z⟩ = b} while staying in the input box,
//   d = argmin ‖d‖_p  subject to  ⟨w, t + d⟩ = b,  lower ≤ t + d ≤ upper,
// for p = ∞, 2 and 1 (fra31/auto-attack's projection_linf / projection_l2 / projection_l1, here for any
// box, not only [0, 1]). With c = ⟨w, t⟩ − b, every coordinate moves in the direction that shrinks |c|,
// by m_j ∈ [0, p_j] where p_j is its distance to that face of the box, and the progress is Σ|w_j|·m_j:
//   ℓ∞: m_j = min(λ, p_j)          (all coordinates move by the same amount until they hit the box)
//   ℓ2: m_j = min(λ·|w_j|, p_j)    (the unboxed projection c·w/‖w‖², clipped coordinate by coordinate)
//   ℓ1: the coordinates of largest |w_j| first, each to its face, the last one partly
// with λ ≥ 0 the smallest value whose progress reaches |c| (found by a scan over the sorted breakpoints:
// the progress is piecewise linear and nondecreasing in λ). When even the corner of the box (m = p) does not
// reach the hyperplane, the corner displacement is returned, as the reference does. Coordinates with
// w_j = 0 never move. Rows are flat: t and w have D entries, the result has D entries.
import type { InputBox } from './inputSpace.js';

export type FabNorm = 'linf' | 'l2' | 'l1';

interface Moves {
  /** +1 / −1: the direction coordinate j moves to reduce |c| (0 where w_j = 0). */
  direction: Float64Array;
  /** Distance of coordinate j to the box face in its direction (≥ 0). */
  room: Float64Array;
  /** |c|: the progress Σ|w_j|·m_j needed. */
  needed: number;
}

function moves(t: ArrayLike<number>, w: ArrayLike<number>, b: number, box: InputBox): Moves {
  const D = w.length;
  let c = -b;
  for (let j = 0; j < D; j++) c += w[j]! * t[j]!;
  const sigma = c >= 0 ? 1 : -1; // c ≥ 0: ⟨w, ·⟩ must decrease
  const direction = new Float64Array(D), room = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    if (w[j] === 0) continue;
    const dir = -sigma * Math.sign(w[j]!);
    direction[j] = dir;
    room[j] = Math.max(0, dir > 0 ? box.upper - t[j]! : t[j]! - box.lower);
  }
  return { direction, room, needed: Math.abs(c) };
}

/** The corner displacement m = p (used when the hyperplane is out of reach inside the box). */
function corner(m: Moves): Float64Array {
  return Float64Array.from(m.direction, (dir, j) => dir * m.room[j]!);
}

/** Σ|w_j|·p_j: the most progress the box allows. */
function reachable(m: Moves, w: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < w.length; j++) s += Math.abs(w[j]!) * m.room[j]!;
  return s;
}

/**
 * ℓ∞ / ℓ2 water-filling: m_j = min(λ·k_j/|w_j|, p_j) with slope weights k_j = |w_j| (ℓ∞) or w_j² (ℓ2), so the
 * breakpoint of coordinate j is λ_j = p_j·|w_j|/k_j; returns m for the λ whose progress equals |c|.
 */
function waterFill(m: Moves, w: ArrayLike<number>, squared: boolean): Float64Array {
  const D = w.length;
  if (m.needed === 0) return new Float64Array(D);
  if (m.needed >= reachable(m, w)) return corner(m);
  const active: number[] = [];
  for (let j = 0; j < D; j++) if (w[j] !== 0) active.push(j);
  const slopeOf = (j: number) => (squared ? w[j]! * w[j]! : Math.abs(w[j]!));
  const breakpoint = (j: number) => (squared ? m.room[j]! / Math.abs(w[j]!) : m.room[j]!);
  active.sort((a, c) => breakpoint(a) - breakpoint(c));
  // progress(λ) = clipped + λ·slope between consecutive breakpoints
  let clipped = 0, slope = 0;
  for (const j of active) slope += slopeOf(j);
  for (const j of active) {
    if (clipped + slope * breakpoint(j) >= m.needed) break;
    clipped += Math.abs(w[j]!) * m.room[j]!;
    slope -= slopeOf(j);
  }
  const lambda = (m.needed - clipped) / slope;
  const d = new Float64Array(D);
  for (const j of active) {
    const free = squared ? lambda * Math.abs(w[j]!) : lambda;
    d[j] = m.direction[j]! * Math.min(free, m.room[j]!);
  }
  return d;
}

/** argmin ‖d‖∞ with ⟨w, t + d⟩ = b and t + d in the box (the corner displacement if out of reach). */
export function projectionLinf(t: ArrayLike<number>, w: ArrayLike<number>, b: number, box: InputBox): Float64Array {
  return waterFill(moves(t, w, b, box), w, false);
}

/** argmin ‖d‖₂ with ⟨w, t + d⟩ = b and t + d in the box (the corner displacement if out of reach). */
export function projectionL2(t: ArrayLike<number>, w: ArrayLike<number>, b: number, box: InputBox): Float64Array {
  return waterFill(moves(t, w, b, box), w, true);
}

/** argmin ‖d‖₁ with ⟨w, t + d⟩ = b and t + d in the box: the largest |w_j| first (the corner if out of reach). */
export function projectionL1(t: ArrayLike<number>, w: ArrayLike<number>, b: number, box: InputBox): Float64Array {
  const m = moves(t, w, b, box), D = w.length;
  if (m.needed === 0) return new Float64Array(D);
  if (m.needed >= reachable(m, w)) return corner(m);
  const order: number[] = [];
  for (let j = 0; j < D; j++) if (w[j] !== 0) order.push(j);
  order.sort((a, c) => Math.abs(w[c]!) - Math.abs(w[a]!));
  const d = new Float64Array(D);
  let left = m.needed;
  for (const j of order) {
    const gain = Math.abs(w[j]!) * m.room[j]!;
    if (gain >= left) {
      d[j] = (m.direction[j]! * left) / Math.abs(w[j]!);
      break;
    }
    d[j] = m.direction[j]! * m.room[j]!;
    left -= gain;
  }
  return d;
}

/** The projection of the given norm. */
export function hyperplaneBoxProjection(norm: FabNorm, t: ArrayLike<number>, w: ArrayLike<number>, b: number, box: InputBox): Float64Array {
  return norm === 'linf' ? projectionLinf(t, w, b, box) : norm === 'l2' ? projectionL2(t, w, b, box) : projectionL1(t, w, b, box);
}

/** ‖v‖ under the norm. */
export function normOf(v: ArrayLike<number>, norm: FabNorm): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) {
    const a = Math.abs(v[j]!);
    s = norm === 'linf' ? Math.max(s, a) : norm === 'l2' ? s + a * a : s + a;
  }
  return norm === 'l2' ? Math.sqrt(s) : s;
}

/** ‖v‖_* (the dual norm: ℓ1 for ℓ∞, ℓ2 for ℓ2, ℓ∞ for ℓ1), the denominator of the distance to a hyperplane. */
export function dualNormOf(v: ArrayLike<number>, norm: FabNorm): number {
  return normOf(v, norm === 'linf' ? 'l1' : norm === 'l1' ? 'linf' : 'l2');
}
