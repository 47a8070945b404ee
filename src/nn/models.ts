// Reference architectures used across the paper modules.
import { split, type Key } from '../core/random.js';
import { Sequential, Flatten, ReLU, MaxPool2d } from './containers.js';
import { Conv2d } from './conv2d.js';
import { Linear } from './linear.js';
import { BatchNorm } from './batchNorm.js';
import type { Module } from './module.js';

/** A ReLU MLP: sizes [in, h1, …, out], e.g. [784, 300, 100, 10]. Layers named 0, 1, 2, … (Linear, ReLU alternating). */
export function mlp(sizes: readonly number[], key: Key, options: { activation?: () => Module } = {}): Sequential {
  const keys = split(key, sizes.length);
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i]!, sizes[i + 1]!, { key: keys[i]! }));
    if (i + 2 < sizes.length) layers.push(options.activation ? options.activation() : ReLU());
  }
  return new Sequential(...layers);
}

/**
 * The small CNN of the training-stack acceptance: two conv3×3 + batch norm + ReLU + 2×2 max-pool
 * blocks and one linear classifier. Input [N, 1, 28, 28] → logits [N, classes].
 */
export function smallCnn(key: Key, options: { channels?: [number, number]; classes?: number; batchNorm?: boolean; inChannels?: number; imageSize?: number } = {}): Sequential {
  const [c1, c2] = options.channels ?? [32, 64];
  const classes = options.classes ?? 10, bn = options.batchNorm ?? true, size = options.imageSize ?? 28;
  const [k1, k2, k3] = split(key, 3);
  const block = (cin: number, cout: number, k: Key): Module[] => [
    new Conv2d(cin, cout, 3, { key: k, padding: 1, bias: !bn }),
    ...(bn ? [new BatchNorm(cout, 2)] : []),
    ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
  ];
  const spatial = Math.floor(Math.floor(size / 2) / 2);
  return new Sequential(
    ...block(options.inChannels ?? 1, c1, k1!),
    ...block(c1, c2, k2!),
    new Flatten(),
    new Linear(c2 * spatial * spatial, classes, { key: k3! }),
  );
}
