// The two widening methods the paper tried and set aside (Golubeva et al. 2021, §2.2–2.3), kept so
// users can compare them with static sparsity at the same number of weights.
//
// Linear bottleneck: a weight W (d_o × d_i) becomes the product W = W_up·W_down of W_up (d_o × d_b) and
// W_down (d_b × d_i), d_b ≤ min(d_i, d_o) — a rank-d_b layer with d_b·(d_i + d_o) weights. The layer
// widens (d_o grows) at a fixed count by lowering d_b. Rejected: the factorisation changes the
// gradient-descent trajectory even though the function class is linear, a confound.
//
// Non-linear bottleneck: our reading of "modify layer pairs, widening the first layer's input and
// reducing d_b" (§2.3, Fig. 2): the same pair of layers but with the activation at the bottleneck,
// x ↦ W_up·φ(W_down·x + b_down) + b_up; the outer width d_o (the next layer's input) grows while d_b
// shrinks. In ResNet-18 the pairs are the two convs of a basic block; in a 1-hidden-layer MLP it is the
// hidden layer, which makes the MLP d → d_b → w → k with activations after d_b and after w.
// The paper saw no significant gain from it (mildly, for its smallest model only).
//
// The MLP builder (bottleneckMlpAtBudget): hidden width w, the hidden layer (d → w) replaced by a
// bottleneck of rank/width d_b, the readout (w → k) dense — as the sparse MLP's default keeps the readout
// dense. Weights (no biases): d_b·(d + w) + w·k. Integer d_b can rarely meet a budget B exactly:
// d_b = ⌊(B − w·k)/(d + w)⌋ is the largest that fits, and `slack` = B − weights (< d + w) is reported.
// exactBottleneckWidths lists the widths at which it is exact (e.g. B = 6,352: w = 103, d_b = 6).
import { rangeError } from '../core/errors.js';
import { split, type Key } from '../core/random.js';
import { Identity, Linear, ReLU, Sequential, Module, type ForwardContext } from '../nn/index.js';
import { matmul, type Tensor } from '../tensor/index.js';

export interface BottleneckOptions {
  key: Key;
  /** Biases: on the output (linear bottleneck) or on both layers (non-linear). Default true. */
  bias?: boolean;
}

/** y = x·(W_up·W_down)ᵀ + b: children "down" [rank, in] (no bias) and "up" [out, rank], PyTorch init each. */
export class LowRankLinear extends Module {
  readonly down: Linear;
  readonly up: Linear;
  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly rank: number, options: BottleneckOptions) {
    super();
    checkRank('LowRankLinear', inFeatures, outFeatures, rank);
    const [k1, k2] = split(options.key);
    this.down = this.addChild('down', new Linear(inFeatures, rank, { key: k1!, bias: false }));
    this.up = this.addChild('up', new Linear(rank, outFeatures, { key: k2!, bias: options.bias ?? true }));
  }
  forward(x: Tensor): Tensor {
    return this.up.forward(this.down.forward(x));
  }
  /** The equivalent dense weight W_up·W_down, [out, in] (rank ≤ rank). */
  effectiveWeight(): Tensor {
    const p = this.namedParameters();
    return matmul(p['up.weight']!, p['down.weight']!);
  }
  /** rank·(in + out). */
  weightCount(): number {
    return this.rank * (this.inFeatures + this.outFeatures);
  }
}

/** x ↦ up(φ(down(x))): children "down" [width, in], "act", "up" [out, width]. */
export class NonLinearBottleneck extends Module {
  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly width: number, options: BottleneckOptions & { activation?: 'relu' | 'linear' }) {
    super();
    checkRank('NonLinearBottleneck', inFeatures, outFeatures, width);
    const [k1, k2] = split(options.key);
    const bias = options.bias ?? true;
    this.addChild('down', new Linear(inFeatures, width, { key: k1!, bias }));
    this.addChild('act', options.activation === 'linear' ? Identity() : ReLU());
    this.addChild('up', new Linear(width, outFeatures, { key: k2!, bias }));
  }
  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    const c = this.children;
    return c.up!.forward(c.act!.forward(c.down!.forward(x, ctx), ctx), ctx);
  }
  weightCount(): number {
    return this.width * (this.inFeatures + this.outFeatures);
  }
}

function checkRank(op: string, inF: number, outF: number, rank: number): void {
  if (!(Number.isSafeInteger(rank) && rank >= 1 && rank <= Math.min(inF, outF))) {
    throw rangeError(op, 'rank', `an integer in [1, min(in, out) = ${Math.min(inF, outF)}]`, rank);
  }
}

export interface BottleneckMlpOptions {
  inputs: number;
  outputs: number;
  /** Hidden width w (the layer after the bottleneck). */
  width: number;
  /** Weights to keep at most (biases not counted). */
  budget: number;
  key: Key;
  kind: 'linear' | 'nonlinear';
  /** Activation after the hidden layer (and at a non-linear bottleneck). Default relu. */
  activation?: 'relu' | 'linear';
  bias?: boolean;
}

export interface BottleneckMlp {
  model: Sequential;
  /** d_b: the rank (linear) or bottleneck width (non-linear). */
  bottleneck: number;
  /** d_b·(d + w) + w·k. */
  weights: number;
  /** budget − weights: 0 ≤ slack < d + w (more only when d_b is capped at min(d, w)). */
  slack: number;
}

/** The largest bottleneck d_b with d_b·(d + w) + w·k ≤ budget (0 when even d_b = 1 does not fit). */
export function bottleneckForBudget(inputs: number, outputs: number, width: number, budget: number): number {
  return Math.max(0, Math.floor((budget - width * outputs) / (inputs + width)));
}

/** Widths w ≥ minWidth at which some d_b ≤ min(d, w) meets the budget exactly: d_b·(d + w) + w·k = B. */
export function exactBottleneckWidths(inputs: number, outputs: number, budget: number, minWidth = 1): { width: number; bottleneck: number }[] {
  const out: { width: number; bottleneck: number }[] = [];
  for (let b = 1; b * inputs < budget; b++) {
    const num = budget - b * inputs; // = w·(b + k)
    if (num % (b + outputs) !== 0) continue;
    const w = num / (b + outputs);
    if (w >= minWidth && b <= Math.min(inputs, w)) out.push({ width: w, bottleneck: b });
  }
  return out.sort((a, c) => a.width - c.width);
}

/** A 1-hidden-layer MLP of hidden width w whose hidden layer is a (linear or non-linear) bottleneck. */
export function bottleneckMlpAtBudget(o: BottleneckMlpOptions): BottleneckMlp {
  const op = 'bottleneckMlpAtBudget';
  const { inputs, outputs, width, budget } = o;
  const cap = Math.min(inputs, width);
  const b = Math.min(cap, bottleneckForBudget(inputs, outputs, width, budget));
  if (b < 1) {
    throw rangeError(op, 'width', `at most ${Math.floor((budget - inputs) / (1 + outputs))} so that a bottleneck of 1 fits the budget ${budget}`, width);
  }
  const [k0, k1] = split(o.key);
  const bias = o.bias ?? true;
  const act = (): Module => (o.activation === 'linear' ? Identity() : ReLU());
  const hidden = o.kind === 'linear'
    ? new LowRankLinear(inputs, width, b, { key: k0!, bias })
    : new NonLinearBottleneck(inputs, width, b, { key: k0!, bias, activation: o.activation ?? 'relu' });
  const model = new Sequential(hidden, act(), new Linear(width, outputs, { key: k1!, bias }));
  const weights = b * (inputs + width) + width * outputs;
  return { model, bottleneck: b, weights, slack: budget - weights };
}
