// Rotary position embedding, the non-interleaved "rotate_half" form (GPT-NeoX / Llama / HF):
//   inv_freq[i] = θ^(−2i/d), i < d/2; angle = pos · inv_freq[i]
//   out[i]       = v[i]·cos − v[i + d/2]·sin
//   out[i + d/2] = v[i + d/2]·cos + v[i]·sin
// Applied in place to rows [L, heads, d] whose row t sits at absolute position startPos + t.
import { shapeError } from '../../../src/core/errors.js';
import type { FloatArray } from '../../../src/core/dtype.js';

export function applyRotary(v: FloatArray, rows: number, heads: number, headDim: number, startPos: number, theta: number): void {
  if (headDim % 2 !== 0) throw shapeError('applyRotary', 'head dim', 'an even number', headDim);
  const half = headDim / 2;
  const cos = new Float64Array(half), sin = new Float64Array(half);
  for (let t = 0; t < rows; t++) {
    const pos = startPos + t;
    for (let i = 0; i < half; i++) {
      const angle = pos * Math.pow(theta, (-2 * i) / headDim);
      cos[i] = Math.cos(angle);
      sin[i] = Math.sin(angle);
    }
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const a = v[o + i]!, b = v[o + half + i]!;
        v[o + i] = a * cos[i]! - b * sin[i]!;
        v[o + half + i] = b * cos[i]! + a * sin[i]!;
      }
    }
  }
}
