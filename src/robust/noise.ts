// Additive noise faults, seeded: x + N(0, σ²) and x + U(−a, a), optionally clipped to the input box,
// and sweeps over strengths (one key per strength, so each level is reproducible on its own).
import { foldIn, normalValues, uniformValues, type Key } from '../core/random.js';
import { rangeError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';
import { clipToBox, emptyLike } from './geometry.js';
import type { InputBox } from './inputSpace.js';

function addNoise(x: Tensor, draw: Float64Array, scale: number, box?: InputBox): Tensor {
  const out = emptyLike(x.data);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i]! + scale * draw[i]!;
  return new Tensor(box ? clipToBox(out, box) : out, x.shape);
}

/** x + σ·N(0, 1) per element (clipped to `box` when given). */
export function gaussianNoise(x: Tensor, sigma: number, key: Key, box?: InputBox): Tensor {
  if (!(sigma >= 0 && Number.isFinite(sigma))) throw rangeError('gaussianNoise', 'sigma', 'a finite number ≥ 0', sigma);
  return addNoise(x, normalValues(key, x.size, 'f64'), sigma, box);
}

/** x + U(−a, a) per element (clipped to `box` when given). */
export function uniformNoise(x: Tensor, amplitude: number, key: Key, box?: InputBox): Tensor {
  if (!(amplitude >= 0 && Number.isFinite(amplitude))) throw rangeError('uniformNoise', 'amplitude', 'a finite number ≥ 0', amplitude);
  const u = uniformValues(key, x.size, 'f64');
  return addNoise(x, u.map((v) => 2 * v - 1), amplitude, box);
}

/** The noisy inputs for each strength of a sweep; strength k uses foldIn(key, k). */
export function noiseSweep(x: Tensor, kind: 'gaussian' | 'uniform', strengths: readonly number[], key: Key, box?: InputBox): { strength: number; x: Tensor }[] {
  return strengths.map((s, k) => ({ strength: s, x: kind === 'gaussian' ? gaussianNoise(x, s, foldIn(key, k), box) : uniformNoise(x, s, foldIn(key, k), box) }));
}
