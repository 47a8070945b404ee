// Reverse-mode automatic differentiation over the graph of tape nodes that tape.apply records:
// `cotangents` walks the recorded nodes in reverse topological order and runs each node's VJP rule
// from the one gradient table (gradients.ts); backward, grad, valueAndGrad and vjp are built on it.
import { allocate, isFloat } from '../core/dtype.js';
import { dtypeError, shapeError, valueError } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import type { PrimitiveName, PrimitiveParams, VjpRule } from './primitive.js';
import { Tensor, type TapeNode } from './tensor.js';
import { checkFinite, isAnomalyDetectionEnabled } from './anomaly.js';
import { vjpRules } from './gradients.js';
import { inVjp, noGrad, stopGradient } from './tape.js';

/** Input cotangents of the node that produced `out`, from the output cotangent `g` (its primitive's rule). */
function runVjp(node: TapeNode, g: Tensor, out: Tensor): readonly (Tensor | null)[] {
  const rule = vjpRules[node.primitive as PrimitiveName] as VjpRule<PrimitiveName> | undefined;
  if (!rule) throw valueError('backward', 'tape node', 'a primitive with a VJP rule', node.primitive);
  return inVjp(node.primitive, () => rule(g, node.inputs, out, node.params as PrimitiveParams[PrimitiveName]));
}

/** Tensors reachable from `root` through recorded nodes, inputs before outputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) { order.push(t); continue; }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const input of t.node?.inputs ?? []) if (input.requiresGrad && !seen.has(input)) stack.push([input, false]);
  }
  return order;
}

/**
 * Cotangents of every tensor reachable from `root`, given the root's cotangent `seed`.
 * Returns the map from tensor to its accumulated cotangent.
 */
export function cotangents(root: Tensor, seed: Tensor): Map<Tensor, Tensor> {
  if (!shapesEqual(seed.shape, root.shape)) throw shapeError('backward', 'seed', `shape [${root.shape.join(', ')}]`, seed.shape);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const order = topologicalOrder(root);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g || !t.node) continue;
      const inputGrads = runVjp(t.node, g, t);
      if (isAnomalyDetectionEnabled()) inputGrads.forEach((gi) => gi && checkFinite(`${t.node!.primitive} (vjp)`, [g, ...t.node!.inputs], gi.data));
      t.node.inputs.forEach((input, j) => {
        const gi = inputGrads[j];
        if (!gi || !input.requiresGrad) return;
        if (!shapesEqual(gi.shape, input.shape)) {
          throw shapeError(`${t.node!.primitive} (vjp)`, `cotangent of input ${j}`, `shape [${input.shape.join(', ')}]`, gi.shape);
        }
        const prev = grads.get(input);
        grads.set(input, prev ? addSameShape(prev, gi) : gi);
      });
    }
  });
  return grads;
}

/** prev + g for tensors of equal shape and dtype (the accumulation step, kept free of primitives). */
function addSameShape(a: Tensor, b: Tensor): Tensor {
  const out = allocate(a.dtype, a.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i]! + b.data[i]!;
  return new Tensor(out, a.shape);
}

function onesLike(t: Tensor): Tensor {
  return new Tensor(allocate(t.dtype, t.size).fill(1), t.shape);
}

/**
 * Accumulate d(root)/d(leaf) into `leaf.grad` for every leaf that requires grad (torch's
 * `loss.backward()`): calling it again adds to the existing gradients (gradient accumulation).
 * `seed` defaults to ones (root must then be a scalar).
 */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) throw valueError('backward', 'root', 'a tensor that requires grad (computed from parameters)', 'a constant');
  if (!seed && root.size !== 1) throw shapeError('backward', 'root', 'a scalar (or pass a seed cotangent)', root.shape);
  const grads = cotangents(root, seed ?? onesLike(root));
  for (const [t, g] of grads) {
    if (t.node) continue;
    t.grad = t.grad ? addSameShape(t.grad, g) : g;
  }
}

/**
 * `valueAndGrad(f, argnums)(...args)` → [f(args), gradients of f w.r.t. args[argnums]] (jax.value_and_grad).
 * f must return a float scalar. Arguments are differentiated whether or not they require grad,
 * and their `.grad` fields are left untouched.
 */
export function valueAndGrad(f: (...args: Tensor[]) => Tensor, argnums?: readonly number[]) {
  return (...args: Tensor[]): [Tensor, Tensor[]] => {
    const which = argnums ?? args.map((_, i) => i);
    for (const i of which) {
      if (!args[i]) throw valueError('valueAndGrad', 'argnums', `indices of the ${args.length} arguments`, i);
      if (!isFloat(args[i]!.dtype)) throw dtypeError('valueAndGrad', `argument ${i}`, 'f32 or f64', args[i]!.dtype);
    }
    const leaves = args.map((a, i) => (which.includes(i) ? new Tensor(a.data, a.shape, { requiresGrad: true }) : a));
    const value = f(...leaves);
    if (!(value instanceof Tensor) || value.size !== 1 || !isFloat(value.dtype)) {
      throw valueError('valueAndGrad', 'f', 'a function returning a float scalar tensor', value instanceof Tensor ? `shape [${value.shape.join(', ')}] ${value.dtype}` : typeof value);
    }
    const grads = value.requiresGrad ? cotangents(value, onesLike(value)) : new Map<Tensor, Tensor>();
    const out = which.map((i) => grads.get(leaves[i]!) ?? new Tensor(allocate(args[i]!.dtype, args[i]!.size), args[i]!.shape));
    return [stopGradient(value), out];
  };
}

/** `grad(f, argnums)(...args)` → gradients only. */
export function grad(f: (...args: Tensor[]) => Tensor, argnums?: readonly number[]) {
  const vg = valueAndGrad(f, argnums);
  return (...args: Tensor[]): Tensor[] => vg(...args)[1];
}

/**
 * Vector-Jacobian product of an arbitrary-shaped output: returns f(args) and a function mapping a
 * cotangent of the output's shape to cotangents of every argument (jax.vjp).
 */
export function vjp(f: (...args: Tensor[]) => Tensor, ...args: Tensor[]): [Tensor, (g: Tensor) => Tensor[]] {
  const leaves = args.map((a) => (isFloat(a.dtype) ? new Tensor(a.data, a.shape, { requiresGrad: true }) : a));
  const out = f(...leaves);
  const pullback = (g: Tensor): Tensor[] => {
    const grads = out.requiresGrad ? cotangents(out, g) : new Map<Tensor, Tensor>();
    return leaves.map((l, i) => grads.get(l) ?? new Tensor(allocate(args[i]!.dtype, args[i]!.size), args[i]!.shape));
  };
  return [stopGradient(out), pullback];
}
