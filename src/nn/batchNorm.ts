// Batch normalisation over [N, C] / [N, C, L] (1d) and [N, C, H, W] (2d) inputs, as PyTorch:
//   training: normalise with the batch mean and biased variance; update running stats with
//             momentum m: r ← (1 − m)·r + m·stat (running variance uses the unbiased estimate);
//             momentum null: the cumulative average, m = 1/k at the k-th batch (PyTorch momentum=None);
//   eval:     normalise with the running stats — or, when trackRunningStats is false, with batch
//             statistics (the input-fault paper evaluates this way).
import { dtypeError, shapeError } from '../core/errors.js';
import { add, batchNorm, channelMoments, div, mul, ones, reshape, sqrt, sub, zeros, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  eps?: number;
  /**
   * Running-average momentum (PyTorch convention: weight of the new batch statistic); null gives the
   * cumulative average over all training batches seen (PyTorch `momentum=None`).
   */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
  dtype?: 'f32' | 'f64';
}

export class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly trackRunningStats: boolean;

  /** `spatialDims`: 0 or 1 for batchNorm1d ([N, C] or [N, C, L]), 2 for batchNorm2d. */
  constructor(readonly numFeatures: number, readonly spatialDims: 1 | 2, options: BatchNormOptions = {}) {
    super();
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true, dtype = 'f32' } = options;
    this.eps = eps;
    this.momentum = momentum;
    this.trackRunningStats = trackRunningStats;
    if (affine) {
      this.addParameter('weight', ones([numFeatures], dtype));
      this.addParameter('bias', zeros([numFeatures], dtype));
    }
    if (trackRunningStats) {
      this.addBuffer('running_mean', zeros([numFeatures], dtype));
      this.addBuffer('running_var', ones([numFeatures], dtype));
      this.addBuffer('num_batches_tracked', zeros([1], 'i32'));
    }
  }

  forward(x: Tensor): Tensor {
    const op = this.spatialDims === 2 ? 'BatchNorm2d' : 'BatchNorm1d';
    const okRank = this.spatialDims === 2 ? x.rank === 4 : x.rank === 2 || x.rank === 3;
    if (!okRank || x.shape[1] !== this.numFeatures) {
      throw shapeError(op, 'x', this.spatialDims === 2 ? `[N, ${this.numFeatures}, H, W]` : `[N, ${this.numFeatures}] or [N, ${this.numFeatures}, L]`, x.shape);
    }
    if (x.dtype !== 'f32' && x.dtype !== 'f64') throw dtypeError(op, 'x', 'f32 or f64', x.dtype);
    const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
    const weight = this.params.weight ? this.param('weight') : ones([this.numFeatures], x.dtype);
    const bias = this.params.bias ? this.param('bias') : zeros([this.numFeatures], x.dtype);
    if (this.training || !this.trackRunningStats) {
      if (this.training && this.trackRunningStats) this.updateRunningStats(x);
      return batchNorm(x, weight, bias, this.eps);
    }
    // Running statistics: y = x·scale + shift with scale = γ/√(r_var + eps), shift = β − r_mean·scale.
    const scale = div(weight, sqrt(add(this.buffers.running_var!, this.eps)));
    const shift = sub(bias, mul(this.buffers.running_mean!, scale));
    return add(mul(x, reshape(scale, statShape)), reshape(shift, statShape));
  }

  private updateRunningStats(x: Tensor): void {
    const count = x.size / this.numFeatures;
    if (count < 2) throw shapeError(this.spatialDims === 2 ? 'BatchNorm2d' : 'BatchNorm1d', 'x', 'more than one value per channel in training mode', x.shape);
    const { mean: mu, variance } = channelMoments(x);
    const tracked = this.buffers.num_batches_tracked!.data;
    const m = this.momentum ?? 1 / (tracked[0]! + 1), rm = this.buffers.running_mean!.data, rv = this.buffers.running_var!.data;
    const unbias = count / (count - 1);
    for (let c = 0; c < this.numFeatures; c++) {
      rm[c] = (1 - m) * rm[c]! + m * mu[c]!;
      rv[c] = (1 - m) * rv[c]! + m * variance[c]! * unbias;
    }
    tracked[0]! += 1;
  }
}

export const batchNorm1d = (numFeatures: number, options?: BatchNormOptions) => new BatchNorm(numFeatures, 1, options);
export const batchNorm2d = (numFeatures: number, options?: BatchNormOptions) => new BatchNorm(numFeatures, 2, options);
