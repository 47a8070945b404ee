// The ZAYA1 MoE layer: the router picks top-k experts per token; each expert is a SwiGLU MLP
// (fc1 h → 2f, silu(first half) ⊙ second half, fc2 f → h, no biases: SequentialMLP / MLP in the code);
// a token's output is Σ over its experts of gate · expert(x). Tokens are gathered per expert (take) and the
// outputs scattered back (scatterAdd), so each expert computes only its own tokens.
import { split, type Key } from '../../core/random.js';
import { gatedHalves } from '../../nn/sequence/index.js';
import { Tensor, mul, reshape, scatterAdd, slice, take, zeros } from '../../tensor/index.js';
import { Linear, Module } from '../../nn/index.js';
import type { Zaya1Config } from './config.js';
import { ZayaRouter, type Routing } from './router.js';

export class Expert extends Module {
  constructor(readonly config: Zaya1Config, key: Key) {
    super();
    const [k1, k2] = split(key);
    this.addChild('linear_fc1', new Linear(config.hidden, 2 * config.expertFfn, { key: k1!, bias: false }));
    this.addChild('linear_fc2', new Linear(config.expertFfn, config.hidden, { key: k2!, bias: false }));
  }

  /** x [n, h] → [n, h]. */
  forward(x: Tensor): Tensor {
    const act = gatedHalves(this.children['linear_fc1']!.forward(x), 'silu');
    return this.children['linear_fc2']!.forward(act);
  }
}

export class ZayaMoE extends Module {
  readonly router: ZayaRouter;
  readonly experts: Expert[];

  constructor(readonly config: Zaya1Config, first: boolean, key: Key) {
    super();
    const [kr, ...ke] = split(key, config.experts + 1);
    this.router = this.addChild('router', new ZayaRouter(config, first, kr!));
    this.experts = ke.map((k, e) => this.addChild(`experts.${e}`, new Expert(config, k)));
  }

  /** x [T, h] → { y [T, h], routing }. */
  apply(x: Tensor, previous: Tensor | null): { y: Tensor; routing: Routing } {
    const c = this.config, [T, h] = x.shape as [number, number];
    const routing = this.router.route(x, previous);
    const chosen = routing.experts.data as Int32Array;
    let y = zeros([T, h]);
    for (let e = 0; e < c.experts; e++) {
      const rows: number[] = [], slots: number[] = [];
      for (let i = 0; i < chosen.length; i++) if (chosen[i] === e) {
        rows.push(Math.floor(i / c.topK));
        slots.push(i);
      }
      if (rows.length === 0) continue;
      const idx = new Tensor(Int32Array.from(rows), [rows.length]);
      const gate = reshape(take(reshape(routing.gates, [T * c.topK]), new Tensor(Int32Array.from(slots), [slots.length])), [rows.length, 1]);
      const out = mul(this.experts[e]!.forward(take(x, idx, 0)), gate);
      const scatterIdx = new Tensor(Int32Array.from({ length: rows.length * h }, (_, j) => rows[Math.floor(j / h)]!), [rows.length, h]);
      y = scatterAdd(y, scatterIdx, out, 0);
    }
    return { y, routing };
  }

  forward(x: Tensor): Tensor {
    return this.apply(x, null).y;
  }
}

