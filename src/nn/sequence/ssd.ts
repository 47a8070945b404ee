// Mamba2's state-space dual (SSD) layer with a scalar decay per head (Dao & Gu 2024; research/zamba2.md §D),
// on Tensors: both paths are compositions of engine ops, so gradients flow through them. The readable
// typed-array reference (ssd_minimal's loops) is test/support/sequenceReference/ssd.ts.
//
// Shapes: x [L, H, P], dt [L, H] (already softplus'ed and clamped), A [H] (negative), B and C [L, G, N],
// D [H], state [H, P, N]. Head h reads group ⌊h / r⌋, r = H/G; internally heads are [G, r].
//   recurrence:  S_t = exp(dt_t·A)·S_{t−1} + dt_t · x_t ⊗ B_t        y_t = S_t·C_t + D·x_t
//   chunked:     per chunk of Q positions, with cum_l = Σ_{k ≤ l in chunk} dt_k·A,
//     Y_diag[l] = Σ_{s ≤ l} exp(cum_l − cum_s)(C_l·B_s) dt_s x_s          (intra-chunk, quadratic: matmuls)
//     Y_off[l]  = exp(cum_l) · (S_prev · C_l)                               (state carried into the chunk)
//     S_next    = exp(cum_end)·S_prev + Σ_s exp(cum_end − cum_s) dt_s x_s ⊗ B_s
// Both start from `state` and return the final state. A last chunk shorter than Q is the padded chunk of
// the reference with the padding dropped (padding contributes 0).
import { rangeError, shapeError } from '../../core/errors.js';
import { Tensor, add, concat, cumsum, exp, isGradEnabled, matmul, mul, reshape, slice, ssdStep, sub, tensor, transpose, where } from '../../tensor/index.js';

export interface SsdInputs {
  /** [L, H, P] */
  readonly x: Tensor;
  /** [L, H] */
  readonly dt: Tensor;
  /** [H] */
  readonly A: Tensor;
  /** [L, G, N] */
  readonly B: Tensor;
  /** [L, G, N] */
  readonly C: Tensor;
  /** [H] */
  readonly D: Tensor;
}

export interface SsdResult {
  /** [L, H, P] */
  readonly y: Tensor;
  /** [H, P, N] */
  readonly state: Tensor;
}

function dimsOf(inp: SsdInputs, state: Tensor) {
  const [L, H, P] = inp.x.shape as [number, number, number];
  const [, G, N] = inp.B.shape as [number, number, number];
  const want: [string, Tensor, number[]][] = [
    ['x', inp.x, [L, H, P]], ['dt', inp.dt, [L, H]], ['A', inp.A, [H]], ['B', inp.B, [L, G, N]], ['C', inp.C, [L, G, N]],
    ['D', inp.D, [H]], ['state', state, [H, P, N]],
  ];
  for (const [name, t, shape] of want) {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw shapeError('ssd', name, `[${shape.join(', ')}]`, t.shape);
  }
  if (H % G !== 0) throw shapeError('ssd', 'heads', `a multiple of groups ${G}`, H);
  return { L, H, P, G, N, r: H / G };
}

/** y += D·x: the skip connection of both paths. */
const skip = (y: Tensor, x: Tensor, D: Tensor, H: number) => add(y, mul(x, reshape(D, [1, H, 1])));

/**
 * Token-by-token recurrence (the decode path; L = 1 per decode step). When nothing records gradients each
 * step runs the backend's fused ssdStep kernel (state read and written once); otherwise the composite below,
 * which is also that kernel's parity reference. `inPlace` (fused path only) lets the kernel overwrite `state`,
 * which the caller must own (a cache's state): no new state is allocated per step.
 */
export function ssdRecurrent(inp: SsdInputs, state: Tensor, options: { inPlace?: boolean } = {}): SsdResult {
  const { L, H, P, G, N, r } = dimsOf(inp, state);
  const recording = isGradEnabled() && [inp.x, inp.dt, inp.A, inp.B, inp.C, inp.D, state].some((t) => t.requiresGrad);
  if (!recording) return ssdRecurrentFused(inp, state, L, H, P, G, N, options.inPlace ?? false);
  let S = reshape(state, [G, r, P, N]);
  const ys: Tensor[] = [];
  for (let t = 0; t < L; t++) {
    const dt = reshape(slice(inp.dt, [t, 0], [t + 1, H]), [H]);
    const x = reshape(slice(inp.x, [t, 0, 0], [t + 1, H, P]), [G, r, P, 1]);
    const B = reshape(slice(inp.B, [t, 0, 0], [t + 1, G, N]), [G, 1, 1, N]);
    const C = reshape(slice(inp.C, [t, 0, 0], [t + 1, G, N]), [G, 1, N, 1]);
    const decay = reshape(exp(mul(dt, inp.A)), [G, r, 1, 1]);
    S = add(mul(S, decay), mul(mul(x, reshape(dt, [G, r, 1, 1])), B));
    ys.push(reshape(matmul(S, C), [1, H, P]));
  }
  const y = ys.length === 1 ? ys[0]! : concat(ys, 0);
  return { y: skip(y, inp.x, inp.D, H), state: reshape(S, [H, P, N]) };
}

/** The recurrence on the fused kernel: the first step writes a new state (or over `state` when inPlace), later ones update it in place. */
function ssdRecurrentFused(inp: SsdInputs, state: Tensor, L: number, H: number, P: number, G: number, N: number, inPlace: boolean): SsdResult {
  let S = state;
  const ys: Tensor[] = [];
  /** Position t of a [L, ...shape] input. */
  const at = (v: Tensor, t: number, shape: number[]) => reshape(L === 1 ? v : slice(v, [t, ...shape.map(() => 0)], [t + 1, ...shape]), shape);
  for (let t = 0; t < L; t++) {
    const x = at(inp.x, t, [H, P]), B = at(inp.B, t, [G, N]), C = at(inp.C, t, [G, N]);
    const step = ssdStep(S, { x, dt: at(inp.dt, t, [H]), A: inp.A, B, C, D: inp.D }, { inPlace: inPlace || t > 0 });
    S = step.state;
    ys.push(reshape(step.y, [1, H, P]));
  }
  return { y: ys.length === 1 ? ys[0]! : concat(ys, 0), state: S };
}

/** Chunked SSD (chunk size Q, 256 in Zamba2): the prefill path. */
export function ssdChunked(inp: SsdInputs, state: Tensor, chunkSize: number): SsdResult {
  const { L, H, P, G, N, r } = dimsOf(inp, state);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw rangeError('ssd', 'chunk size', 'a positive integer', chunkSize);
  let S = reshape(state, [G, r, P, N]);
  const ys: Tensor[] = [];
  for (let c0 = 0; c0 < L; c0 += chunkSize) {
    const q = Math.min(chunkSize, L - c0);
    const X = transpose(reshape(slice(inp.x, [c0, 0, 0], [c0 + q, H, P]), [q, G, r, P]), [1, 2, 0, 3]); // [G, r, q, P]
    const dtT = reshape(transpose(slice(inp.dt, [c0, 0], [c0 + q, H])), [G, r, q]); // [G, r, q]
    const Bg = transpose(slice(inp.B, [c0, 0, 0], [c0 + q, G, N]), [1, 0, 2]); // [G, q, N]
    const Cg = transpose(slice(inp.C, [c0, 0, 0], [c0 + q, G, N]), [1, 0, 2]);
    const cum = cumsum(mul(dtT, reshape(inp.A, [G, r, 1])), 2); // [G, r, q]
    // exp(cum_l − cum_s) for s ≤ l, 0 above the diagonal (masked before exp: no overflow, zero gradient).
    const lower = new Uint8Array(q * q);
    for (let l = 0; l < q; l++) for (let s = 0; s <= l; s++) lower[l * q + s] = 1;
    const diff = sub(reshape(cum, [G, r, q, 1]), reshape(cum, [G, r, 1, q]));
    const decay = exp(where(tensor(lower, [q, q]), diff, -Infinity)); // [G, r, q, q]
    const CB = reshape(matmul(Cg, Bg, { transB: true }), [G, 1, q, q]);
    const M = mul(mul(decay, CB), reshape(dtT, [G, r, 1, q]));
    const yDiag = matmul(M, X); // [G, r, q, P]
    const yOff = mul(matmul(reshape(Cg, [G, 1, q, N]), S, { transB: true }), exp(reshape(cum, [G, r, q, 1])));
    const cumEnd = slice(cum, [0, 0, q - 1], [G, r, q]); // [G, r, 1]
    const w = mul(exp(sub(cumEnd, cum)), dtT); // [G, r, q]
    const inflow = matmul(mul(X, reshape(w, [G, r, q, 1])), reshape(Bg, [G, 1, q, N]), { transA: true }); // [G, r, P, N]
    S = add(mul(S, exp(reshape(cumEnd, [G, r, 1, 1]))), inflow);
    ys.push(reshape(transpose(add(yDiag, yOff), [2, 0, 1, 3]), [q, H, P]));
  }
  const y = ys.length === 1 ? ys[0]! : concat(ys, 0);
  return { y: skip(y, inp.x, inp.D, H), state: reshape(S, [H, P, N]) };
}
