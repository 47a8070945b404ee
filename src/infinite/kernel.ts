// The kernel object that infinite-width layers transform (neural-tangents' `Kernel`), in float64:
// the NNGP covariance K and the NTK Θ between the inputs x1 (n1 of them) and x2 (n2), per pair of
// spatial positions for images, plus the NNGP self-covariances of x1 and x2 (the "diagonals" that
// every nonlinearity needs).
//
//   nngp, ntk [n1, n2, P, P]   K(x1_i, x2_j)[p, q], P = number of spatial positions (1 for vectors)
//   cov1 [n1, P, P], cov2 [n2, P, P]   K(x1_i, x1_i)[p, q] and K(x2_j, x2_j)[p, q]
// or, with `diagonalSpatial` (neural-tangents' diagonal_spatial = True), only the position diagonals p = q:
//   nngp, ntk [n1, n2, P], cov1 [n1, P], cov2 [n2, P]   — O(P) instead of O(P²) per pair. Valid when no layer needs
//   K[p, q] for p ≠ q: conv, nonlinearities, layerNorm, dropout, fan-ins and flatten map diagonals to diagonals;
//   the poolings (avgPool, sumPool, globalAvgPool) need the off-diagonals and refuse such kernels (as
//   neural-tangents' requirements make diagonal_spatial False before any pooling that follows a conv).
// The batch is always diagonal here (neural-tangents' default diagonal_batch = True): cov1 holds K(x_i, x_i)
// only, never K(x_i, x_i′) for i ≠ i′, which none of these layers needs.
//
// `cov2 === cov1` when x2 is x1 (one set of inputs), so self-covariances are computed once.
// `channels` is the width of the current representation (used by the standard parameterisation).
// `isGaussian` (neural-tangents' is_gaussian): the representation is the output of an affine layer, i.e. its
// channels are i.i.d. zero-mean Gaussian processes, which layerNorm needs; false for the inputs.
// Input kernel (neural-tangents' _cov): K⁰(x, x')[p, q] = Σ_c x[c, p] x'[c, q] / C, Θ⁰ = 0.
import { shapeError, valueError } from '../core/errors.js';
import { getBackend } from '../backend/registry.js';
import { blockGrams, gram, selfGram } from './linalg.js';
import type { Tensor } from '../tensor/index.js';

export interface Kernel {
  readonly n1: number;
  readonly n2: number;
  /** Spatial shape: [] for vectors, [H, W] for images (NCHW inputs). */
  readonly spatial: readonly number[];
  /** Channels (features) of the representation this kernel describes. */
  readonly channels: number;
  readonly nngp: Float64Array;
  readonly ntk: Float64Array;
  readonly cov1: Float64Array;
  readonly cov2: Float64Array;
  readonly isGaussian: boolean;
  /** Only the position diagonals are stored (see the header); false for vectors. */
  readonly diagonalSpatial: boolean;
}

/** Entries per (input, input) block: P² positions pairs, or P with diagonalSpatial. */
export const blockSize = (k: Kernel): number => (k.diagonalSpatial ? positionsOf(k) : positionsOf(k) ** 2);

/** A clear error for layers that need the off-diagonal position covariances. */
export function refuseDiagonalSpatial(layer: string, k: Kernel): void {
  if (k.diagonalSpatial) {
    throw shapeError(layer, 'kernel', 'the full spatial covariance K[p, q] (it mixes positions: compute with diagonalSpatial: false, or use flatten)', 'a diagonalSpatial kernel (only K[p, p])');
  }
}

export const positionsOf = (k: { spatial: readonly number[] }): number => k.spatial.reduce((a, b) => a * b, 1);

/** A tensor or nested array as checked float64 data with its shape (finite entries, rectangular). */
export interface Inputs {
  readonly data: Float64Array;
  /** [N, d] or [N, C, H, W]. */
  readonly shape: readonly number[];
}

function nestedShape(op: string, arg: string, v: unknown, path: string): number[] {
  if (!Array.isArray(v)) return [];
  if (v.length === 0) throw valueError(op, `${arg}${path}`, 'a non-empty array', '[]');
  const first = nestedShape(op, arg, v[0], `${path}[0]`);
  return [v.length, ...first];
}

/** Inputs from a Tensor or a nested number array (rows [N, d] or images [N, C, H, W]), validated. */
export function toInputs(op: string, arg: string, x: Tensor | readonly unknown[]): Inputs {
  let data: Float64Array, shape: number[];
  if (Array.isArray(x)) {
    shape = nestedShape(op, arg, x, '');
    if (shape.length < 2) throw shapeError(op, arg, 'an array of rows [N, d] (or images [N, C, H, W])', `an array of ${typeof x[0]}`);
    data = new Float64Array(shape.reduce((a, b) => a * b, 1));
    let at = 0;
    const walk = (v: unknown, depth: number, path: string): void => {
      if (depth === shape.length) {
        if (typeof v !== 'number') throw valueError(op, `${arg}${path}`, 'a number', Array.isArray(v) ? 'an array' : JSON.stringify(v));
        if (!Number.isFinite(v)) throw valueError(op, `${arg}${path}`, 'a finite number', v);
        data[at++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[depth]) {
        const got = Array.isArray(v) ? `length ${v.length}` : typeof v;
        throw shapeError(op, `${arg}${path}`, `an array of length ${shape[depth]} (all rows the same length)`, got);
      }
      v.forEach((w, i) => walk(w, depth + 1, `${path}[${i}]`));
    };
    walk(x, 0, '');
  } else {
    const t = x as Tensor;
    if (t.rank !== 2 && t.rank !== 4) throw shapeError(op, arg, 'a tensor [N, d] or [N, C, H, W]', t.shape);
    shape = [...t.shape];
    data = Float64Array.from(t.data);
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw valueError(op, `${arg} entry ${i}`, 'a finite number', data[i]);
  }
  if (shape.length !== 2 && shape.length !== 4) throw shapeError(op, arg, 'rows [N, d] or images [N, C, H, W]', shape);
  return { data, shape };
}

/** Rows i0 … i0+count−1 of the inputs. */
export function sliceInputs(x: Inputs, i0: number, count: number): Inputs {
  const per = x.data.length / x.shape[0]!;
  return { data: x.data.subarray(i0 * per, (i0 + count) * per), shape: [count, ...x.shape.slice(1)] };
}

/** [N, C, P] → [N, P, C] so that a position's channels are contiguous. */
function channelsLast(x: Inputs): { data: Float64Array; n: number; C: number; P: number } {
  const n = x.shape[0]!, C = x.shape[1]!, P = x.shape.length === 4 ? x.shape[2]! * x.shape[3]! : 1;
  if (P === 1) return { data: x.data, n, C, P };
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) for (let p = 0; p < P; p++) out[(i * P + p) * C + c] = x.data[(i * C + c) * P + p]!;
  return { data: out, n, C, P };
}

/**
 * The input kernel of x1 and x2 (null: x2 = x1): K⁰ = x·x'/C per position pair, Θ⁰ = 0.
 * Vectors: one Gram matrix through the backend's GEMM; images: the backend's positionGram per pair of inputs.
 * With x2 = x1 the Gram is exactly symmetric and the self-covariances are its diagonal blocks, so K(x, x) is the
 * same number in nngp and cov1 (the ReLU derivative kernel has a square-root singularity at equal inputs:
 * one rounding of difference between them would move Θ(x, x) by ~1e-8 relative).
 */
export function inputKernel(x1: Inputs, x2: Inputs | null, options: { diagonalSpatial?: boolean } = {}): Kernel {
  const op = 'inputKernel';
  if (options.diagonalSpatial && x1.shape.length === 4 && x1.shape[2]! * x1.shape[3]! > 1) return diagonalInputKernel(x1, x2);
  if (x2 !== null && (x2.shape.length !== x1.shape.length || x2.shape.slice(1).some((v, i) => v !== x1.shape[i + 1]))) {
    throw shapeError(op, 'x2', `inputs of shape [N, ${x1.shape.slice(1).join(', ')}] (the shape of x1 after the batch)`, x2.shape);
  }
  const spatial = x1.shape.length === 4 ? [x1.shape[2]!, x1.shape[3]!] : [];
  const C = x1.shape[1]!, P = positionsOf({ spatial }), n1 = x1.shape[0]!, n2 = x2 === null ? n1 : x2.shape[0]!;
  if (P > 1) return imageInputKernel(x1, x2, n1, n2, C, spatial);
  // vectors: G [n1, n2] = x1·x2ᵀ / C, one GEMM (mirrored for x2 = x1)
  const nngp = x2 === null ? selfGram(x1.data, n1, C) : gram(x1.data, n1, x2.data, n2, C);
  for (let i = 0; i < nngp.length; i++) nngp[i]! /= C;
  const selfCov = (x: Inputs, n: number): Float64Array => {
    const out = blockGrams(x.data, n, 1, C); // the squared norms [n] as one batched GEMM
    for (let i = 0; i < n; i++) out[i]! /= C;
    return out;
  };
  const cov1 = x2 === null ? Float64Array.from({ length: n1 }, (_, i) => nngp[i * n1 + i]!) : selfCov(x1, n1);
  return { n1, n2, spatial, channels: C, nngp, ntk: new Float64Array(nngp.length), cov1, cov2: x2 === null ? cov1 : selfCov(x2, n2), isGaussian: false, diagonalSpatial: false };
}

/**
 * Images: K⁰[i, j, p, q] = Σ_c x1_i[c, p]·x2_j[c, q] / C on the backend's positionGram (summed in c order, so with
 * x2 = x1 the blocks are exactly symmetric), and the self-covariances the diagonal blocks (x2 = x1) or their own Grams.
 */
function imageInputKernel(x1: Inputs, x2: Inputs | null, n1: number, n2: number, C: number, spatial: number[]): Kernel {
  const backend = getBackend(), P = spatial[0]! * spatial[1]!, PP = P * P;
  const gramOf = (a: Inputs, b: Inputs, na: number, nb: number, self: boolean): Float64Array => {
    const out = backend.allocateOutput('f64', na * nb * PP) as Float64Array;
    backend.positionGram({ n1: na, n2: nb, channels: C, positions: P, self }, a.data, b.data, out);
    return out;
  };
  const nngp = gramOf(x1, x2 ?? x1, n1, n2, false);
  let cov1: Float64Array;
  if (x2 === null) {
    cov1 = new Float64Array(n1 * PP);
    for (let i = 0; i < n1; i++) cov1.set(nngp.subarray((i * n1 + i) * PP, (i * n1 + i + 1) * PP), i * PP);
  } else cov1 = gramOf(x1, x1, n1, 1, true);
  const cov2 = x2 === null ? cov1 : gramOf(x2, x2, n2, 1, true);
  return { n1, n2, spatial, channels: C, nngp, ntk: new Float64Array(nngp.length), cov1, cov2, isGaussian: false, diagonalSpatial: false };
}

/** The input kernel's position diagonals: K⁰[i, j, p] = x1_i[:, p]·x2_j[:, p]/C, one Gram per position. */
function diagonalInputKernel(x1: Inputs, x2: Inputs | null): Kernel {
  const a = channelsLast(x1), b = x2 === null ? a : channelsLast(x2);
  const { C, P } = a;
  /** The rows of position p [n, C]. */
  const at = (s: typeof a, p: number): Float64Array => {
    const out = new Float64Array(s.n * C);
    for (let i = 0; i < s.n; i++) out.set(s.data.subarray((i * P + p) * C, (i * P + p + 1) * C), i * C);
    return out;
  };
  const nngp = new Float64Array(a.n * b.n * P), cov1 = new Float64Array(a.n * P), cov2 = x2 === null ? cov1 : new Float64Array(b.n * P);
  for (let p = 0; p < P; p++) {
    const A = at(a, p), B = x2 === null ? A : at(b, p);
    const G = x2 === null ? selfGram(A, a.n, C) : gram(A, a.n, B, b.n, C);
    for (let i = 0; i < a.n; i++) for (let j = 0; j < b.n; j++) nngp[(i * b.n + j) * P + p] = G[i * b.n + j]! / C;
    const self = (rows: Float64Array, n: number, out: Float64Array) => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += rows[i * C + c]! * rows[i * C + c]!;
        out[i * P + p] = s / C;
      }
    };
    if (x2 === null) for (let i = 0; i < a.n; i++) cov1[i * P + p] = nngp[(i * a.n + i) * P + p]!;
    else {
      self(A, a.n, cov1);
      self(B, b.n, cov2);
    }
  }
  return { n1: a.n, n2: b.n, spatial: [x1.shape[2]!, x1.shape[3]!], channels: C, nngp, ntk: new Float64Array(nngp.length), cov1, cov2, isGaussian: false, diagonalSpatial: true };
}
