// Kernels of finite networks: the empirical NNGP and NTK of one parameter draw, and their Monte-Carlo
// averages over draws (neural-tangents empirical_kernel_fn / monte_carlo_kernel_fn).
//   empirical NNGP: f(x1)·f(x2)ᵀ / O                   (averaged over the O outputs)
//   empirical NTK:  (1/O) Σ_o J_o(x1)·J_o(x2)ᵀ,  J_o = ∂f_o/∂θ by reverse-mode autograd (one pullback per
//                   input and output); `outputs: 'full'` keeps every output pair, J_o(x1)·J_o′(x2)ᵀ
//                   [n1, n2, O, O], and 'diagonal' the pairs o = o′ [n1, n2, O] (neural-tangents'
//                   trace_axes = () and diagonal_axes = (-1,); the default 'trace' is trace_axes = (-1,), averaged)
// As the widths grow they converge to kernelFn's NNGP and NTK (Lee et al. 2019, Jacot et al. 2018).
// `key` feeds stochastic layers (dropout in train mode): one forward pass per set of inputs, so an input
// meets the same mask in both factors; x1 and x2 (when distinct) get independent keys, as neural-tangents
// splits the rng between them. Monte Carlo draws the forward key of draw s as foldIn(init key, 2³¹ − 1).
import { valueError } from '../core/errors.js';
import { foldIn, type Key } from '../core/random.js';
import { concat, noGrad, Tensor, vjp } from '../tensor/index.js';
import { single, type Layer, type ParamTree, type Shape } from './layer.js';
import { flattenParams, unflattenParams } from './network.js';

export interface EmpiricalKernel {
  readonly n1: number;
  readonly n2: number;
  /** [n1, n2] row-major. */
  readonly nngp: Float64Array;
  /** [n1, n2] (outputs traced), [n1, n2, O] (diagonal) or [n1, n2, O, O] (full). */
  readonly ntk: Float64Array;
}

const asF64 = (x: Tensor): Tensor => (x.dtype === 'f64' ? x : new Tensor(Float64Array.from(x.data), x.shape));

function outputRows(layer: Layer, params: ParamTree, x: Tensor, key?: Key): Tensor {
  const y = single(layer.name, 'output', layer.apply(params, x, key ? { key } : undefined));
  if (y.rank !== 2) throw valueError('empiricalKernel', 'network output', 'vectors [N, O] (end with flatten or globalAvgPool)', `shape [${y.shape.join(', ')}]`);
  return y;
}

/** The empirical NNGP of one draw: f(x1)·f(x2)ᵀ / O. */
export function empiricalNngp(layer: Layer, params: ParamTree, x1: Tensor, x2: Tensor = x1, options: { key?: Key } = {}): EmpiricalKernel {
  return noGrad(() => {
    const k = options.key, distinct = x2 !== x1;
    const f1 = outputRows(layer, params, x1, k && distinct ? foldIn(k, 1) : k), f2 = distinct ? outputRows(layer, params, x2, k && foldIn(k, 2)) : f1;
    const n1 = f1.shape[0]!, n2 = f2.shape[0]!, O = f1.shape[1]!;
    const nngp = new Float64Array(n1 * n2);
    for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += f1.data[i * O + o]! * f2.data[j * O + o]!;
      nngp[i * n2 + j] = s / O;
    }
    return { n1, n2, nngp, ntk: new Float64Array(0) };
  });
}

/** The empirical NTK of one draw through autograd: Jacobian rows of every (input, output), then J1·J2ᵀ / O (see the header for `outputs`). */
export function empiricalNtk(layer: Layer, params: ParamTree, x1: Tensor, x2: Tensor = x1, options: { outputs?: 'trace' | 'diagonal' | 'full'; key?: Key } = {}): EmpiricalKernel {
  const mode = options.outputs ?? 'trace';
  if (mode !== 'trace' && mode !== 'diagonal' && mode !== 'full') throw valueError('empiricalNtk', 'outputs', "'trace', 'diagonal' or 'full'", mode);
  const leaves = flattenParams(params).map(([, t]) => t);
  const X = x2 === x1 ? x1 : concat([x1, x2], 0);
  const [y, pullback] = vjp((...ps: Tensor[]) => outputRows(layer, unflattenParams(params, ps), X, options.key), ...leaves);
  const N = y.shape[0]!, O = y.shape[1]!, n1 = x1.shape[0]!, n2 = x2 === x1 ? n1 : x2.shape[0]!;
  const size = leaves.reduce((s, t) => s + t.size, 0);
  const J = new Float64Array(N * O * size); // row (i, o) = ∂f_o(x_i)/∂θ
  for (let i = 0; i < N; i++) {
    for (let o = 0; o < O; o++) {
      const seed = new Float64Array(N * O);
      seed[i * O + o] = 1;
      let at = (i * O + o) * size;
      for (const g of pullback(new Tensor(y.dtype === 'f64' ? seed : Float32Array.from(seed), [N, O]))) {
        J.set(g.data, at);
        at += g.size;
      }
    }
  }
  const off2 = x2 === x1 ? 0 : n1;
  const dot = (i: number, o: number, j: number, p: number) => {
    const a = (i * O + o) * size, b = ((off2 + j) * O + p) * size;
    let s = 0;
    for (let q = 0; q < size; q++) s += J[a + q]! * J[b + q]!;
    return s;
  };
  const per = mode === 'trace' ? 1 : mode === 'diagonal' ? O : O * O;
  const ntk = new Float64Array(n1 * n2 * per);
  for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) {
    const at = (i * n2 + j) * per;
    if (mode === 'trace') {
      let s = 0;
      for (let o = 0; o < O; o++) s += dot(i, o, j, o);
      ntk[at] = s / O;
    } else if (mode === 'diagonal') {
      for (let o = 0; o < O; o++) ntk[at + o] = dot(i, o, j, o);
    } else {
      for (let o = 0; o < O; o++) for (let p = 0; p < O; p++) ntk[at + o * O + p] = dot(i, o, j, p);
    }
  }
  return { n1, n2, nngp: new Float64Array(0), ntk };
}

export interface MonteCarloKernel extends EmpiricalKernel {
  /** Standard errors of the means over draws, [n1, n2] (NaN for one draw). */
  readonly nngpStdErr: Float64Array;
  readonly ntkStdErr: Float64Array;
  readonly samples: number;
}

/**
 * Means (and standard errors) of the empirical NNGP and NTK over `samples` parameter draws, draw s
 * initialised from foldIn(key, s). `get` skips the NTK (its Jacobians are the expensive part) or the NNGP.
 */
export function monteCarloKernel(layer: Layer, o: {
  x1: Tensor; x2?: Tensor; inputShape: Shape; key: Key; samples: number; get?: 'nngp' | 'ntk' | 'both'; onSample?: (s: number) => void;
}): MonteCarloKernel {
  const get = o.get ?? 'both';
  if (!Number.isInteger(o.samples) || o.samples < 1) throw valueError('monteCarloKernel', 'samples', 'a positive integer', o.samples);
  const x1 = asF64(o.x1), x2 = o.x2 ? asF64(o.x2) : x1;
  const n1 = x1.shape[0]!, n2 = x2.shape[0]!;
  const acc = { nngp: [new Float64Array(n1 * n2), new Float64Array(n1 * n2)], ntk: [new Float64Array(n1 * n2), new Float64Array(n1 * n2)] };
  const add = (which: 'nngp' | 'ntk', v: Float64Array): void => {
    const [s, s2] = acc[which];
    for (let i = 0; i < v.length; i++) {
      s![i]! += v[i]!;
      s2![i]! += v[i]! * v[i]!;
    }
  };
  for (let s = 0; s < o.samples; s++) {
    const initKey = foldIn(o.key, s), forwardKey = foldIn(initKey, 0x7fffffff);
    const { params } = layer.init(initKey, o.inputShape, { dtype: 'f64' });
    if (get !== 'ntk') add('nngp', empiricalNngp(layer, params, x1, x2, { key: forwardKey }).nngp);
    if (get !== 'nngp') add('ntk', empiricalNtk(layer, params, x1, x2, { key: forwardKey }).ntk);
    o.onSample?.(s);
  }
  const S = o.samples;
  const finish = (which: 'nngp' | 'ntk'): [Float64Array, Float64Array] => {
    const [s, s2] = acc[which];
    const mean = s!.map((v) => v / S);
    const se = s2!.map((v, i) => (S > 1 ? Math.sqrt(Math.max(v / S - mean[i]! ** 2, 0) * S / (S - 1) / S) : NaN));
    return [mean, se];
  };
  const [nngp, nngpStdErr] = finish('nngp'), [ntk, ntkStdErr] = finish('ntk');
  return { n1, n2, nngp, ntk, nngpStdErr, ntkStdErr, samples: S };
}
