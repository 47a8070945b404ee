// The geometry shared by the attacks, on flat per-example rows of x [N, D] (D = features per example):
// ascent directions (sign for ℓ∞, g/max(‖g‖₂, 1e−12) for ℓ2), projection onto the ε-ball around the
// CLEAN input followed by the box clip, uniform random starts in the ball, and per-example norms.
import { foldIn, uniformValues, normalValues, type Key } from '../core/random.js';
import type { TypedArray } from '../core/dtype.js';
import { valueError } from '../core/errors.js';
import type { InputBox } from './inputSpace.js';

export type Norm = 'linf' | 'l2';

export function checkNorm(norm: string, op: string): asserts norm is Norm {
  if (norm !== 'linf' && norm !== 'l2') throw valueError(op, 'norm', "'linf' or 'l2'", norm);
}

type Floats = Float32Array | Float64Array;

export function emptyLike(a: TypedArray): Floats {
  return a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length);
}

/** ‖row_i‖ for each of the n rows of a (ℓ∞ or ℓ2). */
export function rowNorms(a: ArrayLike<number>, n: number, norm: Norm): Float64Array {
  const d = a.length / n, out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s = norm === 'linf' ? Math.max(s, Math.abs(a[j]!)) : s + a[j]! * a[j]!;
    out[i] = norm === 'linf' ? s : Math.sqrt(s);
  }
  return out;
}

/** The steepest-ascent unit direction of gradient g under the norm (sign(g), or g/‖g‖₂ per row). */
export function ascentDirection(g: ArrayLike<number>, n: number, norm: Norm): Float64Array {
  const out = new Float64Array(g.length);
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
 * in the box), so the result stays in the ball.
 */
export function projectToBall(xAdv: Floats, x0: ArrayLike<number>, eps: ArrayLike<number>, n: number, norm: Norm, box: InputBox): Floats {
  const d = xAdv.length / n;
  for (let i = 0; i < n; i++) {
    const e = eps[i]!;
    if (norm === 'linf') {
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

/** A uniformly random point of the ε-ball around each row of x0 (ℓ∞: cube; ℓ2: ball), clipped to the box. */
export function randomPointInBall(x0: TypedArray, eps: ArrayLike<number>, n: number, norm: Norm, box: InputBox, key: Key): Floats {
  const d = x0.length / n, out = emptyLike(x0);
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
