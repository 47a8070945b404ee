// Memory formulas: Korthikanti et al.'s activation bytes per layer (arXiv 2205.05198, 16-bit),
// Transformer Math 101's bytes per parameter, ZeRO's sharding of model states (note §C.1, §C.5).

export type ActivationMode = 'none' | 'tp' | 'tp-sp' | 'tp-selective' | 'tp-sp-selective' | 'full-recompute';

/**
 * Activation bytes per transformer layer (16-bit), s sequence, b batch, h hidden, a heads, t TP degree:
 * none sbh(34 + 5as/h); TP sbh(10 + 24/t + 5as/(ht)); TP+SP sbh/t·(34 + 5as/h);
 * TP + selective recompute sbh(10 + 24/t); TP+SP + selective 34sbh/t; full recompute 2sbh.
 */
export function korthikantiActivationBytes(mode: ActivationMode, c: { s: number; b: number; h: number; a: number; t?: number }): number {
  const { s, b, h, a } = c, t = c.t ?? 1, sbh = s * b * h;
  switch (mode) {
    case 'none': return sbh * (34 + (5 * a * s) / h);
    case 'tp': return sbh * (10 + 24 / t + (5 * a * s) / (h * t));
    case 'tp-sp': return (sbh / t) * (34 + (5 * a * s) / h);
    case 'tp-selective': return sbh * (10 + 24 / t);
    case 'tp-sp-selective': return (34 * sbh) / t;
    case 'full-recompute': return 2 * sbh;
  }
}

export type Precision = 'fp32' | 'bf16' | 'int8';
export type OptimizerKind = 'adamw' | 'adamw-8bit' | 'sgd-momentum' | 'none';

/** Transformer Math 101 bytes per parameter: weights 4/2/1, gradients 4 or 2, AdamW 12 (fp32 copy + m + v), 8-bit Adam 6, SGD+momentum 8. */
export function bytesPerParameter(o: { weights: Precision; gradients?: 'fp32' | 'bf16' | 'none'; optimizer: OptimizerKind }): { weights: number; gradients: number; optimizer: number; total: number } {
  const weights = o.weights === 'fp32' ? 4 : o.weights === 'bf16' ? 2 : 1;
  const gradients = o.gradients === 'fp32' ? 4 : o.gradients === 'bf16' ? 2 : 0;
  const optimizer = { adamw: 12, 'adamw-8bit': 6, 'sgd-momentum': 8, none: 0 }[o.optimizer];
  return { weights, gradients, optimizer, total: weights + gradients + optimizer };
}

/** Model-state bytes per device under ZeRO stage 0–3 across N data-parallel ranks (1: optimizer /N, 2: + gradients, 3: + weights). */
export function zeroModelStateBytes(params: number, n: number, stage: 0 | 1 | 2 | 3, perParam: { weights: number; gradients: number; optimizer: number }): number {
  const w = params * perParam.weights, g = params * perParam.gradients, o = params * perParam.optimizer;
  return (stage >= 3 ? w / n : w) + (stage >= 2 ? g / n : g) + (stage >= 1 ? o / n : o);
}

/** KV cache bytes (Transformer Math / cookbook): 2·bytes·L·(s + out)·b·kvDim. */
export function kvCacheBytes(c: { bytes: number; layers: number; seq: number; out?: number; batch: number; kvDim: number }): number {
  return 2 * c.bytes * c.layers * (c.seq + (c.out ?? 0)) * c.batch * c.kvDim;
}
