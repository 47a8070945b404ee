// Merging branches other than by their sum (fanInSum is in layer.ts), as neural-tangents' FanInProd and
// FanInConcat. Both assume, as there, that the branches are independent given the input (each ends in its
// own freshly initialised layer).
//   fanInProd:   y = Π_i y_i elementwise;  K = Π_i K_i,  Θ = Σ_i Θ_i · Π_{j≠i} K_j   (product rule)
//   fanInConcat: y = [y_1, …, y_m] along the features (vectors) or channels (images);
//                K = Σ_i (C_i / C)·K_i and Θ likewise, C = Σ_i C_i   (the channel-weighted average: exact for
//                the dense or conv layer that reads it, which averages over its input channels; a nonlinearity
//                right after it would see the average, as in neural-tangents)
import { shapeError } from '../core/errors.js';
import { concat, mul } from '../tensor/index.js';
import { positionsOf, type Kernel } from './kernel.js';
import { branches, type Layer, type Shape } from './layer.js';

/** Every branch kernel must describe the same inputs and positions as branch 0 (and, `sameChannels`, width). */
function checkKernels(name: string, ks: readonly Kernel[], sameChannels: boolean): void {
  const first = ks[0]!;
  ks.forEach((k, i) => {
    if (k.n1 !== first.n1 || k.n2 !== first.n2 || positionsOf(k) !== positionsOf(first) || (sameChannels && k.channels !== first.channels)) {
      throw shapeError(name, `branch ${i}`, `a kernel like branch 0 (${first.channels} channels, spatial [${first.spatial.join(', ')}])`, `${k.channels} channels, spatial [${k.spatial.join(', ')}]`);
    }
  });
}

function sameShapes(name: string, shapes: readonly Shape[], from: number): void {
  shapes.forEach((s, i) => {
    if (s.length !== shapes[0]!.length || s.some((v, j) => j >= from && v !== shapes[0]![j])) throw shapeError(name, `branch ${i}`, `shape [${shapes[0]!.join(', ')}] (branch 0)${from > 0 ? ' after the first axis' : ''}`, s);
  });
}

/** Elementwise product of the branches. */
export function fanInProd(): Layer {
  const name = 'fanInProd';
  return {
    name,
    init(_key, inputShape) {
      const shapes = branches(name, 'input', inputShape);
      sameShapes(name, shapes, 0);
      return { params: {}, outputShape: shapes[0]! };
    },
    apply: (_p, x) => branches(name, 'input', x).reduce((a, b) => mul(a, b)),
    kernel(k) {
      const ks = branches(name, 'input', k);
      checkKernels(name, ks, true);
      const prodOf = (pick: (k: Kernel) => Float64Array): Float64Array => {
        const out = Float64Array.from(pick(ks[0]!));
        for (const ki of ks.slice(1)) {
          const v = pick(ki);
          for (let i = 0; i < out.length; i++) out[i]! *= v[i]!;
        }
        return out;
      };
      const nngp = prodOf((x) => x.nngp), ntk = new Float64Array(nngp.length);
      for (let b = 0; b < ks.length; b++) {
        for (let i = 0; i < ntk.length; i++) {
          let term = ks[b]!.ntk[i]!;
          for (let c = 0; c < ks.length; c++) if (c !== b) term *= ks[c]!.nngp[i]!;
          ntk[i]! += term;
        }
      }
      const cov1 = prodOf((x) => x.cov1);
      return { ...ks[0]!, nngp, ntk, cov1, cov2: ks[0]!.cov2 === ks[0]!.cov1 ? cov1 : prodOf((x) => x.cov2) };
    },
  };
}

/** Concatenation of the branches along the features (vectors) or channels (images: [C, H, W], same H, W). */
export function fanInConcat(): Layer {
  const name = 'fanInConcat';
  return {
    name,
    init(_key, inputShape) {
      const shapes = branches(name, 'input', inputShape);
      sameShapes(name, shapes, 1);
      return { params: {}, outputShape: [shapes.reduce((c, s) => c + s[0]!, 0), ...shapes[0]!.slice(1)] };
    },
    apply: (_p, x) => concat([...branches(name, 'input', x)], 1),
    kernel(k) {
      const ks = branches(name, 'input', k);
      checkKernels(name, ks, false);
      const channels = ks.reduce((c, ki) => c + ki.channels, 0);
      const averageOf = (pick: (k: Kernel) => Float64Array): Float64Array => {
        const out = new Float64Array(pick(ks[0]!).length);
        for (const ki of ks) {
          const v = pick(ki), w = ki.channels / channels;
          for (let i = 0; i < out.length; i++) out[i]! += w * v[i]!;
        }
        return out;
      };
      const cov1 = averageOf((x) => x.cov1);
      return { ...ks[0]!, channels, nngp: averageOf((x) => x.nngp), ntk: averageOf((x) => x.ntk), cov1, cov2: ks[0]!.cov2 === ks[0]!.cov1 ? cov1 : averageOf((x) => x.cov2) };
    },
  };
}
