// Condensed constant fan-in layers (SRigL, Lasby et al. 2024, §B of research/sparsity.md): a masked Linear
// whose active rows all have the same fan-in k becomes values [nActive, k] + input indices [nActive, k] +
// the list of active rows, and y = fanInMatmul(x, values, indices) + bias over the active rows only.
//
// Differences from the reference code (src/condensed_sparsity/condensed_linear.py):
// - Active rows come from the mask (a row is ablated iff its mask row is all zero), not from
//   `W.sum(dim=1) != 0`, which also drops live rows whose weights happen to sum to 0 (e.g. zero-init grown).
// - Removing rows of layer l removes input columns of layer l+1. The reference simply drops them; here the
//   removed inputs' constant value (the ablated row's activation(bias), 0 without bias) times their weights
//   is folded into layer l+1's bias, so the condensed network equals the masked dense one exactly. Rows that
//   lose entries this way are padded back to the common fan-in with value-0 entries (counted in `padded`).
//
// Index dtype: Uint16Array when inFeatures ≤ 65,535, else Int32Array (the wasm kernel takes Uint16Array or
// Int32Array; indices < 2^31 so i32 is exact, and files store it as I32).
import { shapeError, valueError } from '../core/errors.js';
import { Activation, Dropout, Flatten, Linear, Sequential, type Module } from '../nn/index.js';
import * as T from '../tensor/index.js';
import { Tensor } from '../tensor/index.js';
import type { Preprocessing } from '../io/checkpoint.js';

export type CondensedIndices = Uint16Array | Int32Array;

/** A condensed layer is its tensors: what fanInMatmul reads, what the file stores, nothing cached beside them. */
export interface CondensedLinear {
  /** f32 [nActive, fanIn]: the kept weights of each active row. */
  readonly values: Tensor;
  /** u16 or i32 [nActive, fanIn]: the input column of each value, in [0, inFeatures). */
  readonly indices: Tensor;
  /** The dense layer's rows that are kept, strictly increasing, in [0, outFeatures). */
  readonly activeRows: Int32Array;
  /** f32 [nActive] (removed inputs' contributions folded in), or null. */
  readonly bias: Tensor | null;
  /** Width of the input the condensed layer reads (the kept input columns). */
  readonly inFeatures: number;
  /** Rows of the dense layer; the condensed output has activeRows.length features. */
  readonly outFeatures: number;
  readonly fanIn: number;
  /** Entries with value 0 added to rows that lost inputs to column removal (0 for a plain SRigL layer). */
  readonly padded: number;
}

export interface CondenseLinearOptions {
  /** Dense weight [out, in] (f32 or f64; values are stored as f32). */
  weight: Tensor;
  /** 0/1 mask of the weight, [out, in] row-major; a row with no ones is ablated. */
  mask: Uint8Array | Tensor;
  /** [out] */
  bias?: Tensor | null;
  /** Sorted input columns that remain (the previous layer's active rows); all columns by default. */
  inputKeep?: ArrayLike<number>;
  /** The constant value each removed input column carries (length in; 0 by default). Folded into the bias. */
  inputConstants?: ArrayLike<number>;
  /** Keep ablated rows as all-zero rows (they output the bias): what the last layer of a network needs. */
  keepAllRows?: boolean;
}

const OP = 'condenseLinear';

function maskArray(mask: Uint8Array | Tensor, out: number, inF: number): Uint8Array {
  const data = mask instanceof Tensor ? mask.data : mask;
  if (mask instanceof Tensor && (mask.rank !== 2 || mask.shape[0] !== out || mask.shape[1] !== inF)) throw shapeError(OP, 'mask', `[${out}, ${inF}]`, mask.shape);
  if (!(data instanceof Uint8Array)) throw valueError(OP, 'mask', 'a u8 0/1 mask', data.constructor.name);
  if (data.length !== out * inF) throw shapeError(OP, 'mask', `${out}·${inF} = ${out * inF} elements`, data.length);
  return data;
}

/** Column → condensed position (−1 if removed), checking inputKeep is sorted, distinct and in range. */
function columnMap(inF: number, inputKeep: ArrayLike<number> | undefined): Int32Array {
  const map = new Int32Array(inF);
  if (!inputKeep) {
    for (let c = 0; c < inF; c++) map[c] = c;
    return map;
  }
  map.fill(-1);
  for (let j = 0; j < inputKeep.length; j++) {
    const c = inputKeep[j]!;
    if (!Number.isInteger(c) || c < 0 || c >= inF) throw valueError(OP, `inputKeep[${j}]`, `a column in [0, ${inF})`, c);
    if (j > 0 && c <= inputKeep[j - 1]!) throw valueError(OP, `inputKeep[${j}]`, `strictly increasing columns (previous ${inputKeep[j - 1]})`, c);
    map[c] = j;
  }
  return map;
}

/** Condense one masked Linear layer; throws naming the row when active rows differ in fan-in. */
export function condenseLinear(options: CondenseLinearOptions): CondensedLinear {
  const { weight, bias = null, inputKeep, inputConstants, keepAllRows = false } = options;
  if (weight.rank !== 2 || (weight.dtype !== 'f32' && weight.dtype !== 'f64')) throw shapeError(OP, 'weight', 'an f32/f64 [out, in] tensor', `${weight.dtype} [${weight.shape.join(', ')}]`);
  const [out, inF] = weight.shape as [number, number];
  const mask = maskArray(options.mask, out, inF);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== out)) throw shapeError(OP, 'bias', `[${out}]`, bias.shape);
  if (inputConstants && inputConstants.length !== inF) throw shapeError(OP, 'inputConstants', `${inF} values`, inputConstants.length);
  const map = columnMap(inF, inputKeep);
  const inFeatures = inputKeep ? inputKeep.length : inF;
  const w = weight.data;

  // Fan-in per row from the mask; every active row must have the first active row's count.
  const counts = new Int32Array(out);
  let k = -1, firstRow = -1;
  for (let r = 0; r < out; r++) {
    let n = 0;
    for (let c = 0, at = r * inF; c < inF; c++, at++) if (mask[at]) n++;
    counts[r] = n;
    if (n === 0) continue;
    if (k < 0) [k, firstRow] = [n, r];
    else if (n !== k) {
      throw valueError(OP, `mask row ${r}`, `the constant fan-in ${k} of the active rows (row ${firstRow} has ${k})`, `${n} non-zeros`);
    }
  }
  const rows: number[] = [];
  for (let r = 0; r < out; r++) if (keepAllRows || counts[r]! > 0) rows.push(r);

  // Kept entries per row; removed columns fold value·constant into the bias.
  const kept: { idx: number[]; val: number[] }[] = [];
  const folded = new Float64Array(rows.length);
  let fanIn = 0;
  for (const [a, r] of rows.entries()) {
    const idx: number[] = [], val: number[] = [];
    for (let c = 0, at = r * inF; c < inF; c++, at++) {
      if (!mask[at]) continue;
      if (map[c]! >= 0) {
        idx.push(map[c]!);
        val.push(w[at]!);
      } else folded[a]! += w[at]! * (inputConstants ? inputConstants[c]! : 0);
    }
    kept.push({ idx, val });
    fanIn = Math.max(fanIn, idx.length);
  }
  const n = rows.length;
  const values = new Float32Array(n * fanIn);
  const indices: CondensedIndices = inFeatures <= 65535 ? new Uint16Array(n * fanIn) : new Int32Array(n * fanIn);
  let padded = 0;
  for (let a = 0; a < n; a++) {
    const { idx, val } = kept[a]!;
    const pad = idx.at(-1) ?? 0; // a value-0 entry reads a column the row already reads (stays in cache)
    for (let j = 0; j < fanIn; j++) {
      values[a * fanIn + j] = j < val.length ? val[j]! : 0;
      indices[a * fanIn + j] = j < idx.length ? idx[j]! : pad;
    }
    padded += fanIn - idx.length;
  }
  const hasFold = folded.some((v) => v !== 0);
  let b: Float32Array | null = null;
  if (bias || hasFold) {
    b = new Float32Array(n);
    for (let a = 0; a < n; a++) b[a] = (bias ? bias.data[rows[a]!]! : 0) + folded[a]!;
  }
  const shape = [n, fanIn];
  return {
    values: new Tensor(values, shape), indices: new Tensor(indices, shape), activeRows: Int32Array.from(rows), bias: b && new Tensor(b, [n]),
    inFeatures, outFeatures: out, fanIn, padded,
  };
}

/** y [batch, nActive] = fanInMatmul(x, values, indices) + bias for x [batch, inFeatures] (or [inFeatures]). */
export function condensedForward(layer: CondensedLinear, x: Tensor): Tensor {
  if (x.shape.at(-1) !== layer.inFeatures || x.rank > 2) throw shapeError('condensedForward', 'x', `[batch, ${layer.inFeatures}] or [${layer.inFeatures}]`, x.shape);
  const rows = x.rank === 1 ? T.reshape(x, [1, layer.inFeatures]) : x;
  const xv = rows.dtype === 'f32' ? rows : T.cast(rows, 'f32');
  let y = T.fanInMatmul(xv, layer.values, layer.indices); // the same index tensor every call: validated once
  if (layer.bias) y = T.add(y, layer.bias);
  return x.rank === 1 ? T.reshape(y, [layer.activeRows.length]) : y;
}

/** A condensed layer expanded back to dense: weight f32 [outFeatures, inFeatures] row-major (ablated rows 0), bias [outFeatures]. */
export interface DenseOfCondensed {
  weight: Float32Array;
  inFeatures: number;
  outFeatures: number;
  bias: Float32Array | null;
  activations: string[];
}

/** The dense layer a condensed one computes: y = x·weightᵀ + bias equals condensedForward on the active rows. */
export function denseOfCondensed(l: CondensedLinear): DenseOfCondensed {
  const weight = new Float32Array(l.outFeatures * l.inFeatures);
  const v = l.values.data, idx = l.indices.data;
  l.activeRows.forEach((r, a) => {
    for (let j = 0; j < l.fanIn; j++) weight[r * l.inFeatures + idx[a * l.fanIn + j]!]! += v[a * l.fanIn + j]!;
  });
  let bias: Float32Array | null = null;
  if (l.bias) {
    bias = new Float32Array(l.outFeatures);
    l.activeRows.forEach((r, a) => (bias![r] = l.bias!.data[a]!));
  }
  return { weight, inFeatures: l.inFeatures, outFeatures: l.outFeatures, bias, activations: [] };
}

// ------------------------------------------------------------------------------------------- networks

/** Elementwise activations a condensed network may apply between layers, by Activation name. */
export const CONDENSED_ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  relu: T.relu, gelu: T.gelu, silu: T.silu, tanh: T.tanh, sigmoid: T.sigmoid, erf: T.erf, identity: (x) => x,
};

export interface CondensedMlp {
  readonly layers: CondensedLinear[];
  /** activations[i]: names of the elementwise activations applied after layer i, in order. */
  readonly activations: string[][];
  /** What the network expects as input, when known (condensed from a training checkpoint). */
  readonly input?: CondensedInput;
}

/** The data a condensed classifier was trained on and how its inputs were standardised. */
export interface CondensedInput {
  dataset: string;
  preprocessing: Preprocessing;
}

/** What a condensed classifier expects as input; an error when its file does not say (version 1, or not condensed from a checkpoint). */
export function condensedInput(mlp: CondensedMlp): CondensedInput {
  if (!mlp.input) throw valueError('condensedInput', 'the condensed file', 'an "input" description (dataset and standardisation; written by tessera sparse condense since version 2)', 'none: its input standardisation is unknown');
  return mlp.input;
}

export interface CondenseMlpOptions {
  /** Keep the last layer's ablated rows so the output has the dense width (default true). */
  keepLastRows?: boolean;
}

/**
 * Condense a Sequential of Linear layers (masked with setMask, or dense) separated by elementwise
 * Activations (Flatten and Dropout are allowed and act as identity at inference). Each layer's removed rows
 * remove the next layer's input columns; their constant outputs are folded into the next bias.
 */
export function condenseMlp(model: Sequential, options: CondenseMlpOptions = {}): CondensedMlp {
  const op = 'condenseMlp';
  const masks = model.namedMasks(), params = model.namedParameters();
  const linears = model.layers.flatMap((l, i) => (l instanceof Linear ? [i] : []));
  if (linears.length === 0) throw valueError(op, 'model', 'a Sequential with at least one Linear layer', 'none');
  const layers: CondensedLinear[] = [];
  const activations: string[][] = [];
  let keep: Int32Array | null = null;
  let constants: Float64Array | null = null;
  let pending: Activation[] = [];
  for (const [i, module] of model.layers.entries()) {
    if (module instanceof Linear) {
      if (module.parameterization !== 'standard') throw valueError(op, `layer ${i}`, "a Linear with parameterization 'standard'", module.parameterization);
      if (layers.length > 0) activations.push(pending.map((a) => a.name));
      else if (pending.length > 0) throw valueError(op, `layer ${i}`, 'no activation before the first Linear', pending.map((a) => a.name).join(', '));
      const weight = params[`${i}.weight`]!, bias = params[`${i}.bias`] ?? null;
      const mask = masks[`${i}.weight`]?.data as Uint8Array | undefined ?? new Uint8Array(weight.size).fill(1);
      const isLast = i === linears.at(-1);
      const removedConstants = constants && keep ? outputsOf(constants, pending) : undefined;
      const layer = condenseLinear({
        weight, mask, bias,
        ...(keep ? { inputKeep: keep } : {}),
        ...(removedConstants ? { inputConstants: removedConstants } : {}),
        keepAllRows: isLast && (options.keepLastRows ?? true),
      });
      layers.push(layer);
      keep = layer.activeRows;
      // Pre-activation output of every dense row when it is removed: its bias (ablated rows have no weights).
      constants = new Float64Array(module.outFeatures);
      if (bias) constants.set(bias.data);
      pending = [];
    } else if (module instanceof Activation) {
      if (!(module.name in CONDENSED_ACTIVATIONS)) throw valueError(op, `layer ${i}`, `an activation in ${Object.keys(CONDENSED_ACTIVATIONS).join(', ')}`, module.name);
      pending.push(module);
    } else if (!(module instanceof Flatten || module instanceof Dropout)) {
      throw valueError(op, `layer ${i}`, 'Linear, an elementwise Activation, Flatten or Dropout', (module as Module).constructor.name);
    }
  }
  activations.push(pending.map((a) => a.name));
  return { layers, activations };
}

/** The activations applied to the removed rows' constant pre-activations. */
function outputsOf(preActivation: Float64Array, acts: readonly Activation[]): Float64Array {
  let h = new Tensor(Float64Array.from(preActivation), [1, preActivation.length]);
  T.noGrad(() => {
    for (const a of acts) h = CONDENSED_ACTIVATIONS[a.name]!(h);
  });
  return h.data as Float64Array;
}

/** Run a condensed network on x [batch, …] (flattened to [batch, features]). */
export function condensedMlpForward(mlp: CondensedMlp, x: Tensor): Tensor {
  let h = x.rank > 2 ? T.reshape(x, [x.shape[0]!, -1]) : x;
  mlp.layers.forEach((layer, i) => {
    h = condensedForward(layer, h);
    for (const name of mlp.activations[i] ?? []) {
      const fn = CONDENSED_ACTIVATIONS[name];
      if (!fn) throw valueError('condensedMlpForward', `activations[${i}]`, `one of ${Object.keys(CONDENSED_ACTIVATIONS).join(', ')}`, name);
      h = fn(h);
    }
  });
  return h;
}
