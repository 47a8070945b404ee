// A stax layer's finite network as a Module, so the training stack (train/, optim/, checkpoints) can
// train it: init(key, inputShape) draws the parameters, which become the module's parameters under
// dotted paths ("0.weight", "2.bias"); forward(x) is the layer's apply on them.
import type { Key } from '../core/random.js';
import { valueError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import { Module, type ForwardContext } from '../nn/index.js';
import { single, type InitOptions, type Layer, type ParamTree, type Shape } from './layer.js';

/** The leaves of a parameter tree with their dotted paths, in a fixed order. */
export function flattenParams(tree: ParamTree, prefix = ''): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  for (const [k, v] of Object.entries(tree)) {
    if (v instanceof Tensor) out.push([prefix + k, v]);
    else out.push(...flattenParams(v, `${prefix}${k}.`));
  }
  return out;
}

/** The same tree with its leaves replaced, in flattenParams order. */
export function unflattenParams(tree: ParamTree, leaves: readonly Tensor[]): ParamTree {
  let at = 0;
  const walk = (t: ParamTree): ParamTree => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v instanceof Tensor ? leaves[at++]! : walk(v)]));
  const out = walk(tree);
  if (at !== leaves.length) throw valueError('unflattenParams', 'leaves', `${at} tensors (one per parameter)`, leaves.length);
  return out;
}

export class StaxNetwork extends Module {
  readonly layer: Layer;
  readonly outputShape: Shape;
  private tree: ParamTree;

  constructor(layer: Layer, key: Key, inputShape: Shape, options: InitOptions = {}) {
    super();
    this.layer = layer;
    const { params, outputShape } = layer.init(key, inputShape, options);
    this.outputShape = single(layer.name, 'output shape', outputShape);
    const registered = flattenParams(params).map(([name, t]) => this.addParameter(name, t));
    this.tree = unflattenParams(params, registered);
  }

  /** The parameters as the layer's tree (the module's own leaf tensors). */
  paramTree(): ParamTree {
    return this.tree;
  }

  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    return single(this.layer.name, 'output', this.layer.apply(this.tree, x, ctx?.key ? { key: ctx.key } : undefined));
  }
}
