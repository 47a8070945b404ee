// The Kernels page's charts as vega-lite specs (rendered by tessera/report's renderSvg): a Gram matrix heatmap
// (rect marks), the ensemble's mean with its ±2σ band on the toy, and the train/test error over training time.
import type { VegaLiteSpec } from 'tessera/report';
import type { ToyResult } from './kernelsWorker.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** K [n, n] as cells (row i, column j); rows top to bottom as printed. */
export function heatmapSpec(title: string, k: number[][]): VegaLiteSpec {
  const values = k.flatMap((row, i) => row.map((v, j) => ({ i, j, v })));
  const side = Math.min(260, Math.max(120, 18 * k.length));
  return {
    $schema: SCHEMA, title, width: side, height: side, data: { values },
    mark: 'rect',
    encoding: {
      x: { field: 'j', type: 'ordinal', title: 'j', axis: { labelAngle: 0 } },
      y: { field: 'i', type: 'ordinal', title: 'i' },
      color: { field: 'v', type: 'quantitative', title: null, scale: { scheme: 'viridis' } },
      tooltip: [{ field: 'i' }, { field: 'j' }, { field: 'v', format: '.6g' }],
    },
  };
}

/** The grid's mean after time t with mean ± 2σ, the mean at t = ∞, sin x, and the training points. */
export function bandSpec(toy: ToyResult, tLabel: string): VegaLiteSpec {
  const band = toy.xTest.map((x, i) => {
    const sd = Math.sqrt(Math.max(toy.variance[i]!, 0));
    return { x, lo: toy.mean[i]! - 2 * sd, hi: toy.mean[i]! + 2 * sd };
  });
  const lines = toy.xTest.flatMap((x, i) => [
    { x, y: toy.mean[i]!, series: `mean at t = ${tLabel}` },
    { x, y: toy.meanInfinity[i]!, series: 'mean at t = ∞' },
    { x, y: Math.sin(x), series: 'sin x' },
  ]);
  const points = toy.xTrain.map((x, i) => ({ x, y: toy.yTrain[i]! }));
  const xAxis = { field: 'x', type: 'quantitative', title: 'x' } as const;
  return {
    $schema: SCHEMA, width: 520, height: 260,
    layer: [
      { data: { values: band }, mark: { type: 'area', opacity: 0.25, color: '#4c78a8' }, encoding: { x: xAxis, y: { field: 'lo', type: 'quantitative', title: 'f(x)' }, y2: { field: 'hi' } } },
      { data: { values: lines }, mark: { type: 'line' }, encoding: {
        x: xAxis, y: { field: 'y', type: 'quantitative' },
        color: { field: 'series', type: 'nominal', title: null, scale: { range: ['#4c78a8', '#e45756', '#999999'] }, legend: { orient: 'bottom' } },
        strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { range: [[1, 0], [6, 3], [2, 2]] } },
      } },
      { data: { values: points }, mark: { type: 'point', filled: true, color: '#000', size: 30 }, encoding: { x: xAxis, y: { field: 'y', type: 'quantitative' } } },
    ],
  };
}

/** Train MSE (against the noisy targets) and grid MSE (against sin x) of the mean over t, the chosen t as a rule. */
export function curveSpec(toy: ToyResult, t: number | null): VegaLiteSpec {
  const values = toy.curve.flatMap((p) => [{ t: p.t, mse: p.train, set: 'train' }, { t: p.t, mse: p.test, set: 'grid vs sin x' }]);
  return {
    $schema: SCHEMA, width: 320, height: 260,
    layer: [
      { data: { values }, mark: 'line', encoding: {
        x: { field: 't', type: 'quantitative', scale: { type: 'log' }, title: 'training time t' },
        y: { field: 'mse', type: 'quantitative', scale: { type: 'log' }, title: 'mean squared error' },
        color: { field: 'set', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      } },
      ...(t !== null && t > 0 ? [{ data: { values: [{ t }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#a00' }, encoding: { x: { field: 't', type: 'quantitative' } } }] : []),
    ],
  } as VegaLiteSpec;
}
