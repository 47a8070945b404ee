// The fused image kernel: when a network's layers, from its image inputs on, are convs, closed-form
// nonlinearities (abRelu family, erf) and poolings ending in globalAvgPool or flatten, that prefix runs as one
// backend positionPipeline call (a small program of PositionSteps, kernels.ts) per block of inputs: each pair's
// [P, P] blocks go from the input Gram to one number without [pairs, P, P] arrays between the layers. The layers
// after it (dense, …) then take the reduced kernel as usual. The result equals the layer-by-layer kernel
// (layer.kernel(inputKernel(…))) up to rounding; any other layer before the reduction (attention, layerNorm,
// quadrature activations, fan-ins) or diagonalSpatial kernels keep the layer-by-layer path.
//
//   plan(layer, input) → { steps, reduced (shape after the reduce), rest (the layers after it) } | null
//   fusedKernel(plan, x1, x2 | null) → Kernel { spatial [], nngp/ntk [n1, n2], cov1 [n1], cov2 [n2] }
import { getBackend } from '../backend/registry.js';
import type { PositionStep } from '../backend/kernels.js';
import type { Inputs, Kernel } from './kernel.js';
import type { Flow, KernelShape, Layer } from './layer.js';

export interface FusedPlan {
  readonly steps: readonly PositionStep[];
  /** The kernel's shape after the reduction. */
  readonly reduced: KernelShape;
  /** The layers after the reduction, in order. */
  readonly rest: readonly Layer[];
}

/** The serial layers of a layer, nested serials read through. */
function sequence(layer: Layer): Layer[] {
  return layer.layers ? layer.layers.flatMap(sequence) : [layer];
}

/** The fusable prefix of the layer on images of the given input shape, or null (see the header). */
export function fusedPlan(layer: Layer, input: KernelShape): FusedPlan | null {
  if (input.spatial.length !== 2 || input.spatial[0]! * input.spatial[1]! < 2) return null;
  const layers = sequence(layer), steps: PositionStep[] = [];
  let shape = input;
  for (let i = 0; i < layers.length; i++) {
    const fused = layers[i]!.positionStep?.(shape) ?? null;
    if (fused === null) return null;
    steps.push(fused.step);
    shape = fused.out;
    if (fused.step.op === 'reduce') return { steps, reduced: shape, rest: layers.slice(i + 1) };
  }
  return null;
}

/** The kernel after the plan's reduction for x1 against x2 (null: x1 against itself), on the backend's pipeline. */
export function fusedKernel(plan: FusedPlan, x1: Inputs, x2: Inputs | null): Kernel {
  const backend = getBackend();
  const n1 = x1.shape[0]!, n2 = x2 === null ? n1 : x2.shape[0]!, C = x1.shape[1]!, P = x1.shape[2]! * x1.shape[3]!;
  const nngp = new Float64Array(n1 * n2), ntk = new Float64Array(n1 * n2), cov1 = new Float64Array(n1);
  const cov2 = x2 === null ? cov1 : new Float64Array(n2);
  backend.positionPipeline(plan.steps, { n1, n2, channels: C, positions: P, same: x2 === null }, x1.data, (x2 ?? x1).data, { nngp, ntk, cov1, cov2 });
  return { n1, n2, ...plan.reduced, nngp, ntk, cov1, cov2, diagonalSpatial: false };
}

/** The whole layer's kernel through the fused prefix, or null when the layer does not fuse on these inputs. */
export function fusedLayerKernel(layer: Layer, x1: Inputs, x2: Inputs | null): Flow<Kernel> | null {
  if (x1.shape.length !== 4) return null;
  const plan = fusedPlan(layer, { spatial: [x1.shape[2]!, x1.shape[3]!], channels: x1.shape[1]!, isGaussian: false });
  if (plan === null) return null;
  return plan.rest.reduce<Flow<Kernel>>((k, l) => l.kernel(k), fusedKernel(plan, x1, x2));
}
