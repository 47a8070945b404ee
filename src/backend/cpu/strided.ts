// Row iteration over strided views: the building block of broadcasting, reductions and movement kernels.
import type { Shape } from '../../core/shape.js';

/**
 * Merge dimensions that every operand walks contiguously (and drop size-1 dimensions), so rows
 * get as long as possible: [128, 16, 28, 28] read against a per-channel [1, 16, 1, 1] operand
 * becomes [128, 16, 784].
 */
function collapse(shape: Shape, strides: readonly (readonly number[])[]): [number[], number[][]] {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, t) => st[t]![last] === s[i]! * d)) {
      dims[last]! *= d;
      strides.forEach((s, t) => (st[t]![last] = s[i]!));
    } else {
      dims.push(d);
      strides.forEach((s, t) => st[t]!.push(s[i]!));
    }
  }
  return [dims, st];
}

/**
 * Visit every row of `shape` in row-major order. `strides[t]` are operand t's element strides over
 * `shape`. `visit(offsets, len, inner)` gets each operand's offset at the row start (the array is
 * reused between calls: read it at once), the row length and each operand's stride along the row.
 * Dimensions are collapsed first, so rows are as long as the layout allows.
 */
export function forEachRow(shape: Shape, strides: readonly (readonly number[])[], visit: (offsets: number[], len: number, inner: number[]) => void): void {
  for (const d of shape) if (d === 0) return;
  const [dims, st] = collapse(shape, strides);
  const offsets = strides.map(() => 0);
  if (dims.length === 0) {
    visit(offsets, 1, strides.map(() => 0));
    return;
  }
  const rank = dims.length, len = dims[rank - 1]!;
  const inner = st.map((s) => s[rank - 1]!);
  if (rank === 1) {
    visit(offsets, len, inner);
    return;
  }
  const index = new Array<number>(rank - 1).fill(0);
  for (;;) {
    visit(offsets, len, inner);
    let d = rank - 2;
    for (; d >= 0; d--) {
      index[d]!++;
      for (let t = 0; t < st.length; t++) offsets[t]! += st[t]![d]!;
      if (index[d]! < dims[d]!) break;
      for (let t = 0; t < st.length; t++) offsets[t]! -= st[t]![d]! * dims[d]!;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}
