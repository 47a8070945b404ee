// Movement primitives: reshape, transpose, broadcastTo, slice, pad and concat (VJPs in ../gradients.ts).
import { allocate } from '../../core/dtype.js';
import { dtypeError, rangeError, shapeError, valueError } from '../../core/errors.js';
import { broadcastShapes, checkShape, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../../core/shape.js';
import * as cpu from '../../backend/cpu/movement.js';
import { apply } from '../tape.js';
import type { Primitive } from '../primitive.js';
import type { Tensor } from '../tensor.js';
import { checkAxis } from './params.js';

export const reshapePrimitive: Primitive<'reshape'> = {
  name: 'reshape',
  infer: ([x], p) => {
    checkShape('reshape', 'shape', p.shape);
    if (sizeOf(p.shape) !== x!.size) throw shapeError('reshape', 'shape', `${x!.size} elements (from [${x!.shape.join(', ')}])`, p.shape);
    return { shape: p.shape, dtype: x!.dtype };
  },
  forward: ([x]) => x!.data, // a view: tensors are immutable, so storage is shared
};

/** Same elements, new shape; one dimension may be -1 (inferred). Shares storage. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = [...shape];
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    const known = s.reduce((p, d, i) => (i === infer ? p : p * d), 1);
    if (known === 0 || x.size % known !== 0) throw shapeError('reshape', 'shape', `a shape compatible with ${x.size} elements`, shape);
    s[infer] = x.size / known;
  }
  checkShape('reshape', 'shape', s);
  if (shapesEqual(s, x.shape)) return x;
  return apply(reshapePrimitive, [x], { shape: s });
}

export const transposePrimitive: Primitive<'transpose'> = {
  name: 'transpose',
  infer: ([x], p) => {
    const isPermutation = p.perm.length === x!.rank && p.perm.every((a) => Number.isInteger(a) && a >= 0 && a < x!.rank) && new Set(p.perm).size === x!.rank;
    if (!isPermutation) throw valueError('transpose', 'perm', `a permutation of the ${x!.rank} axes 0…${x!.rank - 1}`, p.perm);
    return { shape: p.perm.map((a) => x!.shape[a]!), dtype: x!.dtype };
  },
  forward: ([x], p, out) => {
    const data = allocate(out.dtype, x!.size);
    cpu.transpose(x!.data, x!.shape, p.perm, data);
    return data;
  },
};

/** Permute axes (default: reverse them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, x.rank)) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== p.length) throw valueError('transpose', 'perm', `a permutation of ${x.rank} axes`, perm);
  if (p.every((a, i) => a === i)) return x;
  return apply(transposePrimitive, [x], { perm: p });
}

export const broadcastToPrimitive: Primitive<'broadcastTo'> = {
  name: 'broadcastTo',
  infer: ([x], p) => {
    checkShape('broadcastTo', 'shape', p.shape);
    const s = broadcastShapes('broadcastTo', x!.shape, p.shape);
    if (!shapesEqual(s, p.shape)) throw shapeError('broadcastTo', 'shape', `a shape that [${x!.shape.join(', ')}] broadcasts to`, p.shape);
    return { shape: p.shape, dtype: x!.dtype };
  },
  forward: ([x], p, out) => {
    const data = allocate(out.dtype, sizeOf(p.shape));
    cpu.broadcastTo(x!.data, x!.shape, data, p.shape);
    return data;
  },
};

export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  return apply(broadcastToPrimitive, [x], { shape: [...shape] });
}

export const slicePrimitive: Primitive<'slice'> = {
  name: 'slice',
  infer: ([x], p) => {
    const ok = [p.starts, p.steps, p.shape].every((a) => a.length === x!.rank) && x!.shape.every((n, i) => {
      const [start, step, len] = [p.starts[i]!, p.steps[i]!, p.shape[i]!];
      // every taken index start + j·step (j < len) lies in [0, n)
      return Number.isInteger(start) && Number.isInteger(step) && Number.isInteger(len) && step >= 1 && len >= 0 && start >= 0 && start <= n &&
        (len === 0 || start + (len - 1) * step < n);
    });
    if (!ok) throw rangeError('slice', 'starts, steps, shape', `per-axis integers with steps ≥ 1 selecting inside [${x!.shape.join(', ')}]`, `[${p.starts.join(', ')}], [${p.steps.join(', ')}], [${p.shape.join(', ')}]`);
    return { shape: p.shape, dtype: x!.dtype };
  },
  forward: ([x], p, out) => {
    const data = allocate(out.dtype, sizeOf(p.shape));
    cpu.slice(x!.data, x!.shape, p.starts, p.steps, data, p.shape);
    return data;
  },
};

/**
 * x[starts[i] : ends[i] : steps[i]] along each axis (missing trailing axes are taken whole).
 * Negative starts/ends count from the end; ends are clamped like Python slices; steps ≥ 1.
 */
export function slice(x: Tensor, starts: readonly number[], ends?: readonly (number | undefined)[], steps?: readonly number[]): Tensor {
  if (starts.length > x.rank) throw rangeError('slice', 'starts', `at most ${x.rank} entries`, starts);
  const st: number[] = [], sp: number[] = [], shape: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    const n = x.shape[i]!;
    const step = steps?.[i] ?? 1;
    if (!Number.isInteger(step) || step < 1) throw rangeError('slice', `steps[${i}]`, 'a positive integer', step);
    const clamp = (v: number): number => Math.min(n, Math.max(0, v < 0 ? v + n : v));
    const start = clamp(starts[i] ?? 0), end = clamp(ends?.[i] ?? n);
    st.push(start);
    sp.push(step);
    shape.push(Math.max(0, Math.ceil((end - start) / step)));
  }
  if (shapesEqual(shape, x.shape)) return x;
  return apply(slicePrimitive, [x], { starts: st, steps: sp, shape });
}

export const padPrimitive: Primitive<'pad'> = {
  name: 'pad',
  infer: ([x], p) => {
    if (p.pads.length !== x!.rank) throw rangeError('pad', 'pads', `${x!.rank} [before, after] pairs (one per axis)`, p.pads.length);
    p.pads.forEach((q, i) => {
      if (!Array.isArray(q) || q.length !== 2 || !q.every((v) => Number.isInteger(v) && v >= 0)) throw rangeError('pad', `pads[${i}]`, 'non-negative integers', q);
    });
    if (typeof p.value !== 'number') throw valueError('pad', 'value', 'a number', typeof p.value);
    return { shape: x!.shape.map((d, i) => d + p.pads[i]![0] + p.pads[i]![1]), dtype: x!.dtype };
  },
  forward: ([x], p, out) => {
    const data = allocate(out.dtype, sizeOf(out.shape));
    cpu.pad(x!.data, x!.shape, p.pads, p.value, data, out.shape);
    return data;
  },
};

/** Pad with a constant; pads[i] = [before, after] for axis i (missing trailing axes unpadded). */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  if (pads.length > x.rank) throw rangeError('pad', 'pads', `at most ${x.rank} [before, after] pairs`, pads.length);
  const full = x.shape.map((_, i) => [pads[i]?.[0] ?? 0, pads[i]?.[1] ?? 0] as [number, number]);
  for (const [i, [b, a]] of full.entries()) {
    if (!Number.isInteger(b) || !Number.isInteger(a) || b < 0 || a < 0) throw rangeError('pad', `pads[${i}]`, 'non-negative integers', `[${b}, ${a}]`);
  }
  return apply(padPrimitive, [x], { pads: full, value });
}

export const concatPrimitive: Primitive<'concat'> = {
  name: 'concat',
  infer: (xs, p) => {
    if (xs.length === 0) throw valueError('concat', 'tensors', 'at least one tensor', 'none');
    const first = xs[0]!;
    checkAxis('concat', 'axis', p.axis, first.rank);
    xs.forEach((t, k) => {
      if (t.dtype !== first.dtype) throw dtypeError('concat', `tensors[${k}]`, first.dtype, t.dtype);
      if (t.rank !== first.rank || t.shape.some((d, i) => i !== p.axis && d !== first.shape[i])) {
        throw shapeError('concat', `tensors[${k}]`, `shape [${first.shape.map((d, i) => (i === p.axis ? '*' : d)).join(', ')}]`, t.shape);
      }
    });
    const shape = [...first.shape];
    shape[p.axis] = xs.reduce((s, t) => s + t.shape[p.axis]!, 0);
    return { shape, dtype: first.dtype };
  },
  forward: (xs, p, out) => {
    const data = allocate(out.dtype, sizeOf(out.shape));
    cpu.concat(xs.map((t) => t.data), xs.map((t) => t.shape), p.axis, data);
    return data;
  },
};

/** Join tensors along an existing axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw valueError('concat', 'tensors', 'at least one tensor', 'none');
  return apply(concatPrimitive, tensors, { axis: normalizeAxis('concat', axis, tensors[0]!.rank) });
}

/** Join tensors of equal shape along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw valueError('stack', 'tensors', 'at least one tensor', 'none');
  const rank = tensors[0]!.rank + 1;
  const a = normalizeAxis('stack', axis, rank);
  return concat(tensors.map((t) => reshape(t, [...t.shape.slice(0, a), 1, ...t.shape.slice(a)])), a);
}

/** Insert a size-1 axis. */
export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Remove size-1 axes (all of them, or those listed). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const list = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : (typeof axes === 'number' ? [axes] : axes).map((a) => normalizeAxis('squeeze', a, x.rank));
  for (const a of list) if (x.shape[a] !== 1) throw shapeError('squeeze', `axis ${a}`, 'size 1', x.shape[a]);
  return reshape(x, x.shape.filter((_, i) => !list.includes(i)));
}
