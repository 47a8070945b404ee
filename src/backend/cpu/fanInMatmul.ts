// Reference constant fan-in sparse matmul (batch-major and feature-major) and its backward pass.
import type { FloatArray } from '../../core/dtype.js';
import type { FanInIndices, FanInParams } from '../kernels.js';

/** y[b, o] = Σ_j values[o, j] · x[b, indices[o, j]];  x [batch, in], y [batch, out]. */
export function fanInMatmul(p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, y: FloatArray): void {
  const { batch, inFeatures, outFeatures, fanIn } = p;
  for (let b = 0; b < batch; b++) {
    const xo = b * inFeatures;
    for (let o = 0; o < outFeatures; o++) {
      let acc = 0;
      for (let j = 0; j < fanIn; j++) acc += values[o * fanIn + j]! * x[xo + indices[o * fanIn + j]!]!;
      y[b * outFeatures + o] = acc;
    }
  }
}

/** Feature-major: x [in, batch], y [out, batch]; y[o, b] = Σ_j values[o, j] · x[indices[o, j], b]. */
export function fanInMatmulFeatureMajor(p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, y: FloatArray): void {
  const { batch, outFeatures, fanIn } = p;
  const row = new Float64Array(batch);
  for (let o = 0; o < outFeatures; o++) {
    row.fill(0);
    for (let j = 0; j < fanIn; j++) {
      const v = values[o * fanIn + j]!, xo = indices[o * fanIn + j]! * batch;
      for (let b = 0; b < batch; b++) row[b]! += v * x[xo + b]!;
    }
    for (let b = 0; b < batch; b++) y[o * batch + b] = row[b]!;
  }
}

/**
 * Backward of the batch-major product for cotangent dy [batch, out]:
 * dx[b, indices[o, j]] += dy[b, o] · values[o, j];  dvalues[o, j] = Σ_b dy[b, o] · x[b, indices[o, j]].
 * dx and dvalues are overwritten.
 */
export function fanInMatmulBackward(
  p: FanInParams, x: FloatArray, values: FloatArray, indices: FanInIndices, dy: FloatArray,
  dx: FloatArray, dvalues: FloatArray,
): void {
  const { batch, inFeatures, outFeatures, fanIn } = p;
  const dxAcc = new Float64Array(batch * inFeatures);
  const dvAcc = new Float64Array(outFeatures * fanIn);
  for (let b = 0; b < batch; b++) {
    const xo = b * inFeatures;
    for (let o = 0; o < outFeatures; o++) {
      const g = dy[b * outFeatures + o]!;
      if (g === 0) continue;
      for (let j = 0; j < fanIn; j++) {
        const i = indices[o * fanIn + j]!;
        dxAcc[xo + i]! += g * values[o * fanIn + j]!;
        dvAcc[o * fanIn + j]! += g * x[xo + i]!;
      }
    }
  }
  dx.set(dxAcc);
  dvalues.set(dvAcc);
}
