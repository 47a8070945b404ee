// From a sparse training checkpoint to something that serves: the condensed constant fan-in network
// (`tessera sparse condense`), its evaluation through the condensed kernels (`tessera sparse eval`), the
// check against the dense masked model it came from, and the dense masked layers for an ONNX export
// (`tessera sparse export-onnx`). One weight representation on the way: the checkpoint's tensors, masked
// with model.setMask, condensed by sparse/condenseMlp into the tensors the kernels read and the file stores.
import { TesseraError } from '../core/errors.js';
import { readFileChecked, writeFileAtomic } from '../io/atomicWrite.js';
import type { OnnxDenseLayer } from '../io/onnxModel.js';
import { Activation, Flatten, Dropout, Linear, Sequential } from '../nn/index.js';
import { condenseMlp, condensedInput, condensedMlpForward, parseCondensed, serializeCondensed, type CondensedLinear, type CondensedMlp } from '../sparse/index.js';
import { noGrad, slice, type Tensor } from '../tensor/index.js';
import { loadClassifierCheckpoint, testTensors, type ClassifierConfig } from './classifier.js';
import { argmaxRows, evaluateForward, type EvalMetrics } from './metrics.js';

/** Read and validate a condensed file on disk (sparse/condensedFile.ts: the format and its checks). */
export function loadCondensed(file: string): CondensedMlp {
  return parseCondensed(readFileChecked(file, 'loadCondensed'), file);
}

/** Write a condensed layer or network atomically. */
export function saveCondensed(file: string, model: CondensedMlp | CondensedLinear): void {
  writeFileAtomic(file, serializeCondensed(model));
}

/** The condensed network of a `tessera train` MLP checkpoint (masks applied, ablated rows removed and folded). */
export function condenseCheckpoint(path: string): CondensedMlp {
  const { model, config, preprocessing } = loadClassifierCheckpoint(path);
  if (config.model !== 'mlp' || !(model instanceof Sequential)) {
    throw new TesseraError('value', 'condenseCheckpoint', `${path}: condensing expects an MLP checkpoint (Linear layers), got --model ${config.model}; a sparse CNN's conv layers have no condensed kernel yet — evaluate it with tessera eval --checkpoint`);
  }
  const mlp = condenseMlp(model);
  return { ...mlp, input: { dataset: config.dataset, preprocessing } };
}

/** The test set a condensed classifier expects, standardised as in its training. */
export function condensedTestSet(mlp: CondensedMlp, options: { dataset?: ClassifierConfig['dataset']; dataDir?: string; testLimit?: number } = {}): { x: Tensor; y: Tensor } {
  const input = condensedInput(mlp);
  const dataset = (options.dataset ?? input.dataset) as ClassifierConfig['dataset'];
  return testTensors({ dataset, ...(options.dataDir && { dataDir: options.dataDir }) }, input.preprocessing, options.testLimit ?? 0);
}

/** Loss, accuracy, per-class accuracy (the keys of `tessera eval --json`) through the condensed kernels. */
export function evaluateCondensed(mlp: CondensedMlp, x: Tensor, y: Tensor): EvalMetrics {
  return evaluateForward((xb) => condensedMlpForward(mlp, xb), x, y);
}

export interface CondensedAgreement {
  /** max |condensed − dense masked| over all logits. */
  maxAbsLogitDiff: number;
  /** Examples whose predicted class differs. */
  predictionMismatches: number;
  n: number;
}

/** Compare the condensed network with the dense masked model of `checkpoint` on x, logit by logit. */
export function compareWithCheckpoint(mlp: CondensedMlp, checkpoint: string, x: Tensor, batch = 1000): CondensedAgreement {
  const { model } = loadClassifierCheckpoint(checkpoint);
  const n = x.shape[0]!;
  let maxAbsLogitDiff = 0, predictionMismatches = 0;
  noGrad(() => {
    for (let start = 0; start < n; start += batch) {
      const xb = slice(x, [start], [Math.min(n, start + batch)]);
      const dense = model.forward(xb), fast = condensedMlpForward(mlp, xb);
      if (dense.shape.join() !== fast.shape.join()) throw new TesseraError('value', 'compareWithCheckpoint', `logits of the checkpoint [${dense.shape.join(', ')}] and the condensed network [${fast.shape.join(', ')}] differ in shape: not the same model`);
      for (let i = 0; i < dense.size; i++) maxAbsLogitDiff = Math.max(maxAbsLogitDiff, Math.abs(dense.data[i]! - fast.data[i]!));
      const a = argmaxRows(dense), b = argmaxRows(fast);
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) predictionMismatches++;
    }
  });
  return { maxAbsLogitDiff, predictionMismatches, n };
}

/** The dense masked layers of an MLP checkpoint (weights × masks, activations between), for denseNetworkModel. */
export function denseMaskedLayers(path: string): OnnxDenseLayer[] {
  const { model, config } = loadClassifierCheckpoint(path);
  if (config.model !== 'mlp' || !(model instanceof Sequential)) throw new TesseraError('value', 'denseMaskedLayers', `${path}: ONNX export expects an MLP checkpoint, got --model ${config.model}`);
  const params = model.namedParameters(), masks = model.namedMasks();
  const out: (OnnxDenseLayer & { activations: string[] })[] = [];
  model.layers.forEach((layer, i) => {
    if (layer instanceof Linear) {
      const w = params[`${i}.weight`]!, m = masks[`${i}.weight`];
      const weight = Float32Array.from(w.data, (v, j) => (m && !m.data[j] ? 0 : v));
      const bias = params[`${i}.bias`];
      out.push({ weight, inFeatures: layer.inFeatures, outFeatures: layer.outFeatures, bias: bias ? Float32Array.from(bias.data) : null, activations: [] });
    } else if (layer instanceof Activation) {
      if (out.length === 0) throw new TesseraError('value', 'denseMaskedLayers', `layer ${i}: an activation before the first Linear`);
      out.at(-1)!.activations.push(layer.name);
    } else if (!(layer instanceof Flatten || layer instanceof Dropout)) {
      throw new TesseraError('value', 'denseMaskedLayers', `layer ${i}: expected Linear, an Activation, Flatten or Dropout, got ${layer.constructor.name}`);
    }
  });
  return out;
}
