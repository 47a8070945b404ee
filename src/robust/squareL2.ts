// Square Attack, ℓ2 (Andriushchenko et al., ECCV 2020; fra31/auto-attack square.py, norm 'L2'): score-based
// black-box search over perturbations of ℓ2 norm exactly ε (before the box clip), built from "meta
// pseudo-Gaussian" square patches η(s): concentric rectangles weighted 1/(r + 1)², the lower half negated,
// unit ℓ2 norm, transposed with probability ½.
//   init: a grid of s×s patches, s = ⌊H/5⌋ (offset ⌊(H − 5s)/2⌋), each η(s) with one random sign per
//     (example, channel); x₀ = clip(x + ε·δ/‖δ‖₂).
//   step i: s = odd(max(round(√(p_i·H·W)), 3)), ≤ min(H, W); windows w₁ at (h₁, v₁) and w₂ at (h₂, v₂).
//     Per channel: the new patch η(s)·(±1) + δ[w₁]/‖δ[w₁]‖ is rescaled to norm √(max(ε² − ‖δ‖², 0)/C +
//     ‖δ on w₁ ∪ w₂‖²), δ[w₂] = 0, δ[w₁] = that patch; candidate clip(x + ε·δ/‖δ‖₂). The candidate
//     replaces the iterate when its margin is lower (or it misclassifies).
// p_i is the ℓ∞ attack's schedule (squareFraction, rescaled to the budget; p_init 0.8 as AutoAttack). Margins, image shapes and query
// counting as square.ts. Every iterate stays in the ε-ball and the box.
import { foldIn, randintValues, uniformValues } from '../core/random.js';
import { valueError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import { emptyLike } from './geometry.js';
import type { Classifier } from './inputSpace.js';
import { squareFraction, squareSearch, squareSetup, type SquareOptions, type SquareResult } from './square.js';

/** η's rectangles [rows, cols]: rings around the centre weighted 1/(r + 1)², unit ℓ2 norm (eta_rectangles). */
function rectangles(rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const cr = Math.floor(rows / 2) + 1, cc = Math.floor(cols / 2) + 1;
  let r0 = cr - 1, c0 = cc - 1;
  for (let r = 0; r < Math.max(cr, cc); r++) {
    for (let i = Math.max(r0, 0); i < Math.min(r0 + 2 * r + 1, rows); i++) {
      for (let j = Math.max(c0, 0); j < Math.min(c0 + 2 * r + 1, cols); j++) out[i * cols + j]! += 1 / (r + 1) ** 2;
    }
    r0--;
    c0--;
  }
  return scaleToUnit(out);
}

function scaleToUnit(v: Float64Array): Float64Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  return v.map((x) => x * inv);
}

/** η(s) [s, s]: the upper ⌊s/2⌋ rows rectangles(⌊s/2⌋, s), the rest −rectangles(s − ⌊s/2⌋, s); unit norm; transposed if asked. */
export function squarePatch(s: number, transpose: boolean): Float64Array {
  const top = Math.floor(s / 2), out = new Float64Array(s * s);
  if (top > 0) out.set(rectangles(top, s), 0);
  out.set(rectangles(s - top, s).map((v) => -v), top * s);
  const unit = scaleToUnit(out);
  if (!transpose) return unit;
  const t = new Float64Array(s * s);
  for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) t[j * s + i] = unit[i * s + j]!;
  return t;
}

export function squareL2(model: Classifier, x: Tensor, y: Tensor, o: SquareOptions): SquareResult {
  const setup = squareSetup('squareL2', x, y, o);
  const { n, d, eps, total, pInit, C, H, W, key, at } = setup;
  if (H < 5 || W < 5) throw valueError('squareL2', 'imageShape', 'images of at least 5×5 pixels (the initial grid of patches)', [C, H, W]);
  const { lower, upper } = o.box;

  // delta[i·d …]: the initial perturbation of each example (scaled to ε and clipped when applied)
  const delta = new Float64Array(n * d);
  const apply = (i: number, into: Float32Array | Float64Array, row: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += delta[i * d + j]! ** 2;
    const scale = eps[i]! / (Math.sqrt(s) + 1e-12);
    for (let j = 0; j < d; j++) into[row * d + j] = Math.min(upper, Math.max(lower, x.data[i * d + j]! + scale * delta[i * d + j]!));
  };

  // Initial grid of patches.
  const s0 = Math.floor(H / 5), off = Math.floor((H - 5 * s0) / 2);
  const gridH = Math.floor(H / s0), gridW = Math.floor(W / s0);
  const initSigns = uniformValues(foldIn(key, 0), n * C * gridH * gridW, 'f64');
  const patch0 = squarePatch(s0, false);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) {
    for (let a = 0; a < gridH; a++) for (let b = 0; b < gridW; b++) {
      const sign = initSigns[((i * C + c) * gridH + a) * gridW + b]! < 0.5 ? -1 : 1;
      for (let p = 0; p < s0; p++) for (let q = 0; q < s0; q++) {
        const h = off + a * s0 + p, w = off + b * s0 + q;
        if (h < H && w < W) delta[i * d + at(c, h, w)]! += sign * patch0[p * s0 + q]!;
      }
    }
  }
  const best = emptyLike(x.data as Float32Array | Float64Array);
  for (let i = 0; i < n; i++) apply(i, best, i);
  return squareSearch(model, x, o, y, setup, best, (it, active, candidate) => {
    let s = Math.max(Math.round(Math.sqrt((squareFraction(pInit, it, total) * d) / C)), 3);
    if (s % 2 === 0) s++;
    s = Math.min(s, H, W);
    const k = foldIn(key, it);
    const rows = randintValues(foldIn(k, 0), 2 * active.length, 0, Math.max(1, H - s));
    const cols = randintValues(foldIn(k, 2), 2 * active.length, 0, Math.max(1, W - s));
    const draws = uniformValues(foldIn(k, 1), active.length * C + 1, 'f64');
    const eta = squarePatch(s, draws[active.length * C]! > 0.5);
    const cur = new Float64Array(d), next = new Float64Array(d);
    active.forEach((i, a) => {
      const h1 = rows[2 * a]!, w1 = cols[2 * a]!, h2 = rows[2 * a + 1]!, w2 = cols[2 * a + 1]!;
      const inW1 = (h: number, w: number) => h >= h1 && h < h1 + s && w >= w1 && w < w1 + s;
      const inW2 = (h: number, w: number) => h >= h2 && h < h2 + s && w >= w2 && w < w2 + s;
      // δ = x_best − x, the applied (clipped) perturbation, as the reference's delta_curr
      let image = 0;
      for (let j = 0; j < d; j++) { cur[j] = best[i * d + j]! - x.data[i * d + j]!; image += cur[j]! ** 2; }
      next.set(cur);
      for (let c = 0; c < C; c++) {
        let w1Norm = 0, unionNorm = 0;
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
          const v = cur[at(c, h, w)]!;
          if (inW1(h, w)) w1Norm += v * v;
          if (inW1(h, w) || inW2(h, w)) unionNorm += v * v;
        }
        const sign = draws[a * C + c]! < 0.5 ? -1 : 1, fresh = new Float64Array(s * s);
        let freshNorm = 0;
        for (let p = 0; p < s; p++) for (let q = 0; q < s; q++) {
          const v = sign * eta[p * s + q]! + cur[at(c, h1 + p, w1 + q)]! / (1e-12 + Math.sqrt(w1Norm));
          fresh[p * s + q] = v;
          freshNorm += v * v;
        }
        const target = Math.sqrt(Math.max(eps[i]! ** 2 - image, 0) / C + unionNorm) / (1e-12 + Math.sqrt(freshNorm));
        for (let p = 0; p < s; p++) for (let q = 0; q < s; q++) next[at(c, h2 + p, w2 + q)] = 0;
        for (let p = 0; p < s; p++) for (let q = 0; q < s; q++) next[at(c, h1 + p, w1 + q)] = fresh[p * s + q]! * target;
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += next[j]! ** 2;
      const scale = eps[i]! / (Math.sqrt(norm) + 1e-12);
      for (let j = 0; j < d; j++) candidate[a * d + j] = Math.min(upper, Math.max(lower, x.data[i * d + j]! + scale * next[j]!));
    });
  });
}
