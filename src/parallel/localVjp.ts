// Local differentiation inside a distributed schedule: run a piece on this rank's tensors with the
// engine's autograd, keep its pullback for the backward pass, and meter what the tape holds.
import type { FloatArray } from '../core/dtype.js';
import { cotangents, Tensor } from '../tensor/index.js';
import type { MemoryMeter } from './meters.js';

/** Bytes of every intermediate tensor recorded on the tape below `out` (shared storage counted once). */
export function tapeBytes(out: Tensor): number {
  const seen = new Set<Tensor>();
  const buffers = new Set<unknown>();
  let bytes = 0;
  const stack = [out];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t) || !t.node) continue;
    seen.add(t);
    if (!buffers.has(t.data)) {
      buffers.add(t.data);
      bytes += t.data.byteLength;
    }
    for (const i of t.node.inputs) stack.push(i);
  }
  return bytes;
}

/**
 * `fn(...args)` with its pullback (jax.vjp), holding the tape's bytes as 'activations' in `memory`
 * until the pullback runs. The pullback returns one cotangent per argument.
 */
export function localVjp(memory: MemoryMeter, fn: (...args: Tensor[]) => Tensor, ...args: Tensor[]): [Tensor, (g: Tensor) => Tensor[]] {
  const leaves = args.map((a) => new Tensor(a.data, a.shape, { requiresGrad: true }));
  const out = fn(...leaves);
  const handle = memory.hold('activations', tapeBytes(out));
  const pull = (g: Tensor): Tensor[] => {
    const grads = cotangents(out, g);
    memory.release(handle);
    return leaves.map((l, i) => grads.get(l) ?? new Tensor(new (args[i]!.data.constructor as Float32ArrayConstructor)(args[i]!.size) as FloatArray, args[i]!.shape));
  };
  return [new Tensor(out.data, out.shape), pull];
}
