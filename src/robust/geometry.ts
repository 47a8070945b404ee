// The geometry shared by the attacks, on flat per-example rows of x [N, D] (D = features per example):
// ascent directions (sign for ℓ∞, g/max(‖g‖₂, 1e−12) for ℓ2, signs of the top-k |g| coordinates for ℓ1),
// projection onto the ε-ball around the CLEAN input and the box (for ℓ1 the exact projection onto the
// intersection, l1Projection.ts), random starts in the ball, and per-example norms.
import { foldIn, uniformValues, normalValues, type Key } from '../core/random.js';
import type { TypedArray } from '../core/dtype.js';
import { valueError } from '../core/errors.js';
import type { InputBox } from './inputSpace.js';
import { projectL1BallInBox } from './l1Projection.js';

export type Norm = 'linf' | 'l2' | 'l1';

/**
 * Throws unless `norm` is one of the norms the attack `op` supports (default ℓ∞ and ℓ2: only the APGD
 * family has an ℓ1 version, so the other attacks refuse 'l1' with a message that says where it is).
 */
export function checkNorm(norm: string, op: string, supported: readonly Norm[] = ['linf', 'l2']): asserts norm is Norm {
  if (!(supported as readonly string[]).includes(norm)) {
    const list = supported.map((s) => `'${s}'`).join(' or ');
    throw valueError(op, 'norm', norm === 'l1' ? `${list} (${op} has no ℓ1 version; ℓ1 attacks: apgd / apgd-ce-l1, apgd-dlr-l1)` : list, norm);
  }
}

type Floats = Float32Array | Float64Array;

export function emptyLike(a: TypedArray): Floats {
  return a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length);
}

/** ‖row_i‖ for each of the n rows of a (ℓ∞, ℓ2 or ℓ1). */
export function rowNorms(a: ArrayLike<number>, n: number, norm: Norm): Float64Array {
  const d = a.length / n, out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s = norm === 'linf' ? Math.max(s, Math.abs(a[j]!)) : norm === 'l1' ? s + Math.abs(a[j]!) : s + a[j]! * a[j]!;
    out[i] = norm === 'l2' ? Math.sqrt(s) : s;
  }
  return out;
}

/**
 * The sparse ℓ1 ascent direction of ℓ1-APGD (fra31/auto-attack, norm 'L1'): per row i keep the coordinates
 * with |g_j| ≥ t_i, t_i the entry at index min(⌊(1 − fraction_i)·D⌋, D − 1) of the ascending sorted |g|
 * (about fraction_i·D coordinates, at least the largest), and return their signs divided by how many are
 * non-zero (+1e−10), a direction of ℓ1 norm ≈ 1.
 */
export function topKAscentDirection(g: ArrayLike<number>, n: number, fraction: ArrayLike<number>): Float64Array {
  const d = g.length / n, out = new Float64Array(g.length), row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = Math.abs(g[i * d + j]!);
    row.sort();
    const threshold = row[Math.min(Math.max(Math.floor((1 - fraction[i]!) * d), 0), d - 1)]!;
    let count = 0;
    for (let j = i * d; j < (i + 1) * d; j++) if (Math.abs(g[j]!) >= threshold && g[j] !== 0) { out[j] = Math.sign(g[j]!); count++; }
    for (let j = i * d; j < (i + 1) * d; j++) out[j]! /= count + 1e-10;
  }
  return out;
}

/**
 * The steepest-ascent unit direction of gradient g under the norm: sign(g) (ℓ∞), g/‖g‖₂ per row (ℓ2),
 * or the signs of the largest-|g| coordinates shared equally (ℓ1; topKAscentDirection with fraction 0).
 */
export function ascentDirection(g: ArrayLike<number>, n: number, norm: Norm): Float64Array {
  const out = new Float64Array(g.length);
  if (norm === 'l1') return topKAscentDirection(g, n, new Float64Array(n));
  if (norm === 'linf') {
    for (let i = 0; i < g.length; i++) out[i] = Math.sign(g[i]!);
    return out;
  }
  const d = g.length / n, norms = rowNorms(g, n, 'l2');
  for (let i = 0; i < n; i++) {
    const s = 1 / Math.max(norms[i]!, 1e-12);
    for (let j = i * d; j < (i + 1) * d; j++) out[j] = g[j]! * s;
  }
  return out;
}

/** Clip every element of a (in place) to the box. */
export function clipToBox(a: Floats, box: InputBox): Floats {
  for (let i = 0; i < a.length; i++) a[i] = Math.min(box.upper, Math.max(box.lower, a[i]!));
  return a;
}

/**
 * In place: xAdv ← clip_box(x0 + P_ε(xAdv − x0)), P_ε the projection onto the ε-ball (clamp for ℓ∞,
 * radial rescale for ℓ2). The box clip after the ℓ2 projection only moves coordinates toward x0 (x0 is
 * in the box), so the result stays in the ball. For ℓ1 the exact projection onto ball ∩ box
 * (projectL1BallInBox): clipping after a plain ℓ1-ball projection would waste budget.
 */
export function projectToBall(xAdv: Floats, x0: ArrayLike<number>, eps: ArrayLike<number>, n: number, norm: Norm, box: InputBox): Floats {
  const d = xAdv.length / n;
  for (let i = 0; i < n; i++) {
    const e = eps[i]!;
    if (norm === 'l1') {
      xAdv.set(projectL1BallInBox(xAdv.subarray(i * d, (i + 1) * d), sliceOf(x0, i * d, (i + 1) * d), e, box), i * d);
    } else if (norm === 'linf') {
      for (let j = i * d; j < (i + 1) * d; j++) xAdv[j] = x0[j]! + Math.min(e, Math.max(-e, xAdv[j]! - x0[j]!));
    } else {
      let s = 0;
      for (let j = i * d; j < (i + 1) * d; j++) s += (xAdv[j]! - x0[j]!) ** 2;
      const norm2 = Math.sqrt(s);
      if (norm2 > e) {
        const scale = e / norm2;
        for (let j = i * d; j < (i + 1) * d; j++) xAdv[j] = x0[j]! + (xAdv[j]! - x0[j]!) * scale;
      }
    }
  }
  return clipToBox(xAdv, box);
}

/** Elements [start, end) of an array-like, without copying typed arrays. */
function sliceOf(a: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  return ArrayBuffer.isView(a) ? (a as Float64Array).subarray(start, end) : Array.prototype.slice.call(a, start, end) as number[];
}

/**
 * A random start in the ε-ball around each row of x0, in the box. ℓ∞: uniform in the cube; ℓ2: uniform
 * in the ball; ℓ1: as fra31/auto-attack, x0 + N(0, 1)·(box width) projected onto ball ∩ box (not uniform:
 * for images the Gaussian lies far outside the ball, so the start is on its boundary).
 */
export function randomPointInBall(x0: TypedArray, eps: ArrayLike<number>, n: number, norm: Norm, box: InputBox, key: Key): Floats {
  const d = x0.length / n, out = emptyLike(x0);
  if (norm === 'l1') {
    const g = normalValues(key, x0.length, 'f64'), width = box.upper - box.lower;
    out.set(projectToBall(Float64Array.from(x0, (v, j) => v + width * g[j]!), x0, eps, n, 'l1', box));
    return out;
  }
  if (norm === 'linf') {
    const u = uniformValues(key, x0.length, 'f64');
    for (let i = 0; i < n; i++) for (let j = i * d; j < (i + 1) * d; j++) out[j] = x0[j]! + eps[i]! * (2 * u[j]! - 1);
  } else {
    const g = normalValues(key, x0.length, 'f64'), u = uniformValues(foldIn(key, 1), n, 'f64');
    const gn = rowNorms(g, n, 'l2');
    for (let i = 0; i < n; i++) {
      const radius = eps[i]! * Math.pow(u[i]!, 1 / d); // uniform in the ball: radius ∝ u^{1/d}
      for (let j = i * d; j < (i + 1) * d; j++) out[j] = x0[j]! + (radius * g[j]!) / Math.max(gn[i]!, 1e-12);
    }
  }
  return clipToBox(out, box);
}

/** ε as one value per example. */
export function perExample(eps: number | ArrayLike<number>, n: number, op: string): Float64Array {
  const out = typeof eps === 'number' ? new Float64Array(n).fill(eps) : Float64Array.from(eps);
  if (out.length !== n) throw valueError(op, 'eps', `a number or ${n} per-example values`, `${out.length} values`);
  for (const e of out) if (!(e >= 0 && Number.isFinite(e))) throw valueError(op, 'eps', 'finite values ≥ 0', e);
  return out;
}
