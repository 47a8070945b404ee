// Layer-wise sparsity distributions for dynamic sparse training (RigL, Evci et al. 2020; SRigL, Lasby
// et al. 2024; research/sparsity.md §A "Layer-wise sparsity" and §D "ERK").
//
//   uniform  every sparse layer gets one density d_u, chosen so the global budget is kept when some
//            layers are forced dense (firstLayerDense, denseLayers):
//              d_u = (N_total·d − N_dense) / N_sparse            (CS _uniform_sparsity_dist).
//            Where the dense layers alone exceed the budget (d_u < 0) this is an error; CS falls back to
//            the unadjusted density with a warning, which silently misses the budget.
//   erk      kernel-aware Erdős–Rényi: raw_l = (Σ shape_l / Π shape_l)^power (kernel dims included), and
//              ε = (Σ_sparse (N_l − z_l) − Σ_dense z_l) / Σ_sparse raw_l·N_l,   z_l = floor(N_l·(1−d)),
//            density_l = ε·raw_l. Any layer with ε·raw_l > 1 is made dense and ε recomputed until none
//            overflows. CS and RL densify only the layer(s) of largest raw_l per round; this densifies
//            every overflowing layer at once — the same result, because densifying an overflowing layer
//            only raises ε (ε' > ε ⇔ ε·raw > 1), so a layer that overflows now overflows in every later round.
//
// Counts: a layer keeps nnz_l = floor(N_l·density_l) weights (CS int(numel·(1−s))); its constant
// fan-in (SRigL) is k_l = floor(nnz_l / n_out). A tiny tolerance (1e-9 relative) absorbs float error
// in N·density so that, e.g., 100 weights at density 0.1 keep 10, not 9 (0.9 is not exact in binary).
import { valueError } from '../core/errors.js';
import { checkKeys, numberOption, booleanOption, optionError } from '../optim/options.js';

export type SparsityDistribution = 'uniform' | 'erk';

export interface LayerShape {
  /** Parameter path, e.g. "0.weight". */
  name: string;
  /** Linear [out, in] or Conv2d [out, in/groups, kh, kw]. */
  shape: readonly number[];
}

export interface DistributionOptions {
  /** Global sparsity over the given layers, in [0, 1). */
  sparsity: number;
  distribution: SparsityDistribution;
  /** Keep the first layer dense (the budget is kept by the other layers). Default false. */
  firstLayerDense?: boolean;
  /** Further layers kept dense (e.g. ignore-linear / ignore-MHA choices), by name. */
  denseLayers?: readonly string[];
  /** ERK exponent on the raw probability (CS erk_power_scale). Default 1. */
  erkPower?: number;
}

export interface LayerDensity {
  name: string;
  shape: number[];
  /** Π shape. */
  size: number;
  density: number;
  sparsity: number;
  /** Weights kept: floor(size·density). */
  nnz: number;
  /** Rows (output units): shape[0]. */
  nOut: number;
  /** Dense fan-in: Π shape[1:] (in·kh·kw for a conv). */
  denseFanIn: number;
  /** Constant fan-in at this density: floor(nnz / nOut) (SRigL's k). */
  fanIn: number;
  /** Kept dense (by request or by ERK densification). */
  dense: boolean;
}

export interface DistributionReport {
  layers: LayerDensity[];
  /** Target global density 1 − sparsity. */
  targetDensity: number;
  /** Σ density_l·N_l / Σ N_l (equals the target up to float error). */
  density: number;
  /** Σ nnz_l and Σ N_l. */
  nnz: number;
  size: number;
}

const OP = 'layerDensities';

/** floor(n·density) with a 1e-9 relative tolerance for float error in the product. */
export function keptCount(n: number, density: number): number {
  const x = n * density;
  return Math.min(n, Math.floor(x + 1e-9 * Math.max(1, x)));
}

/** SRigL's constant fan-in after ablating `ablated` of the layer's rows: floor(floor(N·d) / (n_out − ablated)). */
export function constantFanIn(shape: readonly number[], density: number, ablated = 0): number {
  const size = shape.reduce((p, d) => p * d, 1);
  const active = shape[0]! - ablated;
  if (!(active > 0)) throw valueError('constantFanIn', 'ablated', `fewer than the ${shape[0]} rows`, ablated);
  return Math.floor(keptCount(size, density) / active);
}

/** Per-layer densities for a global sparsity under the uniform or ERK distribution. */
export function layerDensities(layers: readonly LayerShape[], options: DistributionOptions): DistributionReport {
  const o = checkKeys(OP, options, ['sparsity', 'distribution', 'firstLayerDense', 'denseLayers', 'erkPower']);
  const sparsity = numberOption(OP, 'sparsity', o.sparsity, undefined, { min: 0, below: 1 });
  const firstLayerDense = booleanOption(OP, 'firstLayerDense', o.firstLayerDense, false);
  const power = numberOption(OP, 'erkPower', o.erkPower, 1, { min: 0 });
  if (o.distribution !== 'uniform' && o.distribution !== 'erk') throw optionError(OP, 'distribution', "'uniform' or 'erk'", o.distribution);
  if (layers.length === 0) throw valueError(OP, 'layers', 'at least one weight', '[]');
  for (const l of layers) {
    if ((l.shape.length !== 2 && l.shape.length !== 4) || l.shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw valueError(OP, `layers (${l.name})`, 'a linear [out, in] or conv [out, in, kh, kw] shape of positive integers', `[${l.shape.join(', ')}]`);
    }
  }
  const names = layers.map((l) => l.name);
  const dense = new Set<number>();
  for (const d of (o.denseLayers as readonly string[] | undefined) ?? []) {
    const i = names.indexOf(d);
    if (i < 0) throw optionError(OP, 'denseLayers', `names among the layers (${names.join(', ')})`, d);
    dense.add(i);
  }
  if (firstLayerDense && layers.length > 1) dense.add(0);
  const d = 1 - sparsity;
  const sizes = layers.map((l) => l.shape.reduce((p, x) => p * x, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const densities = new Array<number>(layers.length).fill(1);

  if (o.distribution === 'uniform') {
    const nDense = sizes.reduce((a, n, i) => a + (dense.has(i) ? n : 0), 0);
    const nSparse = total - nDense;
    if (nSparse > 0) {
      const du = (total * d - nDense) / nSparse;
      if (du < 0) throw valueError(OP, 'sparsity', `a budget (${Math.round(total * d)} weights) that covers the dense layers (${nDense} weights)`, sparsity);
      for (let i = 0; i < layers.length; i++) if (!dense.has(i)) densities[i] = Math.min(1, du);
    }
  } else {
    const raw = layers.map((l) => (l.shape.reduce((a, x) => a + x, 0) / l.shape.reduce((p, x) => p * x, 1)) ** power);
    for (;;) {
      let rhs = 0, divisor = 0;
      for (let i = 0; i < layers.length; i++) {
        const zeros = sizes[i]! - keptCount(sizes[i]!, d);
        if (dense.has(i)) rhs -= zeros;
        else {
          rhs += sizes[i]! - zeros;
          divisor += raw[i]! * sizes[i]!;
        }
      }
      if (divisor === 0) break; // every layer dense
      const eps = rhs / divisor;
      if (eps < 0) throw valueError(OP, 'sparsity', 'a budget that covers the layers kept dense', sparsity);
      const overflow = layers.map((_, i) => i).filter((i) => !dense.has(i) && eps * raw[i]! > 1);
      if (overflow.length === 0) {
        for (let i = 0; i < layers.length; i++) if (!dense.has(i)) densities[i] = eps * raw[i]!;
        break;
      }
      for (const i of overflow) dense.add(i);
    }
  }

  const out: LayerDensity[] = layers.map((l, i) => {
    const density = densities[i]!, nnz = keptCount(sizes[i]!, density), nOut = l.shape[0]!;
    return {
      name: l.name, shape: [...l.shape], size: sizes[i]!, density, sparsity: 1 - density, nnz, nOut,
      denseFanIn: sizes[i]! / nOut, fanIn: Math.floor(nnz / nOut), dense: density >= 1,
    };
  });
  return {
    layers: out,
    targetDensity: d,
    density: out.reduce((a, l) => a + l.density * l.size, 0) / total,
    nnz: out.reduce((a, l) => a + l.nnz, 0),
    size: total,
  };
}

/** A plain-text table of a distribution report: one row per layer (density, nnz, fan-in) and a total. */
export function formatDistribution(report: DistributionReport): string {
  const rows = [
    ['layer', 'shape', 'weights', 'density', 'nnz', 'fan-in', 'dense fan-in'],
    ...report.layers.map((l) => [l.name + (l.dense ? ' (dense)' : ''), `[${l.shape.join('×')}]`, String(l.size), l.density.toFixed(4), String(l.nnz), String(l.fanIn), String(l.denseFanIn)]),
    ['total', '', String(report.size), report.density.toFixed(4), String(report.nnz), '', ''],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
