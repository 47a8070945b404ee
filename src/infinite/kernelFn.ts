// The infinite-width kernels of a layer between two sets of inputs, computed in blocks of rows so that
// memory is bounded by the output (n1·n2 per matrix) plus one block's intermediates, as nt.batch does.
// With x2 omitted — or equal to x1 to 1e-12 in every entry, as neural-tangents' utils.x1_is_x2 decides — only the
// blocks on and above the diagonal are computed and mirrored, and layers see one set of inputs (dropout's shared
// masks on the diagonal).
//
//   kernelFn(layer, x1, x2?) → { nngp [n1, n2], ntk [n1, n2], nngpDiag1 [n1], nngpDiag2 [n2] }
//
// The layer's output must be flat (vectors: end convolutions with flatten or globalAvgPool).
import { shapeError, valueError } from '../core/errors.js';
import type { Tensor } from '../tensor/index.js';
import { inputKernel, positionsOf, sliceInputs, toInputs, type Inputs, type Kernel } from './kernel.js';
import { single, type Layer } from './layer.js';
import { fusedLayerKernel } from './fused.js';

export interface KernelMatrices {
  readonly n1: number;
  readonly n2: number;
  /** NNGP K(x1_i, x2_j), row-major [n1, n2]. */
  readonly nngp: Float64Array;
  /** NTK Θ(x1_i, x2_j), row-major [n1, n2]. */
  readonly ntk: Float64Array;
  /** K(x1_i, x1_i) [n1] and K(x2_j, x2_j) [n2]. */
  readonly nngpDiag1: Float64Array;
  readonly nngpDiag2: Float64Array;
}

export interface KernelFnOptions {
  /** Rows per block (default 512): the peak extra memory is a few blocks² of float64 per layer. */
  readonly batchSize?: number;
  /**
   * Track only the position diagonals K[p, p] of image kernels (neural-tangents' diagonal_spatial; kernel.ts): O(P)
   * instead of O(P²) per pair, the same result for networks that only flatten (conv, nonlinearities, layerNorm,
   * dropout, fan-ins, flatten); a pooling layer refuses. Default false. (neural-tangents infers it from the layers'
   * requirements; here it is asked for.)
   */
  readonly diagonalSpatial?: boolean;
  /**
   * Run the image layers up to their reduction (globalAvgPool / flatten) as one fused per-pair pipeline when they
   * all have a pipeline step (fused.ts: convs, abRelu/erf, poolings; full spatial covariance only). Default true;
   * false: layer by layer (the same kernel up to rounding).
   */
  readonly fused?: boolean;
  /** Called after each block with (blocks done, blocks in total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export type InputsLike = Tensor | readonly unknown[] | Inputs;

const asInputs = (arg: string, x: InputsLike): Inputs =>
  (typeof x === 'object' && x !== null && 'shape' in x && 'data' in x && x.data instanceof Float64Array && !('rank' in x) ? x as Inputs : toInputs('kernelFn', arg, x as Tensor | readonly unknown[]));

/** The kernel of one block of inputs (x2b = null: the block against itself). */
export function blockKernel(layer: Layer, x1: Inputs, x2: Inputs | null, options: { diagonalSpatial?: boolean; fused?: boolean } = {}): Kernel {
  const fused = options.diagonalSpatial || options.fused === false ? null : fusedLayerKernel(layer, x1, x2);
  const out = single(layer.name, 'output', fused ?? layer.kernel(inputKernel(x1, x2, options)));
  if (positionsOf(out) !== 1) {
    throw shapeError('kernelFn', 'layer output', 'vectors (end the network with flatten or globalAvgPool)', `spatial [${out.spatial.join(', ')}]`);
  }
  return out;
}

const TILE = 64;

/** out[(j0 + j)·width + i0 + i] = block[i·nj + j] for the block [ni, nj], in TILE×TILE tiles (reads and writes stay in cache). */
function mirrorBlock(block: Float64Array, ni: number, nj: number, out: Float64Array, width: number, i0: number, j0: number): void {
  for (let jt = 0; jt < nj; jt += TILE) {
    const jEnd = Math.min(jt + TILE, nj);
    for (let it = 0; it < ni; it += TILE) {
      const iEnd = Math.min(it + TILE, ni);
      for (let j = jt; j < jEnd; j++) {
        const row = (j0 + j) * width + i0;
        for (let i = it; i < iEnd; i++) out[row + i] = block[i * nj + j]!;
      }
    }
  }
}

/** x1 and x2 are the same inputs: equal shapes and every entry within 1e-12 (neural-tangents' utils.x1_is_x2). */
function sameInputs(a: Inputs, b: Inputs): boolean {
  if (a === b) return true;
  if (a.shape.length !== b.shape.length || a.shape.some((v, i) => v !== b.shape[i])) return false;
  for (let i = 0; i < a.data.length; i++) if (!(Math.abs(a.data[i]! - b.data[i]!) < 1e-12)) return false;
  return true;
}

export function kernelFn(layer: Layer, x1In: InputsLike, x2In?: InputsLike | null, options: KernelFnOptions = {}): KernelMatrices {
  const x1 = asInputs('x1', x1In);
  const x2Given = x2In === undefined || x2In === null ? null : asInputs('x2', x2In);
  const x2 = x2Given !== null && sameInputs(x1, x2Given) ? null : x2Given;
  if (x2 !== null && (x2.shape.length !== x1.shape.length || x2.shape.some((v, i) => i > 0 && v !== x1.shape[i]))) {
    throw shapeError('kernelFn', 'x2', `inputs [N, ${x1.shape.slice(1).join(', ')}] (the per-example shape of x1)`, x2.shape);
  }
  const batch = options.batchSize ?? 512;
  if (!Number.isInteger(batch) || batch < 1) throw valueError('kernelFn', 'batchSize', 'a positive integer', batch);
  const n1 = x1.shape[0]!, n2 = x2 === null ? n1 : x2.shape[0]!;
  const nngp = new Float64Array(n1 * n2), ntk = new Float64Array(n1 * n2);
  const nngpDiag1 = new Float64Array(n1);
  const nngpDiag2 = x2 === null ? nngpDiag1 : new Float64Array(n2);
  const blocks1 = Math.ceil(n1 / batch), blocks2 = Math.ceil(n2 / batch);
  const total = x2 === null ? (blocks1 * (blocks1 + 1)) / 2 : blocks1 * blocks2;
  let done = 0;
  for (let bi = 0; bi < blocks1; bi++) {
    const i0 = bi * batch, ni = Math.min(batch, n1 - i0);
    const a = sliceInputs(x1, i0, ni);
    for (let bj = x2 === null ? bi : 0; bj < blocks2; bj++) {
      const j0 = bj * batch, nj = Math.min(batch, n2 - j0);
      const sameBlock = x2 === null && bi === bj;
      const k = blockKernel(layer, a, sameBlock ? null : sliceInputs(x2 ?? x1, j0, nj), { diagonalSpatial: options.diagonalSpatial ?? false, fused: options.fused ?? true });
      for (let i = 0; i < ni; i++) {
        nngp.set(k.nngp.subarray(i * nj, (i + 1) * nj), (i0 + i) * n2 + j0);
        ntk.set(k.ntk.subarray(i * nj, (i + 1) * nj), (i0 + i) * n2 + j0);
      }
      if (x2 === null && !sameBlock) {
        mirrorBlock(k.nngp, ni, nj, nngp, n2, i0, j0);
        mirrorBlock(k.ntk, ni, nj, ntk, n2, i0, j0);
      }
      if (bj === 0 || sameBlock) nngpDiag1.set(k.cov1, i0);
      if (x2 !== null && bi === 0) nngpDiag2.set(k.cov2, j0);
      options.onProgress?.(++done, total);
    }
  }
  return { n1, n2, nngp, ntk, nngpDiag1, nngpDiag2 };
}
