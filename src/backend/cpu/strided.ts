// Row iteration over strided views: the building block of broadcasting, reductions and movement kernels.
import type { Shape } from '../../core/shape.js';

/**
 * Visit every row (all indices of `shape` but the last) in row-major order.
 * `strides[t]` are the element strides of operand t over `shape`; `visit` receives each operand's
 * offset at the row start, and loops over the last dimension itself using the last stride.
 * A scalar shape [] is visited once.
 */
export function forEachRow(shape: Shape, strides: readonly (readonly number[])[], visit: (offsets: number[]) => void): void {
  const rank = shape.length;
  const offsets = strides.map(() => 0);
  if (rank <= 1) {
    visit(offsets);
    return;
  }
  for (const d of shape) if (d === 0) return;
  const index = new Array<number>(rank - 1).fill(0);
  for (;;) {
    visit(offsets.slice());
    let d = rank - 2;
    for (; d >= 0; d--) {
      index[d]!++;
      for (let t = 0; t < strides.length; t++) offsets[t]! += strides[t]![d]!;
      if (index[d]! < shape[d]!) break;
      for (let t = 0; t < strides.length; t++) offsets[t]! -= strides[t]![d]! * shape[d]!;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Length and per-operand stride of the last dimension (1 and 0 for scalars). */
export function innerLoop(shape: Shape, strides: readonly (readonly number[])[]): [number, number[]] {
  if (shape.length === 0) return [1, strides.map(() => 0)];
  const last = shape.length - 1;
  return [shape[last]!, strides.map((s) => s[last]!)];
}
