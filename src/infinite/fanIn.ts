// Merging branches, as neural-tangents' FanInSum, FanInProd and FanInConcat. All assume, as there, that the
// branches are independent given the input (each ends in its own freshly initialised layer, or one is the
// identity).
//   fanInSum:    y = Σ_i y_i;            K = Σ_i K_i,  Θ = Σ_i Θ_i
//   fanInProd:   y = Π_i y_i elementwise; K = Π_i K_i,  Θ = Σ_i Θ_i · Π_{j≠i} K_j   (product rule)
//   fanInConcat: y = [y_1, …, y_m] along the features (vectors) or channels (images);
//                K = Σ_i (C_i / C)·K_i and Θ likewise, C = Σ_i C_i   (the channel-weighted average: exact for
//                the dense or conv layer that reads it, which averages over its input channels; a nonlinearity
//                right after it would see the average, as in neural-tangents)
// The merged representation is Gaussian (kernel.ts) when every summed or concatenated branch is; a product never is.
import { shapeError } from '../core/errors.js';
import { add, concat, mul } from '../tensor/index.js';
import { positionsOf, type Kernel } from './kernel.js';
import { branches, type Layer, type Shape } from './layer.js';

/** Every branch kernel must describe the same inputs and positions as branch 0 (and, `sameChannels`, width). */
function checkKernels(name: string, ks: readonly Kernel[], sameChannels: boolean): void {
  const first = ks[0]!;
  ks.forEach((k, i) => {
    if (k.n1 !== first.n1 || k.n2 !== first.n2 || positionsOf(k) !== positionsOf(first) || k.diagonalSpatial !== first.diagonalSpatial || (sameChannels && k.channels !== first.channels)) {
      throw shapeError(name, `branch ${i}`, `a kernel like branch 0 (${first.channels} channels, spatial [${first.spatial.join(', ')}])`, `${k.channels} channels, spatial [${k.spatial.join(', ')}]`);
    }
  });
}

/** Every branch shape must equal branch 0's from axis `from` on. */
function sameShapes(name: string, shapes: readonly Shape[], from: number): void {
  shapes.forEach((s, i) => {
    if (s.length !== shapes[0]!.length || s.some((v, j) => j >= from && v !== shapes[0]![j])) throw shapeError(name, `branch ${i}`, `shape [${shapes[0]!.join(', ')}] (branch 0)${from > 0 ? ' after the first axis' : ''}`, s);
  });
}

type Pick = (k: Kernel) => Float64Array;

/** The entries of the picked array folded over the branches with `op`, starting from branch 0's. */
function fold(ks: readonly Kernel[], pick: Pick, op: (a: number, b: number) => number): Float64Array {
  const out = Float64Array.from(pick(ks[0]!));
  for (const k of ks.slice(1)) {
    const v = pick(k);
    for (let i = 0; i < out.length; i++) out[i] = op(out[i]!, v[i]!);
  }
  return out;
}

/** Branch 0's kernel with nngp and the self-covariances from `combine` (cov2 shared when the input sets are one), and `ntk`. */
function merged(ks: readonly Kernel[], combine: (pick: Pick) => Float64Array, ntk: Float64Array, extra: Partial<Kernel> = {}): Kernel {
  const first = ks[0]!, cov1 = combine((k) => k.cov1);
  return { ...first, ...extra, nngp: combine((k) => k.nngp), ntk, cov1, cov2: first.cov2 === first.cov1 ? cov1 : combine((k) => k.cov2) };
}

/** A parameterless fan-in: the shape rule, the tensor merge and the kernel merge of already checked branches. */
function fanIn(name: string, o: { shapeFrom: number; outputShape: (shapes: readonly Shape[]) => Shape; apply: Layer['apply']; sameChannels: boolean; kernel: (ks: readonly Kernel[]) => Kernel }): Layer {
  return {
    name,
    init(_key, inputShape) {
      const shapes = branches(name, 'input', inputShape);
      sameShapes(name, shapes, o.shapeFrom);
      return { params: {}, outputShape: o.outputShape(shapes) };
    },
    apply: o.apply,
    kernel(k) {
      const ks = branches(name, 'input', k);
      checkKernels(name, ks, o.sameChannels);
      return o.kernel(ks);
    },
  };
}

/** The sum of the branches. */
export function fanInSum(): Layer {
  const sumOf = (ks: readonly Kernel[]) => (pick: Pick) => fold(ks, pick, (a, b) => a + b);
  return fanIn('fanInSum', {
    shapeFrom: 0, outputShape: (shapes) => shapes[0]!, sameChannels: true,
    apply: (_p, x) => branches('fanInSum', 'input', x).reduce((a, b) => add(a, b)),
    kernel: (ks) => merged(ks, sumOf(ks), sumOf(ks)((k) => k.ntk), { isGaussian: ks.every((k) => k.isGaussian) }),
  });
}

/** Elementwise product of the branches. */
export function fanInProd(): Layer {
  return fanIn('fanInProd', {
    shapeFrom: 0, outputShape: (shapes) => shapes[0]!, sameChannels: true,
    apply: (_p, x) => branches('fanInProd', 'input', x).reduce((a, b) => mul(a, b)),
    kernel(ks) {
      const ntk = new Float64Array(ks[0]!.ntk.length);
      for (let b = 0; b < ks.length; b++) {
        for (let i = 0; i < ntk.length; i++) {
          let term = ks[b]!.ntk[i]!;
          for (let c = 0; c < ks.length; c++) if (c !== b) term *= ks[c]!.nngp[i]!;
          ntk[i]! += term;
        }
      }
      return merged(ks, (pick) => fold(ks, pick, (a, b) => a * b), ntk, { isGaussian: false });
    },
  });
}

/** Concatenation of the branches along the features (vectors) or channels (images: [C, H, W], same H, W). */
export function fanInConcat(): Layer {
  return fanIn('fanInConcat', {
    shapeFrom: 1, outputShape: (shapes) => [shapes.reduce((c, s) => c + s[0]!, 0), ...shapes[0]!.slice(1)], sameChannels: false,
    apply: (_p, x) => concat([...branches('fanInConcat', 'input', x)], 1),
    kernel(ks) {
      const channels = ks.reduce((c, k) => c + k.channels, 0);
      const averageOf = (pick: Pick): Float64Array => {
        const out = new Float64Array(pick(ks[0]!).length);
        for (const k of ks) {
          const v = pick(k), w = k.channels / channels;
          for (let i = 0; i < out.length; i++) out[i]! += w * v[i]!;
        }
        return out;
      };
      return merged(ks, averageOf, averageOf((k) => k.ntk), { channels, isGaussian: ks.every((k) => k.isGaussian) });
    },
  });
}
