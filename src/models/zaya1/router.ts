// The ZAYA1 router (ZAYA1-8B report eqs. 1–5; ZayaRouter in Zyphra/transformers models/zaya/modeling_zaya.py).
//
// x [T, h] (tokens flattened), R = router latent, E = experts:
//   r = down_proj(x)                                   [T, R]  (with bias)
//   r ← r + γ ⊙ r_prev   (EDA: depth averaging with the previous MoE layer's router state; γ init 1,
//                          absent on the first MoE layer)            → r is passed to the next layer
//   s = softmax(MLP₃(RMSNorm(r)))                      MLP₃ = Linear(R,R)+GELU, Linear(R,R)+GELU, Linear(R,E, no bias)
//   e = top-k(s + b)                                    b: balancing biases, a buffer; they change the choice only
//   gate = s[e]                                         (the probability multiplies the expert output)
// Bias balancing [recon of the report's "PID-style AdamW step"]: after each training step, with p_e the
// fraction of the step's tokens routed to e, ∇b_e = p_e − 1/E and b takes one Adam step on that gradient
// (β1 0.9, β2 0.999, ε 1e-8, rate `lr`): over-loaded experts get lower biases.
import { split, type Key } from '../../core/random.js';
import { Tensor, add, gelu, mul, noGrad, reshape, softmax, takeAlongAxis, zeros } from '../../tensor/index.js';
import { Linear, Module, RMSNorm } from '../../nn/index.js';
import type { Zaya1Config } from './config.js';

export interface Routing {
  /** Chosen experts [T, k] (i32) and their probabilities [T, k]. */
  experts: Tensor;
  gates: Tensor;
  /** Router state for the next MoE layer (EDA): [T, R]. */
  state: Tensor;
  /** Tokens per expert in this call. */
  counts: number[];
}

export class ZayaRouter extends Module {
  constructor(readonly config: Zaya1Config, readonly first: boolean, key: Key) {
    super();
    const c = config, R = c.routerDim;
    const [kd, k1, k2, k3] = split(key, 4);
    this.addChild('down_proj', new Linear(c.hidden, R, { key: kd! }));
    this.addChild('rmsnorm_eda', new RMSNorm(R, { eps: c.normEps }));
    if (c.useEda && !first) this.addParameter('router_states_scale', new Tensor(new Float32Array(R).fill(1), [R]));
    this.addChild('router_mlp.0', new Linear(R, R, { key: k1! }));
    this.addChild('router_mlp.2', new Linear(R, R, { key: k2! }));
    this.addChild('router_mlp.4', new Linear(R, c.experts, { key: k3!, bias: false }));
    this.addBuffer('balancing_biases', zeros([c.experts]));
    this.addBuffer('bias_m', zeros([c.experts]));
    this.addBuffer('bias_v', zeros([c.experts]));
    this.addBuffer('bias_steps', zeros([1]));
  }

  private child(name: string): Module {
    return this.children[name]!;
  }

  /** Expert probabilities [T, E] and the router state [T, R] for tokens x [T, h]. */
  probabilities(x: Tensor, previous: Tensor | null): { probs: Tensor; state: Tensor } {
    let r = this.child('down_proj').forward(x);
    if (previous && this.params['router_states_scale']) r = add(r, mul(previous, this.param('router_states_scale')));
    const n = this.child('rmsnorm_eda').forward(r);
    const logits = this.child('router_mlp.4').forward(gelu(this.child('router_mlp.2').forward(gelu(this.child('router_mlp.0').forward(n)))));
    return { probs: softmax(logits, -1), state: r };
  }

  route(x: Tensor, previous: Tensor | null): Routing {
    const c = this.config, T = x.shape[0]!;
    const { probs, state } = this.probabilities(x, previous);
    const b = this.buffers['balancing_biases']!.data as Float32Array;
    const p = probs.data as Float32Array;
    const chosen = new Int32Array(T * c.topK);
    const counts = new Array<number>(c.experts).fill(0);
    for (let t = 0; t < T; t++) {
      const score = Array.from({ length: c.experts }, (_, e) => Math.fround(p[t * c.experts + e]! + b[e]!));
      const order = score.map((s, e) => [s, e] as const).sort((u, v) => v[0] - u[0] || u[1] - v[1]);
      for (let j = 0; j < c.topK; j++) {
        chosen[t * c.topK + j] = order[j]![1];
        counts[order[j]![1]]!++;
      }
    }
    const experts = new Tensor(chosen, [T, c.topK]);
    return { experts, gates: takeAlongAxis(probs, experts, 1), state, counts };
  }

  /** One Adam step of the balancing biases on ∇b_e = p_e − 1/E, p from `counts` (tokens per expert). */
  updateBiases(counts: readonly number[], lr: number): void {
    noGrad(() => {
      const E = this.config.experts, total = counts.reduce((a, n) => a + n, 0);
      if (total === 0) return;
      const b = this.buffers['balancing_biases']!.data as Float32Array;
      const m = this.buffers['bias_m']!.data as Float32Array, v = this.buffers['bias_v']!.data as Float32Array;
      const steps = this.buffers['bias_steps']!.data as Float32Array;
      steps[0] = steps[0]! + 1;
      const t = steps[0]!;
      for (let e = 0; e < E; e++) {
        const g = counts[e]! / total - 1 / E;
        m[e] = 0.9 * m[e]! + 0.1 * g;
        v[e] = 0.999 * v[e]! + 0.001 * g * g;
        const mh = m[e]! / (1 - 0.9 ** t), vh = v[e]! / (1 - 0.999 ** t);
        b[e] = b[e]! - lr * mh / (Math.sqrt(vh) + 1e-8);
      }
    });
  }

  forward(x: Tensor): Tensor {
    return this.probabilities(x, null).probs;
  }
}

