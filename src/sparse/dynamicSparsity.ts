// Dynamic sparse training driver: static sparse, RigL and SRigL on a model and its optimizer, wired into
// the training loop's two hooks (research/sparsity.md "What a faithful TypeScript reimplementation must
// include"; CS rigl_scheduler.py / rigl_constant_fan.py).
//
// Masks live here, not in Module.setMask: a Module mask multiplies the weight in the forward pass and so
// masks the gradient, but RigL grows by the *dense* gradient. So weights are plain parameters whose
// masked entries are exactly 0 in storage, and
//   onGradients(grads, t)  (after backward; t = steps taken) adds the dense gradients to the running mean
//                          for the next update when t is in the accumulation window, then zeroes the
//                          masked gradient entries in place (before clipping and the optimizer step);
//   afterStep(t)           (after optimizer step t, 1-based) zeroes masked weights and their optimizer
//                          state (resetState: all buffers, so Adam's moments too — CS resets only SGD's
//                          momentum_buffer), and on an update step (schedule.ts) runs the RigL / SRigL
//                          drop-grow per layer, sets newly grown weights to growInit (default 0; dropped-
//                          and-regrown positions keep their value), zeroes the optimizer state at every
//                          position whose mask changed, and checks the invariants.
//
// Initial masks: static/RigL a uniformly random subset of exactly floor(N·d_l) positions; SRigL exactly
// k = floor(floor(N·d_l)/n_out) random positions per row. Then (init ≠ 'none') each row is redrawn as
// N(0, σ²) with its own sparse fan-in f (CS sparse_init "grad_flow_init"): init 'variance' uses σ² = 2/f
// (the gradient-flow recipe, Evci et al. 2022 — the paper's intent); 'std-quirk' uses σ = 2/f, what CS's
// normal_(0, 2/fan_in) actually draws. Layers the distribution leaves dense are not touched.
import { TesseraError, valueError } from '../core/errors.js';
import { foldIn, normalValues, split, type Key } from '../core/random.js';
import type { Module } from '../nn/index.js';
import type { NamedTensors, Optimizer } from '../optim/index.js';
import { checkKeys, numberOption, booleanOption, optionError } from '../optim/options.js';
import { Tensor } from '../tensor/index.js';
import type { SparsityCheckpoint } from '../io/checkpoint.js';
import { layerDensities, type DistributionReport, type SparsityDistribution } from './distributions.js';
import { randomMask } from './masks.js';
import { riglLayerUpdate } from './rigl.js';
import { riglSchedule, type RiglSchedule } from './schedule.js';
import { constantFanInMask, sriglLayerUpdate, type SurplusTruncation } from './srigl.js';
import { sparsifiableWeights } from './staticSparsity.js';

export type DynamicMethod = 'static' | 'rigl' | 'srigl';
export type SparseInit = 'variance' | 'std-quirk' | 'none';

export interface DynamicSparsityOptions {
  method: DynamicMethod;
  /** Global sparsity over the chosen layers, in [0, 1). */
  sparsity: number;
  /** Layer-wise allocation. Default 'erk' (CS configs/config.yaml). */
  distribution?: SparsityDistribution;
  firstLayerDense?: boolean;
  /** Weight paths to sparsify; default every Linear and Conv2d weight in module order. */
  layers?: readonly string[];
  erkPower?: number;
  /** Optimizer steps in the whole run (T_end = tEndFraction·totalSteps). */
  totalSteps: number;
  deltaT?: number;
  alpha?: number;
  tEndFraction?: number;
  gradAccumulation?: number;
  /** SRigL: a row with fewer salient weights than max(1, floor(γ·k)) is ablated. Default 0.3. */
  gammaSal?: number;
  /** SRigL: neuron ablation on (default) or off. */
  ablation?: boolean;
  /** SRigL: the weight path never ablated; default the last sparsified layer. */
  lastLayer?: string;
  key: Key;
  init?: SparseInit;
  surplusTruncation?: SurplusTruncation;
  /** Value of newly grown weights. Default 0. */
  growInit?: number;
}

export interface LayerStats {
  name: string;
  shape: number[];
  /** Left dense by the distribution (no mask, never updated). */
  dense: boolean;
  /** Target density and weight budget floor(N·density). */
  targetDensity: number;
  budget: number;
  /** Active (mask = 1) positions now, and nnz / N. */
  nnz: number;
  density: number;
  /** SRigL: the constant fan-in k' of every active row; RigL/static: null (rows vary). */
  fanIn: number | null;
  /** Rows with at least one active weight / with none (SRigL: the rows ablated at the last update). */
  activeRows: number;
  ablatedRows: number;
  /** Topology updates so far. */
  updates: number;
}

export interface DynamicSparsity {
  readonly method: DynamicMethod;
  readonly schedule: RiglSchedule;
  readonly distribution: DistributionReport;
  onGradients(grads: NamedTensors, stepsTaken: number): void;
  afterStep(step: number): void;
  /** Copies of the current 0/1 masks (row-major, the weight's shape) by weight path; dense layers omitted. */
  masks(): Record<string, Uint8Array>;
  stats(): LayerStats[];
  /**
   * Replace masks (e.g. from a checkpoint), by weight path: weights and optimizer state are zeroed where
   * the new mask is 0; for SRigL the ablated rows become the empty rows and k' = floor(budget / active
   * rows). Nothing else is checked here — call checkInvariants() to validate the result.
   */
  loadMasks(masks: Readonly<Record<string, Uint8Array>>): void;
  /** Throws a TesseraError naming the layer when a mask, weight, gradient or optimizer state breaks the invariants. */
  checkInvariants(): void;
  /**
   * Everything the next steps depend on, for a checkpoint (io/checkpoint.ts): masks (u8, the weight's shape),
   * per layer `<name>/ablated` (u8 [rows]) and, inside an accumulation window, `<name>/acc` (f64, the running
   * mean of dense gradients); meta { method, layers: [{ name, fanIn, updates }] }.
   */
  stateDict(): SparsityCheckpoint;
  /** Restore stateDict() output exactly (validated: same method, layers and shapes), then checkInvariants(). */
  loadStateDict(state: SparsityCheckpoint): void;
}

interface LayerMeta {
  name: string;
  fanIn: number | null;
  updates: number;
}

interface Layer {
  name: string;
  weight: Tensor;
  rows: number;
  cols: number;
  density: number;
  budget: number;
  mask: Uint8Array;
  fanIn: number | null;
  ablated: Uint8Array;
  neverAblate: boolean;
  updates: number;
  acc: Float64Array | null;
}

const OP = 'createDynamicSparsity';
const KEYS = ['method', 'sparsity', 'distribution', 'firstLayerDense', 'layers', 'erkPower', 'totalSteps', 'deltaT', 'alpha',
  'tEndFraction', 'gradAccumulation', 'gammaSal', 'ablation', 'lastLayer', 'key', 'init', 'surplusTruncation', 'growInit'];

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback?: T): T {
  const v = value === undefined ? fallback : value;
  if (!allowed.includes(v as T)) throw optionError(OP, name, allowed.map((a) => `'${a}'`).join(' | '), v);
  return v as T;
}

function sparseInit(layer: Layer, rule: SparseInit, key: Key): void {
  const { weight, mask, rows, cols } = layer;
  const w = weight.data;
  const z = rule === 'none' ? null : normalValues(key, w.length, weight.dtype === 'f64' ? 'f64' : 'f32');
  for (let r = 0; r < rows; r++) {
    let f = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) f += mask[i]!;
    const std = rule === 'variance' ? Math.sqrt(2 / f) : 2 / f;
    for (let i = r * cols; i < (r + 1) * cols; i++) w[i] = mask[i] ? (z ? z[i]! * std : w[i]!) : 0;
  }
}

export function createDynamicSparsity(model: Module, optimizer: Optimizer, options: DynamicSparsityOptions): DynamicSparsity {
  const o = checkKeys(OP, options, KEYS);
  const method = oneOf<DynamicMethod>('method', o.method, ['static', 'rigl', 'srigl']);
  const init = oneOf<SparseInit>('init', o.init, ['variance', 'std-quirk', 'none'], 'variance');
  const surplus = oneOf<SurplusTruncation>('surplusTruncation', o.surplusTruncation, ['magnitude', 'arbitrary-quirk'], 'magnitude');
  const gammaSal = numberOption(OP, 'gammaSal', o.gammaSal, 0.3, { min: 0 });
  const ablation = booleanOption(OP, 'ablation', o.ablation, true);
  const growInit = numberOption(OP, 'growInit', o.growInit, 0);
  const key = o.key as Key;
  if (!Array.isArray(key) || key.length !== 2) throw optionError(OP, 'key', 'a PRNG key (core/random.ts key(seed))', key);
  const schedule = riglSchedule({
    totalSteps: options.totalSteps,
    ...(options.deltaT !== undefined && { deltaT: options.deltaT }),
    ...(options.alpha !== undefined && { alpha: options.alpha }),
    ...(options.tEndFraction !== undefined && { tEndFraction: options.tEndFraction }),
    ...(options.gradAccumulation !== undefined && { gradAccumulation: options.gradAccumulation }),
  });

  const params = model.namedParameters();
  const names = [...(options.layers ?? sparsifiableWeights(model))];
  if (new Set(names).size !== names.length) throw optionError(OP, 'layers', 'distinct weight paths', names);
  const weights = names.map((name) => {
    const p = params[name];
    if (!p) throw optionError(OP, 'layers', `parameter paths of the model (e.g. ${Object.keys(params).slice(0, 4).join(', ')})`, name);
    if ((p.rank !== 2 && p.rank !== 4) || (p.dtype !== 'f32' && p.dtype !== 'f64')) {
      throw valueError(OP, `layers (${name})`, 'a float linear [out, in] or conv [out, in, kh, kw] weight', `${p.dtype} [${p.shape.join(', ')}]`);
    }
    if (model.namedMasks()[name]) throw valueError(OP, `layers (${name})`, 'a weight without a Module mask (dynamic sparsity keeps its own masks)', 'a masked weight');
    return p;
  });
  const lastLayer = o.lastLayer === undefined ? names.at(-1) : (o.lastLayer as string);
  if (lastLayer === undefined || !names.includes(lastLayer)) throw optionError(OP, 'lastLayer', `one of the sparsified layers (${names.join(', ')})`, lastLayer);
  const distribution = layerDensities(names.map((name, i) => ({ name, shape: weights[i]!.shape })), {
    sparsity: options.sparsity,
    distribution: options.distribution ?? 'erk',
    ...(options.firstLayerDense !== undefined && { firstLayerDense: options.firstLayerDense }),
    ...(options.erkPower !== undefined && { erkPower: options.erkPower }),
  });

  const layers: Layer[] = [];
  distribution.layers.forEach((d, i) => {
    if (d.dense) return;
    const weight = weights[i]!, rows = d.nOut, cols = d.denseFanIn;
    const [km, ki] = split(foldIn(key, i));
    let mask: Uint8Array, fanIn: number | null = null;
    if (method === 'srigl') {
      fanIn = d.fanIn;
      if (fanIn < 1) throw valueError(OP, `sparsity of ${d.name}`, `a budget of at least one weight per row (${rows} rows)`, `${d.nnz} weights at density ${d.density}`);
      mask = constantFanInMask(km!, rows, cols, fanIn);
    } else {
      mask = randomMask(km!, weight.shape, d.size - d.nnz).data as Uint8Array;
    }
    const layer: Layer = { name: d.name, weight, rows, cols, density: d.density, budget: d.nnz, mask, fanIn, ablated: new Uint8Array(rows), neverAblate: d.name === lastLayer, updates: 0, acc: null };
    sparseInit(layer, init, ki!);
    optimizer.resetState(d.name, mask);
    layers.push(layer);
  });

  let topology = 0, lastGrads: NamedTensors | null = null, gradsTopology = -1;

  function fail(layer: Layer, what: string): never {
    throw new TesseraError('value', 'DynamicSparsity.checkInvariants', `layer '${layer.name}' (${method}): ${what}`);
  }

  function checkInvariants(): void {
    const state = optimizer.state();
    for (const l of layers) {
      const { mask, rows, cols } = l;
      const w = l.weight.data;
      if (w.length !== mask.length) fail(l, `mask has ${mask.length} entries, the weight ${w.length}`);
      let nnz = 0;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] !== 0 && mask[i] !== 1) fail(l, `mask entry ${i} is ${mask[i]}, expected 0 or 1`);
        nnz += mask[i]!;
        if (!mask[i] && w[i] !== 0) fail(l, `masked weight at ${i} (row ${(i / cols) | 0}) is ${w[i]}, expected 0`);
      }
      if (nnz > l.budget) fail(l, `${nnz} active weights, more than the budget ${l.budget}`);
      if (method !== 'srigl' && nnz !== l.budget) fail(l, `${nnz} active weights, expected exactly the budget ${l.budget}`);
      if (method === 'srigl') {
        const nAbl = l.ablated.reduce((a, b) => a + b, 0);
        const expected = Math.floor(l.budget / (rows - nAbl));
        if (l.fanIn !== expected) fail(l, `fan-in k' = ${l.fanIn}, expected floor(${l.budget} / ${rows - nAbl} active rows) = ${expected}`);
        for (let r = 0; r < rows; r++) {
          let c = 0;
          for (let i = r * cols; i < (r + 1) * cols; i++) c += mask[i]!;
          if (l.ablated[r] && c !== 0) fail(l, `ablated row ${r} has ${c} active weights, expected 0`);
          if (!l.ablated[r] && c !== l.fanIn) fail(l, `row ${r} has ${c} active weights, expected the constant fan-in k' = ${l.fanIn}`);
        }
      }
      for (const [b, t] of Object.entries(state[l.name] ?? {})) {
        for (let i = 0; i < mask.length; i++) if (!mask[i] && t.data[i] !== 0) fail(l, `optimizer state '${b}' at masked position ${i} is ${t.data[i]}, expected 0`);
      }
      const g = gradsTopology === topology ? lastGrads?.[l.name] : undefined;
      if (g) for (let i = 0; i < mask.length; i++) if (!mask[i] && g.data[i] !== 0) fail(l, `gradient at masked position ${i} is ${g.data[i]}, expected 0`);
    }
  }

  function onGradients(grads: NamedTensors, stepsTaken: number): void {
    const accumulate = method !== 'static' && schedule.accumulates(stepsTaken);
    for (const l of layers) {
      const g = grads[l.name];
      if (!g) continue;
      if (g.size !== l.mask.length) throw valueError('DynamicSparsity.onGradients', `grads['${l.name}']`, `${l.mask.length} entries`, g.size);
      const d = g.data;
      if (accumulate) {
        const acc = (l.acc ??= new Float64Array(d.length));
        for (let i = 0; i < d.length; i++) acc[i] += d[i]! / schedule.gradAccumulation;
      } else l.acc = null;
      for (let i = 0; i < d.length; i++) if (!l.mask[i]) d[i] = 0;
    }
    lastGrads = grads;
    gradsTopology = topology;
  }

  function update(l: Layer, step: number): void {
    if (!l.acc) {
      throw new TesseraError('value', 'DynamicSparsity.afterStep', `layer '${l.name}': no dense gradient was accumulated for the update at step ${step}; call onGradients(grads, stepsTaken) after every backward pass`);
    }
    const w = l.weight.data, old = l.mask, f = schedule.dropFraction(step);
    let next: Uint8Array;
    if (method === 'srigl') {
      const u = sriglLayerUpdate(w, l.acc, old, {
        rows: l.rows, cols: l.cols, budget: l.budget, dropFraction: f, ablate: ablation && !l.neverAblate, gammaSal, surplus, name: l.name,
      });
      next = u.mask;
      l.ablated = u.ablated;
      l.fanIn = u.fanIn;
    } else next = riglLayerUpdate(w, l.acc, old, f).mask;
    const keep = new Uint8Array(next.length);
    for (let i = 0; i < next.length; i++) {
      if (!next[i]) w[i] = 0;
      else if (!old[i]) w[i] = growInit;
      keep[i] = next[i]! & old[i]!; // state is zeroed wherever the mask is 0 or just changed
    }
    optimizer.resetState(l.name, keep);
    l.mask = next;
    l.acc = null;
    l.updates++;
  }

  function afterStep(step: number): void {
    for (const l of layers) {
      const w = l.weight.data;
      for (let i = 0; i < w.length; i++) if (!l.mask[i]) w[i] = 0;
      optimizer.resetState(l.name, l.mask);
    }
    if (method === 'static' || !schedule.isUpdateStep(step)) return;
    for (const l of layers) update(l, step);
    topology++;
    checkInvariants();
  }

  function loadMasks(masks: Readonly<Record<string, Uint8Array>>): void {
    const op = 'DynamicSparsity.loadMasks';
    for (const [name, m] of Object.entries(masks)) {
      const l = layers.find((x) => x.name === name);
      if (!l) throw valueError(op, 'masks', `keys among the sparse layers (${layers.map((x) => x.name).join(', ')})`, name);
      if (!(m instanceof Uint8Array) || m.length !== l.mask.length) throw valueError(op, `masks['${name}']`, `a Uint8Array of ${l.mask.length} entries`, m?.length);
    }
    for (const [name, m] of Object.entries(masks)) {
      const l = layers.find((x) => x.name === name)!;
      l.mask = m.slice();
      const w = l.weight.data;
      for (let i = 0; i < w.length; i++) if (!m[i]) w[i] = 0;
      optimizer.resetState(name, l.mask);
      if (method === 'srigl') {
        l.ablated = new Uint8Array(l.rows).map((_, r) => (l.mask.subarray(r * l.cols, (r + 1) * l.cols).some((x) => x !== 0) ? 0 : 1));
        const active = l.rows - l.ablated.reduce((a, b) => a + b, 0);
        l.fanIn = active > 0 ? Math.floor(l.budget / active) : 0;
      }
    }
    topology++;
  }

  function stats(): LayerStats[] {
    return distribution.layers.map((d) => {
      const l = layers.find((x) => x.name === d.name);
      if (!l) {
        return { name: d.name, shape: d.shape, dense: true, targetDensity: 1, budget: d.size, nnz: d.size, density: 1, fanIn: d.denseFanIn, activeRows: d.nOut, ablatedRows: 0, updates: 0 };
      }
      let nnz = 0, empty = 0;
      for (let r = 0; r < l.rows; r++) {
        let c = 0;
        for (let i = r * l.cols; i < (r + 1) * l.cols; i++) c += l.mask[i]!;
        nnz += c;
        if (c === 0) empty++;
      }
      const ablatedRows = method === 'srigl' ? l.ablated.reduce((a, b) => a + b, 0) : empty;
      return {
        name: l.name, shape: [...l.weight.shape], dense: false, targetDensity: l.density, budget: l.budget, nnz, density: nnz / l.mask.length,
        fanIn: l.fanIn, activeRows: l.rows - ablatedRows, ablatedRows, updates: l.updates,
      };
    });
  }

  function stateDict(): SparsityCheckpoint {
    const masks: Record<string, Tensor> = {}, tensors: Record<string, Tensor> = {};
    for (const l of layers) {
      masks[l.name] = new Tensor(l.mask.slice(), [...l.weight.shape]);
      tensors[`${l.name}/ablated`] = new Tensor(l.ablated.slice(), [l.rows]);
      if (l.acc) tensors[`${l.name}/acc`] = new Tensor(l.acc.slice(), [...l.weight.shape]);
    }
    const meta = { method, layers: layers.map((l): LayerMeta => ({ name: l.name, fanIn: l.fanIn, updates: l.updates })) };
    return { masks, tensors, meta };
  }

  function loadStateDict(state: SparsityCheckpoint): void {
    const op = 'DynamicSparsity.loadStateDict';
    const meta = state.meta as { method?: unknown; layers?: LayerMeta[] } | null;
    if (meta?.method !== method) throw valueError(op, 'meta.method', `'${method}' (the method of this run)`, meta?.method);
    const names = layers.map((l) => l.name);
    const metaNames = Array.isArray(meta.layers) ? meta.layers.map((m) => m?.name) : [];
    if (metaNames.join() !== names.join()) throw valueError(op, 'meta.layers', `the sparse layers ${names.join(', ')}`, metaNames.join(', ') || 'none');
    const expectedTensors = new Set(layers.flatMap((l) => [`${l.name}/ablated`, `${l.name}/acc`]));
    for (const k of Object.keys(state.tensors)) if (!expectedTensors.has(k)) throw valueError(op, 'tensors', `names among ${[...expectedTensors].join(', ')}`, k);
    for (const k of Object.keys(state.masks)) if (!names.includes(k)) throw valueError(op, 'masks', `keys among the sparse layers (${names.join(', ')})`, k);
    const checked = layers.map((l, i) => {
      const m = state.masks[l.name], ab = state.tensors[`${l.name}/ablated`], acc = state.tensors[`${l.name}/acc`];
      const shape = l.weight.shape.join(', ');
      if (!m || m.dtype !== 'u8' || m.shape.join(', ') !== shape) throw valueError(op, `masks['${l.name}']`, `a u8 tensor [${shape}]`, m ? `${m.dtype} [${m.shape.join(', ')}]` : 'none');
      if (!ab || ab.dtype !== 'u8' || ab.shape.join() !== String(l.rows)) throw valueError(op, `tensors['${l.name}/ablated']`, `a u8 tensor [${l.rows}]`, ab ? `${ab.dtype} [${ab.shape.join(', ')}]` : 'none');
      if (acc && (acc.dtype !== 'f64' || acc.shape.join(', ') !== shape)) throw valueError(op, `tensors['${l.name}/acc']`, `an f64 tensor [${shape}]`, `${acc.dtype} [${acc.shape.join(', ')}]`);
      const lm = meta.layers![i]!;
      if (!(lm.fanIn === null || (Number.isInteger(lm.fanIn) && lm.fanIn >= 0)) || !Number.isInteger(lm.updates) || lm.updates < 0) {
        throw valueError(op, `meta.layers[${i}]`, '{ name, fanIn: integer ≥ 0 | null, updates: integer ≥ 0 }', lm);
      }
      return { l, mask: m.data as Uint8Array, ablated: ab.data as Uint8Array, acc: acc ? (acc.data as Float64Array) : null, lm };
    });
    for (const { l, mask, ablated, acc, lm } of checked) {
      l.mask = mask.slice();
      l.ablated = ablated.slice();
      l.acc = acc ? acc.slice() : null;
      l.fanIn = lm.fanIn;
      l.updates = lm.updates;
    }
    topology++;
    lastGrads = null;
    checkInvariants();
  }

  return {
    method, schedule, distribution, onGradients, afterStep, checkInvariants, stats, loadMasks, stateDict, loadStateDict,
    masks: () => Object.fromEntries(layers.map((l) => [l.name, l.mask.slice()])),
  };
}
