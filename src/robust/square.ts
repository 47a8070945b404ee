// Square Attack (Andriushchenko et al., ECCV 2020), ℓ∞: a score-based black-box attack that needs only the
// model's logits, so masked or obfuscated gradients do not stop it (AutoAttack's fourth member).
//   margin m(x) = z_y − max_{j≠y} z_j (untargeted; targeted: max_{j≠t} z_j − z_t), success when m < 0.
//   init: vertical stripes, x + ε·s with one random sign s per (channel, column), clipped to the box.
//   step i (examples not yet successful): a square of side s_i = max(1, round(√(p_i·H·W))) (< H) at a random
//     position gets, per channel, x + ε·(±1) there (the rest of the current iterate kept); the candidate
//     replaces the iterate when its margin is lower. p_i = p_init halved at iterations 10, 50, 200, 500,
//     1000, 2000, 4000, 6000, 8000 of a 10,000-query run (rescaled to the query budget), as the reference code
//     (which also redraws a square that would leave the iterate unchanged; here that step is a spent query).
// Inputs are images [N, C, H, W] or vectors [N, d] seen as [1, √d, √d] when d is a square, else [1, 1, d];
// `imageShape` overrides. Every iterate stays in the ε-ball and the box. Queries are counted per example.
import { foldIn, key as makeKey, randintValues, uniformValues, type Key } from '../core/random.js';
import { shapeError, valueError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import type { AttackResult } from './attacks.js';
import { emptyLike, perExample } from './geometry.js';
import { predictLogits } from './gradient.js';
import { assertInBox, checkBox, checkLabels, featuresPerExample, type Classifier, type InputBox } from './inputSpace.js';

export interface SquareOptions {
  eps: number | ArrayLike<number>;
  box: InputBox;
  /** Model evaluations per example, the first (initial stripes) included (default 1000; AutoAttack uses 5000). */
  queries?: number;
  /** Initial fraction of the pixels a square covers (default 0.8, AutoAttack's ℓ∞ value). */
  pInit?: number;
  /** [C, H, W] of one example (default from x, see the header). */
  imageShape?: readonly [number, number, number];
  /** Class per example to reach (targeted); untargeted when absent. */
  targets?: Tensor;
  key?: Key;
}

export interface SquareResult extends AttackResult {
  /** Model evaluations spent per example. */
  queries: Int32Array;
}

/** p at iteration `it` of `total` (the reference schedule over 10,000 iterations). */
export function squareFraction(pInit: number, it: number, total: number): number {
  const i = Math.floor((it / total) * 10000);
  const cuts = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let halvings = 0;
  for (const c of cuts) if (i > c) halvings++;
  return pInit / 2 ** halvings;
}

/** [C, H, W] of one example: `given`, the image dims of x [N, C, H, W], or vectors [N, d] as [1, √d, √d] (or [1, 1, d]). */
export function squareImageShape(x: Tensor, d: number, given: SquareOptions['imageShape']): [number, number, number] {
  if (given) {
    if (given[0] * given[1] * given[2] !== d) throw shapeError('square', 'imageShape', `C·H·W = ${d} features`, given);
    return [given[0], given[1], given[2]];
  }
  if (x.rank === 4) return [x.shape[1]!, x.shape[2]!, x.shape[3]!];
  const side = Math.round(Math.sqrt(d));
  return side * side === d ? [1, side, side] : [1, 1, d];
}

/** Margins of logits [n, k] (lower = closer to success). */
export function squareMargins(logits: Tensor, labels: ArrayLike<number>, targeted: boolean): Float64Array {
  const [n, k] = logits.shape as [number, number];
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!, row = i * k;
    let other = -Infinity;
    for (let j = 0; j < k; j++) if (j !== c) other = Math.max(other, logits.data[row + j]!);
    out[i] = targeted ? other - logits.data[row + c]! : logits.data[row + c]! - other;
  }
  return out;
}

/** The validated inputs of a Square attack (ℓ∞ or ℓ2). */
export interface SquareSetup {
  n: number;
  d: number;
  eps: Float64Array;
  total: number;
  pInit: number;
  C: number;
  H: number;
  W: number;
  key: Key;
  /** Index of pixel (c, h, w) within one example. */
  at: (c: number, h: number, w: number) => number;
}

export function squareSetup(op: string, x: Tensor, y: Tensor, o: SquareOptions): SquareSetup {
  checkBox(o.box, op);
  checkLabels(x, y, op);
  if (o.targets) checkLabels(x, o.targets, op, 'targets');
  if (x.dtype !== 'f32' && x.dtype !== 'f64') throw valueError(op, 'x', 'f32 or f64 inputs', x.dtype);
  assertInBox(x, o.box, op);
  const n = x.shape[0]!, d = featuresPerExample(x), eps = perExample(o.eps, n, op);
  const total = o.queries ?? 1000, pInit = o.pInit ?? 0.8;
  if (!Number.isInteger(total) || total < 1) throw valueError(op, 'queries', 'a positive integer', total);
  if (!(pInit > 0 && pInit <= 1)) throw valueError(op, 'pInit', 'a fraction in (0, 1]', pInit);
  const [C, H, W] = squareImageShape(x, d, o.imageShape);
  return { n, d, eps, total, pInit, C, H, W, key: o.key ?? makeKey(0), at: (c, h, w) => (c * H + h) * W + w };
}

/**
 * The search both Square attacks share: from the initial iterates `best` (filled by the caller), each step
 * asks `propose(it, active, candidate)` for one candidate row per still-unbroken example (`active`, in
 * order), spends one query on each, and keeps a candidate whose margin is lower.
 */
export function squareSearch(model: Classifier, x: Tensor, o: SquareOptions, y: Tensor, setup: SquareSetup, best: Float32Array | Float64Array,
  propose: (it: number, active: readonly number[], candidate: Float32Array | Float64Array) => void): SquareResult {
  const { n, d, total } = setup;
  const labels = (o.targets ?? y).data, targeted = o.targets !== undefined;
  const shape = [...x.shape];
  const margin = squareMargins(predictLogits(model, new Tensor(best, shape)), labels, targeted);
  const queries = new Int32Array(n).fill(1);
  for (let it = 1; it < total; it++) {
    const active: number[] = [];
    for (let i = 0; i < n; i++) if (margin[i]! >= 0) active.push(i);
    if (active.length === 0) break;
    const candidate = best instanceof Float64Array ? new Float64Array(active.length * d) : new Float32Array(active.length * d);
    propose(it, active, candidate);
    const candidateMargin = squareMargins(predictLogits(model, new Tensor(candidate, [active.length, ...shape.slice(1)])), active.map((i) => labels[i]!), targeted);
    active.forEach((i, a) => {
      queries[i]!++;
      if (candidateMargin[a]! < margin[i]!) {
        margin[i] = candidateMargin[a]!;
        best.set(candidate.subarray(a * d, (a + 1) * d), i * d);
      }
    });
  }
  return { x: new Tensor(best, shape), success: Uint8Array.from(margin, (m) => (m < 0 ? 1 : 0)), objective: margin.map((m) => -m), queries };
}

export function square(model: Classifier, x: Tensor, y: Tensor, o: SquareOptions): SquareResult {
  const setup = squareSetup('square', x, y, o);
  const { n, d, eps, total, pInit, C, H, W, key, at } = setup;
  const { lower, upper } = o.box;
  const clip = (v: number) => Math.min(upper, Math.max(lower, v));

  // Initial vertical stripes.
  const best = emptyLike(x.data as Float32Array | Float64Array);
  const signs = uniformValues(foldIn(key, 0), n * C * W, 'f64');
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      for (let w = 0; w < W; w++) {
        const s = signs[(i * C + c) * W + w]! < 0.5 ? -1 : 1;
        for (let h = 0; h < H; h++) best[i * d + at(c, h, w)] = clip(x.data[i * d + at(c, h, w)]! + s * eps[i]!);
      }
    }
  }
  return squareSearch(model, x, o, y, setup, best, (it, active, candidate) => {
    const s = Math.max(1, Math.min(Math.round(Math.sqrt(squareFraction(pInit, it, total) * H * W)), H > 1 ? H - 1 : W - 1));
    const sh = Math.min(s, H), sw = Math.min(s, W); // a 1 × s window on vectors seen as [1, 1, d]
    const k = foldIn(key, it);
    const rows = randintValues(foldIn(k, 0), active.length, 0, H - sh + 1);
    const cols = randintValues(foldIn(k, 1), active.length, 0, W - sw + 1);
    const draws = uniformValues(foldIn(k, 2), active.length * C, 'f64');
    active.forEach((i, a) => {
      candidate.set(best.subarray(i * d, (i + 1) * d), a * d);
      for (let c = 0; c < C; c++) {
        const sgn = draws[a * C + c]! < 0.5 ? -1 : 1;
        for (let h = rows[a]!; h < rows[a]! + sh; h++) {
          for (let w = cols[a]!; w < cols[a]! + sw; w++) candidate[a * d + at(c, h, w)] = clip(x.data[i * d + at(c, h, w)]! + sgn * eps[i]!);
        }
      }
    });
  });
}
