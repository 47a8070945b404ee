// RMS normalisation of rows, fused (the reference of the rmsNormalize primitive):
//   y[r, i] = x[r, i] / √(mean_i x[r, i]² + eps)        x and y [rows, n]
// Sums in float64; y rounded once to the arrays' precision.
import type { FloatArray } from '../../core/dtype.js';

export function rmsNormalize(rows: number, n: number, eps: number, x: FloatArray, y: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += x[o + i]! * x[o + i]!;
    const scale = 1 / Math.sqrt(squares / n + eps);
    for (let i = 0; i < n; i++) y[o + i] = x[o + i]! * scale;
  }
}
