// Widening at a fixed number of weights (Golubeva et al. 2021): a wider model whose static sparsity
// brings its weight count back to the budget of a dense narrow one. Weights only are counted — biases
// and batch-norm parameters are not (the paper's 3,970 = 5·(784 + 10) and 6,352 = 8·(784 + 10)).
//
// 1-hidden-layer MLP, inputs d, outputs k, width w: weights w·(d + k); layers "0.weight" [w, d]
// (hidden) and "2.weight" [k, w] (readout), the activation at "1". Removals R = w·(d + k) − budget.
// By default every removal comes from the hidden layer and the readout stays dense — the kernel study's
// fract_freeze_cl = 0 (MLP/generate_args.py, so nwtf_fc = (w − 8)·794); the hidden layer must keep at
// least one weight (MLP/utils.py get_NWTF: nwtf_fc_max = d·w − 1), which bounds the width: with r
// readout removals the hidden layer keeps budget + r − k·w ≥ 1 weights, so w ≤ (budget + r − 1)/k
// (budget 6,352, k = 10: w ≤ 635, which keeps exactly 2).
import { rangeError } from '../core/errors.js';
import { split, type Key } from '../core/random.js';
import { Identity, Linear, ReLU, Sequential, smallCnn, type Module } from '../nn/index.js';
import { Tensor } from '../tensor/index.js';
import { applyStaticSparsity, type ConnectivityReport, type ReinitRule } from './staticSparsity.js';

/** Weights (no biases) of a 1-hidden-layer MLP: width·(inputs + outputs). */
export function mlpWeightCount(inputs: number, outputs: number, width: number): number {
  return width * (inputs + outputs);
}

/** The widest dense 1-hidden-layer MLP within the budget: ⌊budget / (inputs + outputs)⌋. */
export function denseWidthForBudget(inputs: number, outputs: number, budget: number): number {
  if (!(Number.isSafeInteger(budget) && budget >= inputs + outputs)) {
    throw rangeError('denseWidthForBudget', 'budget', `an integer ≥ inputs + outputs = ${inputs + outputs}`, budget);
  }
  return Math.floor(budget / (inputs + outputs));
}

export interface SparseMlpOptions {
  inputs: number;
  outputs: number;
  /** Hidden width w; the dense model at this width has w·(inputs + outputs) ≥ budget weights. */
  width: number;
  /** Weights to keep (biases not counted). */
  budget: number;
  key: Key;
  activation?: 'relu' | 'linear';
  parameterization?: 'standard' | 'ntk';
  bias?: boolean;
  /**
   * How many readout weights to remove (the rest come from the hidden layer): a number (default 0, the
   * MLP code's fract_freeze_cl = 0), or 'water-filling' to share between both layers by water-filling.
   */
  readoutRemovals?: number | 'water-filling';
  reinit?: ReinitRule;
  ntkInit?: 'normal' | 'uniform';
}

export interface SparseMlp {
  model: Sequential;
  report: ConnectivityReport;
  /** The hidden weight as the forward pass uses it (masked copy), [width, inputs], at the time of the call. */
  hiddenWeight(): Tensor;
}

/** A 1-hidden-layer MLP of the given width made statically sparse down to `budget` weights. */
export function sparseMlpAtBudget(o: SparseMlpOptions): SparseMlp {
  const op = 'sparseMlpAtBudget';
  const { inputs, outputs, width, budget } = o;
  for (const [name, v] of [['inputs', inputs], ['outputs', outputs], ['width', width]] as const) {
    if (!(Number.isSafeInteger(v) && v >= 1)) throw rangeError(op, name, 'a positive integer', v);
  }
  const dense = mlpWeightCount(inputs, outputs, width);
  if (!(Number.isSafeInteger(budget) && budget >= 1 && budget <= dense)) {
    throw rangeError(op, 'budget', `an integer in [1, ${dense}] (the dense width-${width} MLP's weights)`, budget);
  }
  const [k0, k1, kMask] = split(o.key, 3);
  const layerOptions = { bias: o.bias ?? true, parameterization: o.parameterization ?? 'standard' } as const;
  const model = new Sequential(
    new Linear(inputs, width, { key: k0!, ...layerOptions }),
    o.activation === 'linear' ? Identity() : ReLU(),
    new Linear(width, outputs, { key: k1!, ...layerOptions }),
  );
  const removeTotal = dense - budget;
  const common = { key: kMask!, ...(o.reinit ? { reinit: o.reinit } : {}), ...(o.ntkInit ? { ntkInit: o.ntkInit } : {}) };
  const split_ = o.readoutRemovals ?? 0;
  const result = (report: ConnectivityReport): SparseMlp => ({ model, report, hiddenWeight: () => maskedParameter(model, '0.weight') });
  if (split_ === 'water-filling') return result(applyStaticSparsity(model, { ...common, removeTotal }));
  const readout = split_, hidden = removeTotal - readout;
  if (!(Number.isSafeInteger(readout) && readout >= 0 && readout <= Math.min(removeTotal, outputs * width))) {
    throw rangeError(op, 'readoutRemovals', `an integer in [0, ${Math.min(removeTotal, outputs * width)}]`, readout);
  }
  if (hidden > inputs * width - 1) {
    throw rangeError(op, 'width', `at most ${Math.floor((budget - 1 + readout) / outputs)} so that the hidden layer keeps a weight (budget ${budget}, readout removals ${readout})`, width);
  }
  return result(applyStaticSparsity(model, { ...common, removals: { '0.weight': hidden, '2.weight': readout } }));
}

/** A copy of parameter `path` with its mask (if any) applied. */
function maskedParameter(model: Module, path: string): Tensor {
  const p = model.namedParameters()[path]!, m = model.namedMasks()[path];
  const data = p.data.slice();
  if (m) for (let i = 0; i < data.length; i++) if (!m.data[i]) data[i] = 0;
  return new Tensor(data, p.shape);
}

/**
 * Readout removal counts for a sweep of last-layer connectivity at one width (MLP/utils.py get_NWTF):
 * 0, s, 2s, … up to M = min(R, ⌊k·w·maxReadoutFraction⌋) with s = max(1, ⌊M/steps⌋), keeping those that
 * leave the hidden layer at least one weight.
 */
export function readoutRemovalSweep(o: { inputs: number; outputs: number; width: number; budget: number; maxReadoutFraction: number; steps?: number }): number[] {
  const R = mlpWeightCount(o.inputs, o.outputs, o.width) - o.budget;
  if (!(R >= 0)) throw rangeError('readoutRemovalSweep', 'budget', `at most the dense weights ${R + o.budget}`, o.budget);
  if (!(o.maxReadoutFraction >= 0 && o.maxReadoutFraction <= 1)) throw rangeError('readoutRemovalSweep', 'maxReadoutFraction', 'a number in [0, 1]', o.maxReadoutFraction);
  const M = Math.min(R, Math.floor(o.outputs * o.width * o.maxReadoutFraction));
  const step = Math.max(1, Math.floor(M / (o.steps ?? 5)));
  const out: number[] = [];
  for (let r = 0; r <= M; r += step) if (R - r <= o.inputs * o.width - 1) out.push(r);
  return out;
}

export interface SmallCnnShape {
  /** Conv channel widths [c1, c2]. */
  channels: [number, number];
  inChannels?: number;
  classes?: number;
  imageSize?: number;
}

/** Weights (no biases, no batch norm) of nn's smallCnn: c1·in·9 + c2·c1·9 + classes·c2·(⌊⌊size/2⌋/2⌋)². */
export function smallCnnWeightCount(s: SmallCnnShape): number {
  const [c1, c2] = s.channels, inC = s.inChannels ?? 1, classes = s.classes ?? 10, size = s.imageSize ?? 28;
  const spatial = Math.floor(Math.floor(size / 2) / 2);
  return c1 * inC * 9 + c2 * c1 * 9 + classes * c2 * spatial * spatial;
}

export interface SparseCnnOptions extends Omit<SmallCnnShape, 'channels'> {
  key: Key;
  /** Channel widths of the dense base model (default [32, 64], smallCnn's). */
  baseChannels?: [number, number];
  /** Widening factor f: channels round(f·c). */
  factor: number;
  /** Weights to keep; default the dense base model's weight count. */
  budget?: number;
  batchNorm?: boolean;
  ioOnly?: boolean;
  reinit?: ReinitRule;
}

/** nn's smallCnn with channels widened by `factor`, sparsified by water-filling down to the budget. */
export function sparseCnnAtBudget(o: SparseCnnOptions): { model: Module; report: ConnectivityReport; channels: [number, number] } {
  const op = 'sparseCnnAtBudget';
  if (!(o.factor >= 1 && Number.isFinite(o.factor))) throw rangeError(op, 'factor', 'a finite number ≥ 1', o.factor);
  const base = o.baseChannels ?? [32, 64];
  const channels: [number, number] = [Math.round(base[0] * o.factor), Math.round(base[1] * o.factor)];
  const shape = { inChannels: o.inChannels ?? 1, classes: o.classes ?? 10, imageSize: o.imageSize ?? 28 };
  const budget = o.budget ?? smallCnnWeightCount({ channels: base, ...shape });
  const dense = smallCnnWeightCount({ channels, ...shape });
  if (!(Number.isSafeInteger(budget) && budget >= 1 && budget <= dense)) {
    throw rangeError(op, 'budget', `an integer in [1, ${dense}] (the widened model's weights)`, budget);
  }
  const [kModel, kMask] = split(o.key);
  const model = smallCnn(kModel!, { channels, ...shape, batchNorm: o.batchNorm ?? true });
  const report = applyStaticSparsity(model, { key: kMask!, budget, ioOnly: o.ioOnly ?? false, ...(o.reinit ? { reinit: o.reinit } : {}) });
  return { model, report, channels };
}
