// Train a tiny ZAYA1 on a character corpus, recording loss and expert load balance over training, with
// the router's bias balancing on or off (the control).
//
// Each step: B windows of S+1 characters at random offsets (keyed), next-character cross-entropy, Adam,
// then every router's balancing biases take one step from the step's expert counts (when balancing is on).
// Load balance per MoE layer: max load = max_e n_e / (T·k/E) (1 = perfectly even, E = everything on one
// expert) and the coefficient of variation of n_e; reported averaged over layers every `every` steps.
import { foldIn, key as makeKey, uniformValues } from '../../core/random.js';
import { Tensor, backward, crossEntropy, reshape } from '../../tensor/index.js';
import { adam } from '../../optim/index.js';
import { Zaya1Model } from './model.js';
import type { Zaya1Config } from './config.js';

export interface TinyTrainOptions {
  config: Zaya1Config;
  /** Corpus as character ids (vocab ≤ config.vocab). */
  ids: Int32Array;
  steps: number;
  batch: number;
  sequence: number;
  lr: number;
  /** Learning rate of the balancing-bias Adam step (0 turns balancing off). */
  biasLr: number;
  seed: number;
  /** Record every this many steps. */
  every: number;
  onStep?: (step: number, loss: number) => void;
}

export interface BalanceRecord {
  step: number;
  loss: number;
  /** Averaged over MoE layers (and over the `every` steps since the last record). */
  maxLoad: number;
  cv: number;
  /** Per layer: fraction of tokens per expert over the window. */
  fractions: number[][];
}

export interface TinyTrainResult {
  records: BalanceRecord[];
  finalLoss: number;
  model: Zaya1Model;
}

export function loadStats(counts: readonly number[]): { maxLoad: number; cv: number } {
  const total = counts.reduce((a, b) => a + b, 0), E = counts.length, ideal = total / E;
  const variance = counts.reduce((s, n) => s + (n - ideal) ** 2, 0) / E;
  return { maxLoad: Math.max(...counts) / ideal, cv: Math.sqrt(variance) / ideal };
}

export function trainTinyZaya1(o: TinyTrainOptions): TinyTrainResult {
  const c = o.config, root = makeKey(o.seed);
  const model = new Zaya1Model(c, foldIn(root, 1));
  const optimizer = adam({ lr: o.lr });
  const records: BalanceRecord[] = [];
  let window = c.experts > 0 ? Array.from({ length: c.blocks }, () => new Array<number>(c.experts).fill(0)) : [];
  let lossSum = 0, seen = 0, finalLoss = NaN;
  const span = o.ids.length - o.sequence - 1;
  for (let step = 1; step <= o.steps; step++) {
    const starts = uniformValues(foldIn(root, 1000 + step), o.batch, 'f64').map((u) => Math.floor(u * span));
    const x = new Int32Array(o.batch * o.sequence), y = new Int32Array(o.batch * o.sequence);
    starts.forEach((s, b) => {
      x.set(o.ids.subarray(s, s + o.sequence), b * o.sequence);
      y.set(o.ids.subarray(s + 1, s + 1 + o.sequence), b * o.sequence);
    });
    const params = model.namedParameters();
    for (const p of Object.values(params)) p.grad = null;
    const out = model.run(new Tensor(x, [o.batch, o.sequence]));
    const loss = crossEntropy(reshape(out.logits, [o.batch * o.sequence, c.vocab]), new Tensor(y, [o.batch * o.sequence]));
    const value = loss.item();
    backward(loss);
    const grads: Record<string, Tensor> = {};
    for (const [k, p] of Object.entries(params)) if (p.grad) grads[k] = p.grad;
    optimizer.step(params, grads);
    if (o.biasLr > 0) model.updateRouterBiases(out.expertCounts, o.biasLr);
    out.expertCounts.forEach((counts, l) => counts.forEach((n, e) => (window[l]![e]! += n)));
    lossSum += value;
    seen++;
    finalLoss = value;
    o.onStep?.(step, value);
    if (step % o.every === 0 || step === o.steps) {
      const stats = window.map((w) => loadStats(w));
      records.push({
        step, loss: lossSum / seen,
        maxLoad: stats.reduce((s, x) => s + x.maxLoad, 0) / stats.length,
        cv: stats.reduce((s, x) => s + x.cv, 0) / stats.length,
        fractions: window.map((w) => w.map((n) => n / w.reduce((a, b) => a + b, 0))),
      });
      window = window.map((w) => w.map(() => 0));
      lossSum = 0;
      seen = 0;
    }
  }
  return { records, finalLoss, model };
}
