// A layer in the stax style (neural-tangents, jax.example_libraries.stax): one definition gives
//   init(key, inputShape) → { params, outputShape }   the finite network's parameters,
//   apply(params, x, { key }?) → y                    its forward pass (tensor ops, so autograd works; the key
//                                                     feeds stochastic layers such as dropout),
//   kernel(k) → k'                                    its infinite-width NNGP/NTK map (kernel.ts).
// Shapes are per example (no batch dim): [d] for vectors, [C, H, W] for images.
// After fanOut a flow carries several branches: arrays of shapes, tensors or kernels.
// Combinators here: serial, parallel, fanOut, identity; the fan-ins that merge branches are in fanIn.ts.
import { shapeError, valueError } from '../core/errors.js';
import type { FloatDType } from '../core/dtype.js';
import { foldIn, type Key } from '../core/random.js';
import type { Tensor } from '../tensor/index.js';
import type { Kernel } from './kernel.js';
import type { PositionStep } from '../backend/kernels.js';

export type Shape = readonly number[];
export interface ParamTree { readonly [name: string]: Tensor | ParamTree }
/** One branch, or several after fanOut / inside parallel. */
export type Flow<T> = T | readonly T[];

export interface InitOptions {
  /** Parameter dtype of the finite network (default f64). */
  readonly dtype?: FloatDType;
}

/** Options of a forward pass: the key that stochastic layers (dropout in train mode) draw from, as jax stax's rng. */
export interface ApplyOptions {
  readonly key?: Key;
}

export interface Layer {
  readonly name: string;
  init(key: Key, inputShape: Flow<Shape>, options?: InitOptions): { params: ParamTree; outputShape: Flow<Shape> };
  apply(params: ParamTree, x: Flow<Tensor>, options?: ApplyOptions): Flow<Tensor>;
  kernel(k: Flow<Kernel>): Flow<Kernel>;
  /**
   * The layer's kernel map as one step of the fused image pipeline (fused.ts), for an input kernel of this
   * shape; null when it has none for it (absent: never). Must equal `kernel` on full [P, P] image kernels.
   */
  readonly positionStep?: (k: KernelShape) => { step: PositionStep; out: KernelShape } | null;
  /** serial: its layers in order (fused.ts reads through them). */
  readonly layers?: readonly Layer[];
}

/** What a fused step needs of a kernel besides its numbers (kernel.ts Kernel). */
export interface KernelShape {
  readonly spatial: readonly number[];
  readonly channels: number;
  readonly isGaussian: boolean;
}

const isBranches = <T>(v: Flow<T>): v is readonly T[] => Array.isArray(v) && (v.length === 0 || typeof v[0] !== 'number');

/** The single branch of a flow, or an error naming the layer (e.g. a dense after fanOut without fanInSum). */
export function single<T>(layer: string, what: string, v: Flow<T>): T {
  if (isBranches(v)) throw shapeError(layer, what, 'a single branch (merge branches with fanInSum first)', `${v.length} branches`);
  return v as T;
}

/** The branches of a flow (several after fanOut), or an error naming the layer. */
export function branches<T>(layer: string, what: string, v: Flow<T>, count?: number): readonly T[] {
  if (!isBranches(v)) throw shapeError(layer, what, `${count ?? 'several'} branches (from fanOut)`, 'a single branch');
  if (count !== undefined && v.length !== count) throw shapeError(layer, what, `${count} branches`, `${v.length} branches`);
  return v;
}

/** A parameterless layer from a per-branch shape rule, tensor map and kernel map. */
export function elementwiseLayer(name: string, fns: { shape?: (s: Shape) => Shape; apply: (x: Tensor) => Tensor; kernel: (k: Kernel) => Kernel; positionStep?: Layer['positionStep'] }): Layer {
  return {
    name,
    ...(fns.positionStep ? { positionStep: fns.positionStep } : {}),
    init: (_key, inputShape) => ({ params: {}, outputShape: (fns.shape ?? ((s) => s))(single(name, 'input', inputShape)) }),
    apply: (_params, x) => fns.apply(single(name, 'input', x)),
    kernel: (k) => fns.kernel(single(name, 'input', k)),
  };
}

/** The identity: y = x, the kernel unchanged. */
export const identity = (): Layer => elementwiseLayer('identity', { apply: (x) => x, kernel: (k) => k });

/** The apply options of child i of a combinator: its key is foldIn(key, i). */
const childOptions = (o: ApplyOptions | undefined, i: number): ApplyOptions | undefined => (o?.key ? { key: foldIn(o.key, i) } : o);

/** Layers applied one after another; parameters under '0', '1', …; layer i initialised from foldIn(key, i). */
export function serial(...layers: Layer[]): Layer {
  if (layers.length === 0) throw valueError('serial', 'layers', 'at least one layer', 0);
  return {
    name: `serial(${layers.map((l) => l.name).join(', ')})`,
    layers,
    init(key, inputShape, options) {
      const params: Record<string, ParamTree> = {};
      let shape = inputShape;
      layers.forEach((l, i) => {
        const r = l.init(foldIn(key, i), shape, options);
        params[i] = r.params;
        shape = r.outputShape;
      });
      return { params, outputShape: shape };
    },
    apply: (params, x, o) => layers.reduce((h, l, i) => l.apply(params[i] as ParamTree, h, childOptions(o, i)), x),
    kernel: (k) => layers.reduce((h, l) => l.kernel(h), k),
  };
}

/** Branch i of the input goes through layers[i] (parameters under '0', '1', …). */
export function parallel(...layers: Layer[]): Layer {
  const name = `parallel(${layers.map((l) => l.name).join(', ')})`;
  return {
    name,
    init(key, inputShape, options) {
      const params: Record<string, ParamTree> = {};
      const shapes = branches(name, 'input', inputShape, layers.length).map((s, i) => {
        const r = layers[i]!.init(foldIn(key, i), s, options);
        params[i] = r.params;
        return single(name, `output of branch ${i}`, r.outputShape);
      });
      return { params, outputShape: shapes };
    },
    apply: (params, x, o) => branches(name, 'input', x, layers.length).map((xi, i) => single(name, 'branch output', layers[i]!.apply(params[i] as ParamTree, xi, childOptions(o, i)))),
    kernel: (k) => branches(name, 'input', k, layers.length).map((ki, i) => single(name, 'branch output', layers[i]!.kernel(ki))),
  };
}

/** n copies of the input (branches for parallel). */
export function fanOut(n: number): Layer {
  if (!Number.isInteger(n) || n < 1) throw valueError('fanOut', 'n', 'a positive integer', n);
  const copies = <T>(v: Flow<T>): T[] => Array.from({ length: n }, () => single('fanOut', 'input', v));
  return { name: `fanOut(${n})`, init: (_k, s) => ({ params: {}, outputShape: copies(s) }), apply: (_p, x) => copies(x), kernel: copies };
}
