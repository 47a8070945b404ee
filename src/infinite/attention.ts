// Global self-attention over all spatial positions and its infinite-width kernel map (neural-tangents
// stax.GlobalSelfAttention, _src/stax/linear.py; Hron, Bahri, Sohl-Dickstein & Novak 2020, "Infinite
// attention: NNGP and NTK for deep attention networks", arXiv 2006.10540). NTK parameterisation.
//
// Finite network, per example x [C, H, W] seen as P = H·W positions of C channels, X [P, C]:
//   W_K, W_Q [heads, C, d_k], W_V [heads, C, d_v], W_O [heads·d_v, C_out], b [C_out], all ~ N(0, 1)
//   keys_h = X W_K[h] [P, d_k];  queries_h = keys_h (linearScaling: tied) or X W_Q[h]
//   G_h = σ_QK · queries_h keys_hᵀ / (C · d_k)         (linearScaling; else / (C · √d_k))   [P, P]
//   A_h = mechanism(G_h)   (softmax over the key position q, or identity / abs / relu elementwise)
//   y = concat_h(A_h X W_V[h]) W_O · σ_OV / √(heads·d_v·C) + σ_b·b                            [P, C_out]
// with σ_QK = σ_Q·σ_K and σ_OV = σ_O·σ_V (only these products matter).
//
// Kernel map (channels, d_k, d_v and heads → ∞), K, Θ [P, P] per pair of inputs, cov the self-covariances:
//   linearScaling: the attention weights become deterministic, A_i = mechanism(σ_QK · cov_i) [P, P], and
//     K′_ij = σ_OV² A_i K_ij A_jᵀ + σ_b²
//     Θ′_ij = σ_OV² A_i (Θ_ij + 2 K_ij) A_jᵀ + σ_b²     (the 2: gradients of W_V and W_O; those of W_K
//                                                        and through A vanish as 1/d_k and 1/C)
//   √d_k scaling, identity mechanism only (G is Gaussian with E[G_i[p,q] G_j[p′,q′]] = σ_QK² K[p,p′] K[q,q′]):
//     s_ij = Σ_{q,q′} K_ij[q,q′]²,  t_ij = Σ_{q,q′} K_ij[q,q′] Θ_ij[q,q′]
//     K′_ij = (σ_QK σ_OV)² s_ij K_ij + σ_b²
//     Θ′_ij = (σ_QK σ_OV)² (2 t_ij K_ij + s_ij (Θ_ij + 4 K_ij)) + σ_b²
//   (√d_k scaling with softmax has no known closed form: an error, as in neural-tangents.)
// Positional embeddings (pos_emb_type 'SUM' / 'CONCAT') and masking are not implemented.
// The sandwiches A_i M A_jᵀ run on the backend's positionSandwich kernel (backend/cpu/positions.ts is its reference).
import { getBackend } from '../backend/registry.js';
import { shapeError, TesseraError, valueError } from '../core/errors.js';
import { split } from '../core/random.js';
import { abs, add, matmul, mul, random, relu, reshape, softmax, transpose, type Tensor } from '../tensor/index.js';
import { positionsOf, refuseDiagonalSpatial, type Kernel } from './kernel.js';
import { single, type Layer } from './layer.js';

export type AttentionMechanism = 'softmax' | 'identity' | 'abs' | 'relu';
const MECHANISMS: readonly AttentionMechanism[] = ['softmax', 'identity', 'abs', 'relu'];

export interface AttentionOptions {
  /** Scale q·k by 1/d_k and tie queries to keys (default true); false: 1/√d_k and independent W_Q. */
  readonly linearScaling?: boolean;
  readonly wKeyStd?: number;
  readonly wValueStd?: number;
  readonly wQueryStd?: number;
  readonly wOutStd?: number;
  /** σ_b, or null for no bias (default null). */
  readonly bStd?: number | null;
  /** 'softmax' (default), 'identity', 'abs' or 'relu' (neural-tangents' names in any case). */
  readonly attentionMechanism?: string;
  /** Only 'none' is implemented (neural-tangents' pos_emb_type 'NONE'). */
  readonly posEmbType?: string;
}

const OP = 'globalSelfAttention';

/** mechanism(scale · cov) for `blocks` stacked [P, P] matrices, softmax over the last (key) index. */
function attentionWeights(cov: Float64Array, blocks: number, P: number, scale: number, mechanism: AttentionMechanism): Float64Array {
  const out = new Float64Array(cov.length);
  for (let r = 0; r < blocks * P; r++) {
    const row = r * P;
    if (mechanism === 'softmax') {
      let m = -Infinity;
      for (let q = 0; q < P; q++) m = Math.max(m, scale * cov[row + q]!);
      let s = 0;
      for (let q = 0; q < P; q++) s += (out[row + q] = Math.exp(scale * cov[row + q]! - m));
      for (let q = 0; q < P; q++) out[row + q]! /= s;
    } else {
      for (let q = 0; q < P; q++) {
        const g = scale * cov[row + q]!;
        out[row + q] = mechanism === 'identity' ? g : mechanism === 'abs' ? Math.abs(g) : Math.max(g, 0);
      }
    }
  }
  return out;
}

/** The linear-scaling kernel map: K′ = σ_OV² A_i K A_jᵀ + σ_b², Θ′ = σ_OV² A_i (Θ + 2K) A_jᵀ + σ_b², on the backend's positionSandwich. */
function linearScalingKernel(k: Kernel, qk: number, ov2: number, b2: number, mechanism: AttentionMechanism): Pick<Kernel, 'nngp' | 'ntk' | 'cov1' | 'cov2'> {
  const P = positionsOf(k), backend = getBackend();
  const A1 = attentionWeights(k.cov1, k.n1, P, qk, mechanism);
  const A2 = k.cov2 === k.cov1 ? A1 : attentionWeights(k.cov2, k.n2, P, qk, mechanism);
  const output = (length: number) => backend.allocateOutput('f64', length) as Float64Array;
  const pairs = { n1: k.n1, n2: k.n2, positions: P, self: false, w: ov2, c: b2 };
  const nngp = output(k.nngp.length), ntk = output(k.ntk.length);
  backend.positionSandwich({ ...pairs, alpha: 0 }, A1, A2, k.nngp, null, nngp);
  backend.positionSandwich({ ...pairs, alpha: 2 }, A1, A2, k.ntk, k.nngp, ntk);
  const self = (cov: Float64Array, A: Float64Array, n: number): Float64Array => {
    const out = output(cov.length);
    backend.positionSandwich({ n1: n, n2: 1, positions: P, self: true, w: ov2, c: b2, alpha: 0 }, A, A, cov, null, out);
    return out;
  };
  const cov1 = self(k.cov1, A1, k.n1);
  return { nngp, ntk, cov1, cov2: k.cov2 === k.cov1 ? cov1 : self(k.cov2, A2, k.n2) };
}

/** The √d_k-scaling identity-attention kernel map (exact in expectation at any width, see the header). */
function sqrtScalingIdentityKernel(k: Kernel, w2: number, b2: number): Pick<Kernel, 'nngp' | 'ntk' | 'cov1' | 'cov2'> {
  const PP = positionsOf(k) ** 2;
  const nngp = new Float64Array(k.nngp.length), ntk = new Float64Array(k.ntk.length);
  for (let b = 0; b < k.n1 * k.n2; b++) {
    let s = 0, t = 0;
    for (let e = b * PP; e < (b + 1) * PP; e++) {
      s += k.nngp[e]! * k.nngp[e]!;
      t += k.nngp[e]! * k.ntk[e]!;
    }
    for (let e = b * PP; e < (b + 1) * PP; e++) {
      nngp[e] = w2 * s * k.nngp[e]! + b2;
      ntk[e] = w2 * (2 * t * k.nngp[e]! + s * (k.ntk[e]! + 4 * k.nngp[e]!)) + b2;
    }
  }
  const self = (cov: Float64Array, n: number): Float64Array => {
    const out = new Float64Array(cov.length);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let e = i * PP; e < (i + 1) * PP; e++) s += cov[e]! * cov[e]!;
      for (let e = i * PP; e < (i + 1) * PP; e++) out[e] = w2 * s * cov[e]! + b2;
    }
    return out;
  };
  const cov1 = self(k.cov1, k.n1);
  return { nngp, ntk, cov1, cov2: k.cov2 === k.cov1 ? cov1 : self(k.cov2, k.n2) };
}

/**
 * globalSelfAttention(nChanOut, nChanKey, nChanVal, nHeads) on images [C, H, W] (a sequence of L tokens as
 * [C, 1, L]) → [nChanOut, H, W]: attention over all H·W positions (see the header).
 */
export function globalSelfAttention(nChanOut: number, nChanKey: number, nChanVal: number, nHeads: number, options: AttentionOptions = {}): Layer {
  for (const [arg, v] of [['nChanOut', nChanOut], ['nChanKey', nChanKey], ['nChanVal', nChanVal], ['nHeads', nHeads]] as const) {
    if (!Number.isInteger(v) || v < 1) throw valueError(OP, arg, 'a positive integer', v);
  }
  const linearScaling = options.linearScaling ?? true;
  if (typeof linearScaling !== 'boolean') throw valueError(OP, 'linearScaling', 'true or false', linearScaling);
  const stds = { wKeyStd: options.wKeyStd ?? 1, wValueStd: options.wValueStd ?? 1, wQueryStd: options.wQueryStd ?? 1, wOutStd: options.wOutStd ?? 1 };
  for (const [arg, v] of Object.entries(stds)) if (!(Number.isFinite(v) && v >= 0)) throw valueError(OP, arg, 'a finite number ≥ 0', v);
  const bStd = options.bStd === undefined ? null : options.bStd;
  if (bStd !== null && !(Number.isFinite(bStd) && bStd >= 0)) throw valueError(OP, 'bStd', 'a finite number ≥ 0 or null (no bias)', bStd);
  const mechanism = String(options.attentionMechanism ?? 'softmax').toLowerCase() as AttentionMechanism;
  if (!MECHANISMS.includes(mechanism)) throw valueError(OP, 'attentionMechanism', `one of ${MECHANISMS.join(', ')}`, options.attentionMechanism);
  const posEmb = String(options.posEmbType ?? 'none').toLowerCase();
  if (posEmb !== 'none') {
    throw valueError(OP, 'posEmbType', "'none' (positional embeddings 'sum' and 'concat' are not implemented)", options.posEmbType);
  }
  const qk = stds.wQueryStd * stds.wKeyStd, ov = stds.wOutStd * stds.wValueStd;
  const name = `globalSelfAttention(${nChanOut}, key ${nChanKey}, value ${nChanVal}, ${nHeads} heads, ${mechanism}, ` +
    `${linearScaling ? 'linear' : 'sqrt'} scaling, σ_QK=${qk}, σ_OV=${ov}, bStd=${bStd})`;
  const imageShape = (s: readonly number[]): [number, number, number] => {
    if (s.length !== 3) throw shapeError(OP, 'input', 'images [C, H, W] (a sequence of L tokens as [C, 1, L])', s);
    return s as [number, number, number];
  };
  return {
    name,
    init(key, inputShape, initOptions) {
      const [C, H, W] = imageShape(single(OP, 'input', inputShape));
      const dtype = initOptions?.dtype ?? 'f64';
      const [kQ, kK, kV, kO, kB] = split(key, 5);
      const params: Record<string, Tensor> = {
        key: random.normal(kK!, [nHeads, C, nChanKey], { dtype }),
        value: random.normal(kV!, [nHeads, C, nChanVal], { dtype }),
        out: random.normal(kO!, [nHeads * nChanVal, nChanOut], { dtype }),
      };
      if (!linearScaling) params.query = random.normal(kQ!, [nHeads, C, nChanKey], { dtype });
      if (bStd !== null) params.bias = random.normal(kB!, [nChanOut], { dtype });
      return { params, outputShape: [nChanOut, H, W] };
    },
    apply(params, input) {
      const x = single(OP, 'input', input);
      const Wk = params.key as Tensor;
      const C = Wk.shape[1]!;
      if (x.rank !== 4 || x.shape[1] !== C) throw shapeError(OP, 'x', `[N, ${C}, H, W]`, x.shape);
      const [N, , H, W] = x.shape as [number, number, number, number];
      const P = H * W;
      const X = reshape(transpose(reshape(x, [N, C, P]), [0, 2, 1]), [N, 1, P, C]); // [N, 1, P, C]
      const keys = matmul(X, reshape(Wk, [1, nHeads, C, nChanKey])); // [N, heads, P, d_k]
      const queries = linearScaling ? keys : matmul(X, reshape(params.query as Tensor, [1, nHeads, C, nChanKey]));
      const G = mul(matmul(queries, keys, { transB: true }), qk / (C * (linearScaling ? nChanKey : Math.sqrt(nChanKey)))); // [N, heads, P, P]
      const A = mechanism === 'softmax' ? softmax(G, -1) : mechanism === 'identity' ? G : mechanism === 'abs' ? abs(G) : relu(G);
      const values = matmul(X, reshape(params.value as Tensor, [1, nHeads, C, nChanVal])); // [N, heads, P, d_v]
      const heads = reshape(transpose(matmul(A, values), [0, 2, 1, 3]), [N, P, nHeads * nChanVal]); // [N, P, heads·d_v]
      let y = mul(matmul(heads, params.out as Tensor), ov / Math.sqrt(nHeads * nChanVal * C)); // [N, P, C_out]
      if (params.bias) y = add(y, mul(params.bias as Tensor, bStd!));
      return reshape(transpose(y, [0, 2, 1]), [N, nChanOut, H, W]);
    },
    kernel(input) {
      const k = single(OP, 'input', input);
      if (k.spatial.length !== 2) {
        throw shapeError(OP, 'kernel', 'a kernel of images or sequences (inputs [N, C, H, W], a sequence as [N, C, 1, L])', `spatial [${k.spatial.join(', ')}]`);
      }
      refuseDiagonalSpatial(OP, k); // attention mixes all positions
      const b2 = bStd === null ? 0 : bStd * bStd;
      let mapped: Pick<Kernel, 'nngp' | 'ntk' | 'cov1' | 'cov2'>;
      if (linearScaling) mapped = linearScalingKernel(k, qk, ov * ov, b2, mechanism);
      else if (mechanism === 'identity') mapped = sqrtScalingIdentityKernel(k, (qk * ov) ** 2, b2);
      else {
        throw new TesseraError('value', OP, `the kernel of ${mechanism} attention with linearScaling false (1/√d_k) has no known closed form; ` +
          "supported: linearScaling true with any mechanism, or linearScaling false with 'identity'");
      }
      // the output is linear in the value/output weights given the (deterministic) attention: Gaussian
      return { ...k, channels: nChanOut, ...mapped, isGaussian: true };
    },
  };
}
