// Keeping parameter masks exact after an optimizer step: masked weights and their optimizer
// state (momentum, Adam moments) are zeroed, so weight decay or momentum cannot revive them.
import type { Module } from '../nn/index.js';
import type { Optimizer } from '../optim/index.js';

export function enforceMasks(model: Module, optimizer?: Optimizer): void {
  const params = model.namedParameters();
  for (const [name, mask] of Object.entries(model.namedMasks())) {
    const p = params[name]!.data, m = mask.data;
    for (let i = 0; i < m.length; i++) if (!m[i]) p[i] = 0;
    optimizer?.resetState(name, m as Uint8Array);
  }
}
