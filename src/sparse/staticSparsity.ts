// Static random sparsity on a model (Golubeva et al. 2021, §2.3; ResNet18/main.py prep_model_and_smask):
// choose the weight tensors, share the removals among them by water-filling, draw a random mask per
// layer, re-initialise each sparsified layer for its reduced fan-in, and set the masks on the model.
//
// Counting: only the chosen weight tensors count (default: every Linear and Conv2d weight). Biases and
// batch-norm parameters are neither counted nor sparsified, as in the paper ("BatchNorm weights are
// neither counted nor sparsified") and the code (get_tensor_dims reads `.weight` of Linear/Conv2d only).
//
// Re-initialisation of a sparsified layer with connectivity c = kept/total (layers with no removals are
// left as they are, as in the original):
//   standard  W, b ~ U(−1/√(fan_in·c), +1/√(fan_in·c))  (ResNet18/utils.py adjust_layer_init + get_fanin:
//             fan_in = in·kh·kw for conv, in for linear — the weight shape's dims[1:] product — and the
//             bias, when the layer has one, is redrawn with the same bound; MLP/models.py does the same
//             with stddev = 1/√(num_in·ctvt)).
//   ntk       (Linear layers in 'ntk' parameterisation, y = (σ_w/√in)·x·Wᵀ): W ~ N(0, 1/c), so that each
//             unit's pre-activation variance is that of the dense layer (MLP/models.py NTK_style:
//             prefactor 1/√num_in, stddev 1/√ctvt). With ntkInit 'uniform', W ~ U(±1/√c): MLP/main.py's
//             default --init_distrib is 'uniform', and generate_args.py does not override it, so the
//             paper's NTK runs probably drew uniform weights (variance 1/(3c)); the paper's analysis
//             (App. F) uses N(0, 1/p). The bias is left alone: tessera's NTK bias enters as σ_b·b with
//             no fan-in factor, unlike the original's prefactor·(Wx + b).
//   auto      (default) ntk for NTK-parameterised Linear layers, standard for the rest.
//   none      keep the values (masked entries are still zeroed by setMask).
//
// Training: Module masks multiply the parameter in the forward pass, so masked gradients are zero
// (the original zeroes them each step, ResNet18/main.py train); after each optimizer step the
// training loop's enforceMasks zeroes masked weights and their optimizer state.
import { rangeError, valueError } from '../core/errors.js';
import { foldIn, normalValues, split, uniformValues, type Key } from '../core/random.js';
import { Conv2d, Linear, type Module } from '../nn/index.js';
import { fans } from '../nn/init.js';
import type { Tensor } from '../tensor/index.js';
import { maskUnitSize, randomMask } from './masks.js';
import { waterFillingRemovals } from './waterFilling.js';

export type ReinitRule = 'auto' | 'standard' | 'ntk' | 'none';

export interface StaticSparsityOptions {
  key: Key;
  /** Weights to remove in all (from the chosen layers). Give exactly one of removeTotal, budget, removals. */
  removeTotal?: number;
  /** Weights to keep in all among the chosen layers: removeTotal = Σ sizes − budget. */
  budget?: number;
  /** Explicit removals per weight path, bypassing water-filling (as MLP/main.py's --nwtf_fc / --nwtf_cl). */
  removals?: Readonly<Record<string, number>>;
  /** Weight paths to count and sparsify; default every Linear and Conv2d weight, in module order. */
  layers?: readonly string[];
  /** Paths among `layers` that are counted but kept dense (e.g. the readout: fract_freeze_cl = 0). */
  denseLayers?: readonly string[];
  /** Remove whole kh×kw kernels of conv weights (the io_only variant; totals may then miss by a few packs). */
  ioOnly?: boolean;
  reinit?: ReinitRule;
  /** Distribution of the NTK re-init: N(0, 1/c) (default) or U(±1/√c) (the MLP code's default). */
  ntkInit?: 'normal' | 'uniform';
}

export interface LayerConnectivity {
  /** Weight path, e.g. "0.weight". */
  name: string;
  shape: number[];
  total: number;
  kept: number;
  /** kept / total. */
  connectivity: number;
  /** Kept dense by request (denseLayers). */
  dense: boolean;
}

export interface ConnectivityReport {
  layers: LayerConnectivity[];
  total: number;
  kept: number;
  /** kept / total over the counted layers: the paper's connectivity. */
  connectivity: number;
  /** The weights the caller asked to keep (total − requested removals). */
  targetKept: number;
}

const OP = 'applyStaticSparsity';

/** Every Linear and Conv2d weight path of the model, in module order. */
export function sparsifiableWeights(model: Module): string[] {
  return model.namedModules()
    .filter(([, m]) => m instanceof Linear || m instanceof Conv2d)
    .map(([path]) => (path ? `${path}.weight` : 'weight'));
}

function ownerOf(model: Module, weightPath: string): Module | undefined {
  const path = weightPath.includes('.') ? weightPath.slice(0, weightPath.lastIndexOf('.')) : '';
  return model.namedModules().find(([p]) => p === path)?.[1];
}

function fill(target: Tensor, values: Float64Array): void {
  target.data.set(values);
}

function reinitLayer(model: Module, name: string, weight: Tensor, bias: Tensor | undefined, c: number, rule: ReinitRule, ntkInit: 'normal' | 'uniform', key: Key): void {
  if (rule === 'none') return;
  const owner = ownerOf(model, name);
  const isNtk = owner instanceof Linear && owner.parameterization === 'ntk';
  const layerRule = rule === 'auto' ? (isNtk ? 'ntk' : 'standard') : rule;
  if (layerRule === 'ntk' && !isNtk) throw valueError(OP, `reinit for ${name}`, "'ntk' only on Linear layers in NTK parameterisation", rule);
  if (layerRule === 'standard' && isNtk) throw valueError(OP, `reinit for ${name}`, "'standard' only on standard-parameterised layers (this Linear is NTK)", rule);
  if (layerRule === 'standard' && !(owner instanceof Linear || owner instanceof Conv2d)) {
    throw valueError(OP, `reinit for ${name}`, "a Linear or Conv2d weight (or reinit: 'none')", owner?.constructor.name ?? 'no owning module');
  }
  const precision = weight.dtype === 'f64' ? 'f64' : 'f32';
  const [kw, kb] = split(key);
  const uniform = (k: Key, n: number, bound: number): Float64Array => uniformValues(k, n, precision).map((u) => (2 * u - 1) * bound);
  if (layerRule === 'ntk') {
    fill(weight, ntkInit === 'uniform' ? uniform(kw!, weight.size, 1 / Math.sqrt(c)) : normalValues(kw!, weight.size, precision).map((z) => z / Math.sqrt(c)));
    return;
  }
  const bound = 1 / Math.sqrt(fans(weight.shape).fanIn * c); // U(±1/√(fan_in·c)), weight and bias
  fill(weight, uniform(kw!, weight.size, bound));
  if (bias) fill(bias, uniform(kb!, bias.size, bound));
}

/**
 * Make `model` statically sparse: removals shared by water-filling (or given per layer), a random mask
 * per layer (Module.setMask), re-initialisation for the reduced fan-in. Returns the connectivity report.
 */
export function applyStaticSparsity(model: Module, options: StaticSparsityOptions): ConnectivityReport {
  const { key, ioOnly = false, reinit = 'auto', ntkInit = 'normal' } = options;
  const params = model.namedParameters();
  const masks = model.namedMasks();
  const layers = [...(options.layers ?? sparsifiableWeights(model))];
  if (layers.length === 0) throw valueError(OP, 'layers', 'at least one weight to sparsify', '[]');
  if (new Set(layers).size !== layers.length) throw valueError(OP, 'layers', 'distinct weight paths', layers);
  const weights = layers.map((name) => {
    const p = params[name];
    if (!p) throw valueError(OP, 'layers', `parameter paths of the model (e.g. ${Object.keys(params).slice(0, 4).join(', ')})`, name);
    if (p.rank !== 2 && p.rank !== 4) throw valueError(OP, `layers (${name})`, 'a linear [out, in] or conv [out, in, kh, kw] weight', `shape [${p.shape.join(', ')}]`);
    if (masks[name]) throw valueError(OP, `layers (${name})`, 'a weight without a mask (static sparsity is applied once)', 'a masked weight');
    return p;
  });
  const denseSet = new Set(options.denseLayers ?? []);
  for (const d of denseSet) if (!layers.includes(d)) throw valueError(OP, 'denseLayers', `paths among the sparsified layers (${layers.join(', ')})`, d);
  const sizes = weights.map((w) => w.size);
  const total = sizes.reduce((a, b) => a + b, 0);

  const given = [options.removeTotal, options.budget, options.removals].filter((x) => x !== undefined).length;
  if (given !== 1) throw valueError(OP, 'options', 'exactly one of removeTotal, budget, removals', `${given} given`);
  let removals: number[];
  if (options.removals) {
    const explicit = options.removals;
    for (const k of Object.keys(explicit)) if (!layers.includes(k)) throw valueError(OP, 'removals', `keys among the sparsified layers (${layers.join(', ')})`, k);
    removals = layers.map((name, i) => {
      const r = explicit[name] ?? 0;
      if (!Number.isSafeInteger(r) || r < 0 || r > sizes[i]!) throw rangeError(OP, `removals['${name}']`, `an integer in [0, ${sizes[i]}]`, r);
      if (r > 0 && denseSet.has(name)) throw valueError(OP, `removals['${name}']`, '0 for a dense layer', r);
      if (r % maskUnitSize(weights[i]!.shape, ioOnly) !== 0) throw rangeError(OP, `removals['${name}']`, 'a multiple of the kernel size under ioOnly', r);
      return r;
    });
  } else {
    const removeTotal = options.budget !== undefined ? total - options.budget : options.removeTotal!;
    if (options.budget !== undefined && !(Number.isSafeInteger(options.budget) && options.budget >= 0 && options.budget <= total)) {
      throw rangeError(OP, 'budget', `an integer in [0, ${total}] (the weights in the chosen layers)`, options.budget);
    }
    removals = waterFillingRemovals(sizes, removeTotal, {
      dense: layers.map((n) => denseSet.has(n)),
      ...(ioOnly ? { granularity: weights.map((w) => maskUnitSize(w.shape, true)) } : {}),
    });
  }
  const requested = options.removals ? removals.reduce((a, b) => a + b, 0) : options.budget !== undefined ? total - options.budget : options.removeTotal!;

  const report: LayerConnectivity[] = layers.map((name, i) => {
    const w = weights[i]!, r = removals[i]!;
    const kept = w.size - r;
    if (r > 0) {
      const [km, kr] = split(foldIn(key, i));
      const mask = randomMask(km!, w.shape, r, { ioOnly });
      const biasPath = name.replace(/weight$/, 'bias');
      reinitLayer(model, name, w, biasPath !== name ? params[biasPath] : undefined, kept / w.size, reinit, ntkInit, kr!);
      model.setMask(name, mask);
    }
    return { name, shape: [...w.shape], total: w.size, kept, connectivity: kept / w.size, dense: denseSet.has(name) };
  });
  const kept = report.reduce((a, l) => a + l.kept, 0);
  return { layers: report, total, kept, connectivity: kept / total, targetKept: total - requested };
}

/** A plain-text table of a connectivity report, one row per layer and a total row. */
export function formatConnectivity(report: ConnectivityReport): string {
  const rows = [
    ['layer', 'shape', 'weights', 'kept', 'connectivity'],
    ...report.layers.map((l) => [l.name + (l.dense ? ' (dense)' : ''), `[${l.shape.join('×')}]`, String(l.total), String(l.kept), l.connectivity.toFixed(4)]),
    ['total', '', String(report.total), String(report.kept), report.connectivity.toFixed(4)],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1, -1).map(line), line(rows.at(-1)!)];
  if (report.targetKept !== report.kept) out.push(`(target ${report.targetKept} kept; ioOnly packs miss it by ${report.kept - report.targetKept})`);
  return out.join('\n');
}
