// The fused image pipeline (kernels.ts PositionStep, positionPipeline) as its definition: the reference kernels of
// positions.ts and pairMaps.ts run step after step on whole [pairs, P, P] arrays, exactly as the layers do one by
// one (infinite/conv.ts, activations.ts, pooling.ts). The specification the native per-pair pipeline is tested against.
//   K⁰ = positionGram(x1, x2) [n1·n2, P, P], Θ⁰ = 0, cov⁰ = positionGram(x, x) [n, P, P] per set
//   each step maps (K, Θ) and the self-covariances cov (K only); the last (reduce) leaves [n1·n2] and [n].
import { valueError } from '../../core/errors.js';
import type { PositionPipelineOutputs, PositionPipelineParams, PositionStep } from '../kernels.js';
import { pairMap } from './pairMaps.js';
import { positionConv, positionGram, positionPool, positionReduce } from './positions.js';

/** The position diagonals [n, P] of n blocks [P, P]. */
function diagonals(cov: Float64Array, n: number, P: number): Float64Array {
  const out = new Float64Array(n * P);
  for (let i = 0; i < n; i++) for (let p = 0; p < P; p++) out[i * P + p] = cov[(i * P + p) * P + p]!;
  return out;
}

export function positionPipeline(steps: readonly PositionStep[], p: PositionPipelineParams, x1: Float64Array, x2: Float64Array, out: PositionPipelineOutputs): void {
  if (steps.at(-1)?.op !== 'reduce' || steps.slice(0, -1).some((s) => s.op === 'reduce')) {
    throw valueError('positionPipeline', 'steps', 'steps ending with the one reduce step', steps.map((s) => s.op).join(', '));
  }
  const { n1, channels: C } = p, n2 = p.same ? n1 : p.n2, pairs = n1 * n2;
  let P = p.positions;
  const gram = (a: Float64Array, b: Float64Array, na: number, nb: number, self: boolean) => {
    const o = new Float64Array(na * nb * P * P);
    positionGram({ n1: na, n2: nb, channels: C, positions: P, self }, a, b, o);
    return o;
  };
  let K = gram(x1, p.same ? x1 : x2, n1, n2, false), T = new Float64Array(K.length);
  let c1 = gram(x1, x1, n1, 1, true), c2 = p.same ? c1 : gram(x2, x2, n2, 1, true);
  for (const step of steps) {
    if (step.op === 'conv') {
      const Q = step.conv.outH * step.conv.outW;
      const conv = (src: Float64Array, blocks: number, shift: number, add: Float64Array | null) => {
        const o = new Float64Array(blocks * Q * Q);
        positionConv({ ...step.conv, blocks, shift }, src, add, o);
        return o;
      };
      const K2 = conv(K, pairs, step.conv.shift, null);
      T = conv(T, pairs, 0, K2);
      K = K2;
      c1 = conv(c1, n1, step.conv.shift, null);
      c2 = p.same ? c1 : conv(c2, n2, step.conv.shift, null);
      P = Q;
    } else if (step.op === 'map') {
      const v1 = diagonals(c1, n1, P), v2 = p.same ? v1 : diagonals(c2, n2, P);
      const K2 = new Float64Array(K.length), T2 = new Float64Array(T.length);
      pairMap(step.map, { n1, n2, positions: P, self: false, diagonal: false }, K, T, v1, v2, K2, T2);
      K = K2, T = T2;
      const self = (cov: Float64Array, v: Float64Array, n: number) => {
        const o = new Float64Array(cov.length);
        pairMap(step.map, { n1: n, n2: 1, positions: P, self: true, diagonal: false }, cov, null, v, v, o, null);
        return o;
      };
      c1 = self(c1, v1, n1);
      c2 = p.same ? c1 : self(c2, v2, n2);
    } else if (step.op === 'pool') {
      const Q = step.pool.outH * step.pool.outW;
      const pool = (src: Float64Array, blocks: number) => {
        const o = new Float64Array(blocks * Q * Q);
        positionPool({ ...step.pool, blocks }, src, o);
        return o;
      };
      K = pool(K, pairs), T = pool(T, pairs), c1 = pool(c1, n1), c2 = p.same ? c1 : pool(c2, n2);
      P = Q;
    } else {
      positionReduce(pairs, P, step.diagonalOnly, K, out.nngp);
      positionReduce(pairs, P, step.diagonalOnly, T, out.ntk);
      positionReduce(n1, P, step.diagonalOnly, c1, out.cov1);
      if (!p.same) positionReduce(n2, P, step.diagonalOnly, c2, out.cov2);
      return;
    }
  }
}
