// One decode step of Mamba2's SSD recurrence on the backend's fused kernel (backend/cpu/ssdStep.ts): the fast
// path of nn/sequence's ssdRecurrent when nothing records gradients. Inference only: it has no VJP, so it
// refuses inputs that would need one (ssdRecurrent's composite is the differentiable path and the reference).
//   state [H, P, N], x [H, P], dt [H] (softplus'ed), A [H], B and C [G, N], D [H]
//   → y [H, P] = S'·C + D·x and the next state S' = exp(dt·A)·S + (x·dt) ⊗ B
import { allocate, isFloat, type FloatArray } from '../../core/dtype.js';
import { dtypeError, shapeError, TesseraError } from '../../core/errors.js';
import { getBackend } from '../../backend/registry.js';
import { isGradEnabled } from '../tape.js';
import { Tensor } from '../tensor.js';

export interface SsdStepInputs {
  readonly x: Tensor;
  readonly dt: Tensor;
  readonly A: Tensor;
  readonly B: Tensor;
  readonly C: Tensor;
  readonly D: Tensor;
}

export interface SsdStepOptions {
  /**
   * Write the next state over `state`'s storage and return it (saves allocating and zero-filling a new state
   * each step; the caller must own `state`). Default false: `state` is left unchanged.
   */
  inPlace?: boolean;
}

export function ssdStep(state: Tensor, inp: SsdStepInputs, options: SsdStepOptions = {}): { y: Tensor; state: Tensor } {
  const [H, P, N] = state.shape as [number, number, number];
  const G = inp.B.shape[0]!;
  const want: [string, Tensor, number[]][] = [
    ['state', state, [H, P, N]], ['x', inp.x, [H, P]], ['dt', inp.dt, [H]], ['A', inp.A, [H]], ['B', inp.B, [G, N]], ['C', inp.C, [G, N]], ['D', inp.D, [H]],
  ];
  for (const [name, t, shape] of want) {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw shapeError('ssdStep', name, `[${shape.join(', ')}]`, t.shape);
    if (!isFloat(t.dtype) || t.dtype !== state.dtype) throw dtypeError('ssdStep', name, `the state's dtype ${state.dtype}`, t.dtype);
  }
  if (isGradEnabled() && want.some(([, t]) => t.requiresGrad)) {
    throw new TesseraError('value', 'ssdStep', 'inputs require grad, but the fused step has no VJP: call it under noGrad, or use nn/sequence ssdRecurrent (differentiable)');
  }
  const stateOut = options.inPlace ? (state.data as FloatArray) : (allocate(state.dtype, state.size) as FloatArray);
  const y = allocate(state.dtype, H * P) as FloatArray;
  const d = (t: Tensor) => t.data as FloatArray;
  getBackend().ssdStep({ heads: H, headDim: P, stateSize: N, groups: G }, d(state), d(inp.x), d(inp.dt), d(inp.A), d(inp.B), d(inp.C), d(inp.D), stateOut, y);
  return { y: new Tensor(y, [H, P]), state: options.inPlace ? state : new Tensor(stateOut, [H, P, N]) };
}
