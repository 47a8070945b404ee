// Small classifiers and inputs shared by the attack tests: a random 2-layer ReLU net, the same net behind a
// gradient-free input quantiser (gradient masking), inputs labelled by the model itself, and a mistake count.
import { Tensor, add, matmul, relu } from '../../src/tensor/index.js';
import { argmaxRows, predictLogits, type Classifier } from '../../src/robust/index.js';
import { randomTensor } from './random.js';

/** A random 2-layer ReLU network D → 16 → C. */
export function smallNet(seed: number, d: number, c: number): Classifier {
  const w1 = randomTensor(seed, [16, d], -1, 1, 'f32'), b1 = randomTensor(seed + 1, [16], -0.5, 0.5, 'f32');
  const w2 = randomTensor(seed + 2, [c, 16], -1, 1, 'f32'), b2 = randomTensor(seed + 3, [c], -0.1, 0.1, 'f32');
  return (x) => add(matmul(relu(add(matmul(x, w1, { transB: true }), b1)), w2, { transB: true }), b2);
}

/** The net behind an input quantiser (steps of 1/4) built from the values: no gradient reaches x. */
export const quantised = (net: Classifier): Classifier => (x) => net(new Tensor(Float32Array.from(x.data, (v) => Math.round(4 * v) / 4), x.shape));

/** Inputs uniform in [lower, upper] (default the unit box) labelled by the model's own predictions (clean accuracy 100%). */
export function selfLabelled(model: Classifier, seed: number, n: number, d: number, lower = 0, upper = 1): { x: Tensor; y: Tensor } {
  const x = randomTensor(seed, [n, d], lower, upper, 'f32');
  return { x, y: new Tensor(argmaxRows(predictLogits(model, x)), [n]) };
}

/** Examples the model gets wrong at x. */
export const misclassified = (model: Classifier, x: Tensor, y: Tensor): number => argmaxRows(predictLogits(model, x)).reduce((s, p, i) => s + (p !== y.data[i] ? 1 : 0), 0);
