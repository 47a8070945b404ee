// Dense (fully connected) layer and its kernel map (neural-tangents stax.Dense, _src/stax/linear.py).
//
// 'ntk' parameterisation (default): W [out, in], b [out] ~ N(0, 1), y = (σ_w/√in)·x·Wᵀ + σ_b·b
//     K ← σ_w² K + σ_b²,  Θ ← K_new + σ_w² Θ
// 'standard': W ~ N(0, σ_w²/in), b ~ N(0, σ_b²), y = x·Wᵀ + b
//     Θ ← in·K + σ_w² Θ (+ 1 with a bias),  K ← σ_w² K + σ_b²
// bStd = null means no bias parameter at all; bStd = 0 is a bias initialised to zero — the same
// NNGP, but in the standard parameterisation its gradient adds 1 to the NTK.
import { shapeError, valueError } from '../core/errors.js';
import { split } from '../core/random.js';
import { add, matmul, mul, random } from '../tensor/index.js';
import type { Kernel } from './kernel.js';
import { positionsOf } from './kernel.js';
import { single, type Layer } from './layer.js';

export type Parameterization = 'ntk' | 'standard';

export interface DenseOptions {
  /** σ_w (default 1). */
  readonly wStd?: number;
  /** σ_b, or null for no bias (default null, as neural-tangents). */
  readonly bStd?: number | null;
  readonly parameterization?: Parameterization;
}

/** The dense kernel map on any kernel (per position pair: a bias is shared across positions); one pass over nngp and ntk. */
export function denseKernel(k: Kernel, o: { wStd: number; bStd: number | null; parameterization: Parameterization; outDim: number }): Kernel {
  const w2 = o.wStd * o.wStd, b2 = o.bStd === null ? 0 : o.bStd * o.bStd;
  const affine = (v: Float64Array): Float64Array => {
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = w2 * v[i]! + b2;
    return out;
  };
  const n = k.nngp.length, nngp = new Float64Array(n), ntk = new Float64Array(n);
  const K = k.nngp, T = k.ntk;
  if (o.parameterization === 'ntk') {
    for (let i = 0; i < n; i++) {
      const v = w2 * K[i]! + b2;
      nngp[i] = v;
      ntk[i] = v + w2 * T[i]!;
    }
  } else {
    const biasGrad = o.bStd === null ? 0 : 1, C = k.channels;
    for (let i = 0; i < n; i++) {
      nngp[i] = w2 * K[i]! + b2;
      ntk[i] = C * K[i]! + w2 * T[i]! + biasGrad;
    }
  }
  const cov1 = affine(k.cov1);
  return { ...k, channels: o.outDim, nngp, ntk, cov1, cov2: k.cov2 === k.cov1 ? cov1 : affine(k.cov2), isGaussian: true };
}

/** Dense(outDim) on vectors [d] → [outDim]. */
export function dense(outDim: number, options: DenseOptions = {}): Layer {
  const wStd = options.wStd ?? 1, bStd = options.bStd === undefined ? null : options.bStd;
  const parameterization = options.parameterization ?? 'ntk';
  if (!Number.isInteger(outDim) || outDim < 1) throw valueError('dense', 'outDim', 'a positive integer', outDim);
  if (!(Number.isFinite(wStd) && wStd >= 0)) throw valueError('dense', 'wStd', 'a finite number ≥ 0', wStd);
  if (bStd !== null && !(Number.isFinite(bStd) && bStd >= 0)) throw valueError('dense', 'bStd', 'a finite number ≥ 0 or null (no bias)', bStd);
  if (parameterization !== 'ntk' && parameterization !== 'standard') throw valueError('dense', 'parameterization', "'ntk' or 'standard'", parameterization);
  const name = `dense(${outDim}, wStd=${wStd}, bStd=${bStd}, ${parameterization})`;
  const flat = (s: readonly number[]): number => {
    if (s.length !== 1) throw shapeError('dense', 'input', 'vectors [d] (add flatten or globalAvgPool after convolutions)', s);
    return s[0]!;
  };
  return {
    name,
    init(key, inputShape, initOptions) {
      const inDim = flat(single('dense', 'input', inputShape));
      const dtype = initOptions?.dtype ?? 'f64';
      const [kw, kb] = split(key);
      const std = parameterization === 'ntk' ? 1 : wStd / Math.sqrt(inDim);
      const params: Record<string, ReturnType<typeof random.normal>> = { weight: random.normal(kw!, [outDim, inDim], { dtype, std }) };
      if (bStd !== null) params.bias = random.normal(kb!, [outDim], { dtype, std: parameterization === 'ntk' ? 1 : bStd });
      return { params, outputShape: [outDim] };
    },
    apply(params, input) {
      const x = single('dense', 'input', input);
      const W = params.weight as ReturnType<typeof random.normal>;
      if (x.rank !== 2 || x.shape[1] !== W.shape[1]) throw shapeError('dense', 'x', `[N, ${W.shape[1]}]`, x.shape);
      let y = matmul(x, W, { transB: true });
      if (parameterization === 'ntk') y = mul(y, wStd / Math.sqrt(W.shape[1]!));
      const b = params.bias as ReturnType<typeof random.normal> | undefined;
      if (b) y = add(y, parameterization === 'ntk' ? mul(b, bStd!) : b);
      return y;
    },
    kernel(input) {
      const k = single('dense', 'input', input);
      if (positionsOf(k) !== 1) throw shapeError('dense', 'kernel', 'a kernel of vectors (add flatten or globalAvgPool after convolutions)', `spatial [${k.spatial.join(', ')}]`);
      return denseKernel(k, { wStd, bStd, parameterization, outDim });
    },
  };
}
