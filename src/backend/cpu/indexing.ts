// Index kernels: take (index-select), take-along-axis (gather), scatter-add. Indices are validated by the caller.
import type { TypedArray } from '../../core/dtype.js';
import type { Shape } from '../../core/shape.js';

const prod = (s: Shape, from: number, to = s.length): number => s.slice(from, to).reduce((p, d) => p * d, 1);

/** out [..x.shape[:axis], ..idx.shape, ..x.shape[axis+1:]] = x indexed along `axis` by every index. */
export function take(x: TypedArray, shape: Shape, indices: TypedArray, axis: number, out: TypedArray): void {
  const outer = prod(shape, 0, axis), inner = prod(shape, axis + 1), n = shape[axis]!, m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < m; t++) {
      const src = (o * n + indices[t]!) * inner;
      out.set(x.subarray(src, src + inner), (o * m + t) * inner);
    }
  }
}

/** The adjoint of take: out (shape `shape`, overwritten) accumulates g at the taken rows. */
export function takeBackward(g: TypedArray, shape: Shape, indices: TypedArray, axis: number, out: TypedArray): void {
  out.fill(0);
  const outer = prod(shape, 0, axis), inner = prod(shape, axis + 1), n = shape[axis]!, m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < m; t++) {
      const dst = (o * n + indices[t]!) * inner, src = (o * m + t) * inner;
      for (let i = 0; i < inner; i++) out[dst + i]! += g[src + i]!;
    }
  }
}

/**
 * Gather along `axis` (torch.gather): out[i0..ik] = x[i0..idx[i0..ik]..ik], out and idx share idxShape,
 * whose dimensions other than `axis` are at most x's.
 */
export function takeAlongAxis(x: TypedArray, shape: Shape, idx: TypedArray, idxShape: Shape, axis: number, out: TypedArray): void {
  forEachIndexPair(shape, idxShape, axis, idx, (xi, ii) => {
    out[ii] = x[xi]!;
  });
}

/** Scatter-add along `axis` (torch.scatter_add): out = x; out[..idx[i]..] += updates[i]. */
export function scatterAdd(x: TypedArray, shape: Shape, idx: TypedArray, idxShape: Shape, updates: TypedArray, axis: number, out: TypedArray): void {
  out.set(x);
  forEachIndexPair(shape, idxShape, axis, idx, (xi, ii) => {
    out[xi]! += updates[ii]!;
  });
}

/** For every position of the index tensor, the flat x position it addresses and its own flat position. */
function forEachIndexPair(shape: Shape, idxShape: Shape, axis: number, idx: TypedArray, visit: (xFlat: number, idxFlat: number) => void): void {
  const rank = idxShape.length;
  const xStrides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) { xStrides[d] = s; s *= shape[d]!; }
  const coord = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < idx.length; flat++) {
    let xi = 0;
    for (let d = 0; d < rank; d++) xi += (d === axis ? idx[flat]! : coord[d]!) * xStrides[d]!;
    visit(xi, flat);
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d]! < idxShape[d]!) break;
      coord[d] = 0;
    }
  }
}
