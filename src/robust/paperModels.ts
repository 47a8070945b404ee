// The fully-convolutional network of "Adversarial Examples as an Input-Fault Tolerance Problem"
// (uoguelph-mlrg/nips18-secml-advex-input-fault: cnn_model_pytorch.py, adapted from the CleverHans
// tutorial): [N, 1, 32, 32] → Conv 8×8/2 pad 3 (32) → ReLU → Conv 6×6/2 (64) → ReLU → Conv 5×5/1 (64)
// → ReLU → Flatten (256) → Linear (10); 180,906 parameters. Init: conv filters from a normal with σ = 0.1
// truncated at 2σ, each filter rescaled to unit L2 norm; linear rows normal then unit norm; biases 0.
import { foldIn, normalValues, truncatedNormalValues, type Key } from '../core/random.js';
import { BatchNorm, Conv2d, Flatten, Linear, ReLU, Sequential, type Module } from '../nn/index.js';

/** Rows of `count / rows` values each rescaled to unit L2 norm. */
function unitRows(values: Float64Array, rows: number): Float32Array {
  const d = values.length / rows, out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = r * d; j < (r + 1) * d; j++) s += values[j]! ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = r * d; j < (r + 1) * d; j++) out[j] = values[j]! * inv;
  }
  return out;
}

export function faultToleranceCnn(key: Key, classes = 10): Sequential {
  const convs = [
    new Conv2d(1, 32, 8, { key: foldIn(key, 0), stride: 2, padding: 3 }),
    new Conv2d(32, 64, 6, { key: foldIn(key, 1), stride: 2 }),
    new Conv2d(64, 64, 5, { key: foldIn(key, 2), stride: 1 }),
  ];
  const fc = new Linear(256, classes, { key: foldIn(key, 3) });
  const net = new Sequential(convs[0]!, ReLU(), convs[1]!, ReLU(), convs[2]!, ReLU(), new Flatten(), fc);
  const params = net.namedParameters();
  const init: Record<string, Float32Array> = {};
  ['0', '2', '4'].forEach((name, i) => {
    const w = params[`${name}.weight`]!;
    init[`${name}.weight`] = unitRows(truncatedNormalValues(foldIn(key, 10 + i), w.size, -2, 2, 'f32').map((v) => 0.1 * v), w.shape[0]!);
    init[`${name}.bias`] = new Float32Array(w.shape[0]!);
  });
  init['7.weight'] = unitRows(normalValues(foldIn(key, 20), 256 * classes, 'f32'), classes);
  init['7.bias'] = new Float32Array(classes);
  for (const [k, v] of Object.entries(init)) params[k]!.data.set(v);
  return net;
}

/**
 * The adversarial-spheres MLP (AngusG/bn-adversarial-spheres: ReLUNetwork.py): [N, d] → Linear(d, w)
 * → hidden × ([BatchNorm1d(w, momentum = cumulative average)] → Linear(w, w) → ReLU) → Linear(w, 2).
 * As in the reference, the input layer has no activation and batch norm sits BEFORE each hidden Linear;
 * all Linear layers have biases. Reference: w = 1000, 2 hidden blocks.
 */
export function adversarialSpheresMlp(dim: number, o: { key: Key; width?: number; hidden?: number; batchNorm: boolean }): Sequential {
  const width = o.width ?? 1000, hidden = o.hidden ?? 2;
  const layers: Module[] = [new Linear(dim, width, { key: foldIn(o.key, 0) })];
  for (let i = 0; i < hidden; i++) {
    if (o.batchNorm) layers.push(new BatchNorm(width, 1, { momentum: null }));
    layers.push(new Linear(width, width, { key: foldIn(o.key, 1 + i) }), ReLU());
  }
  layers.push(new Linear(width, 2, { key: foldIn(o.key, 1 + hidden) }));
  return new Sequential(...layers);
}
