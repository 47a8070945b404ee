// The Kernels page's engine worker: the infinite-width NNGP/NTK Gram matrices of a spec (`tessera ntk kernel`),
// the infinite ensemble's prediction on a 1-D regression toy after training time t, and a Monte-Carlo estimate
// of the kernels from finite networks of a given width — all from tessera/infinite, as the CLI calls them.
import { tensor } from 'tessera';
import { random } from 'tessera/core';
import { ensembleInformation } from 'tessera/bounds';
import { gradientDescentMseEnsemble, kernelFn, monteCarloKernel, parseArchitecture, type KernelKind, type Parameterization } from 'tessera/infinite';
import { serveEngine } from './engine/serve.js';

export interface GramRequest { arch: string; param: Parameterization; x: number[][] }
/** NNGP and NTK [n, n] as nested rows, the shape `tessera ntk kernel` prints. */
export interface GramResult { nngp: number[][]; ntk: number[][]; ms: number }

export interface ToyRequest { arch: string; param: Parameterization; t: number | null; get: KernelKind; diagReg: number; n: number; seed: number }
export interface ToyResult {
  /** Training inputs and targets y = sin(x) + 0.1·ε [N], the test grid [M]. */
  xTrain: number[]; yTrain: number[]; xTest: number[];
  /** The ensemble's mean and variance on the grid after time t, and its mean at t = ∞. */
  mean: number[]; variance: number[]; meanInfinity: number[];
  /** Train and test-grid (against sin x) mean squared errors of the mean over a log grid of times. */
  curve: { t: number; train: number; test: number }[];
  /** I(X; Z) of the ensemble's outputs on the training inputs at time t (bits), or why not. */
  information: { lowerBits: number; upperBits: number } | { error: string };
  ms: number;
}

export interface MonteCarloRequest { arch: string; param: Parameterization; x: number[][]; width: number; samples: number; seed: number }
export interface MonteCarloResult {
  /** Means over draws of the empirical kernels [n, n], their standard errors, and the analytic kernels at these widths. */
  nngp: number[][]; ntk: number[][]; nngpStdErr: number[][]; ntkStdErr: number[][];
  analyticNngp: number[][]; analyticNtk: number[][];
  ms: number;
}

const rowsOf = (a: Float64Array, n1: number, n2: number): number[][] => Array.from({ length: n1 }, (_, i) => Array.from(a.subarray(i * n2, (i + 1) * n2)));
const inputs = (x: number[][]) => ({ data: Float64Array.from(x.flat()), shape: [x.length, x[0]!.length] });
const column = (v: ArrayLike<number>) => ({ data: Float64Array.from(v), shape: [v.length, 1] });

/** The toy: N inputs uniform in [−π, π] (sorted), y = sin x + 0.1·ε; the grid: 81 points on [−1.25π, 1.25π]. */
export function toyData(n: number, seed: number): { xTrain: Float64Array; yTrain: Float64Array; xTest: Float64Array } {
  const k = random.key(seed);
  const xTrain = random.uniformValues(random.foldIn(k, 0), n, 'f64').map((u) => Math.PI * (2 * u - 1)).sort();
  const eps = random.normalValues(random.foldIn(k, 1), n, 'f64');
  const yTrain = xTrain.map((x, i) => Math.sin(x) + 0.1 * eps[i]!);
  const xTest = Float64Array.from({ length: 81 }, (_, i) => 1.25 * Math.PI * (i / 40 - 1));
  return { xTrain, yTrain, xTest };
}

const mse = (a: Float64Array, b: ArrayLike<number>): number => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length;

serveEngine({
  'kernels.gram': ({ arch, param, x }: GramRequest): GramResult => {
    const t0 = performance.now();
    const m = kernelFn(parseArchitecture(arch, { parameterization: param }), inputs(x));
    return { nngp: rowsOf(m.nngp, m.n1, m.n2), ntk: rowsOf(m.ntk, m.n1, m.n2), ms: performance.now() - t0 };
  },

  'kernels.toy': (o: ToyRequest): ToyResult => {
    const t0 = performance.now();
    const layer = parseArchitecture(o.arch, { parameterization: o.param });
    const { xTrain, yTrain, xTest } = toyData(o.n, o.seed);
    const trainTrain = kernelFn(layer, column(xTrain)), testTrain = kernelFn(layer, column(xTest), column(xTrain));
    const predict = gradientDescentMseEnsemble({ trainTrain, yTrain, n: o.n, diagReg: o.diagReg });
    const at = predict({ t: o.t, get: o.get, testTrain, testTestNngp: testTrain.nngpDiag1, cov: 'diagonal' });
    const meanInfinity = predict({ t: null, get: o.get, testTrain }).mean;
    const truth = xTest.map(Math.sin);
    const curve = Array.from({ length: 31 }, (_, i) => 10 ** (-1 + i / 5)).map((t) => ({
      t, train: mse(predict({ t, get: o.get }).mean, yTrain), test: mse(predict({ t, get: o.get, testTrain }).mean, truth),
    }));
    let information: ToyResult['information'];
    try {
      // The study's collapse guard (experiments/icb.ts): a noise floor of 1e-6 × the mean prior variance.
      const floor = 1e-6 * trainTrain.nngpDiag1.reduce((s, v) => s + v, 0) / o.n;
      const mi = ensembleInformation({ trainTrain, yTrain, n: o.n, t: o.t, get: o.get, diagReg: o.diagReg, key: random.foldIn(random.key(o.seed), 2), noiseFloor: floor });
      information = { lowerBits: mi.lowerBits, upperBits: mi.upperBits };
    } catch (e) {
      information = { error: e instanceof Error ? e.message : String(e) };
    }
    return {
      xTrain: Array.from(xTrain), yTrain: Array.from(yTrain), xTest: Array.from(xTest),
      mean: Array.from(at.mean), variance: Array.from(at.cov!), meanInfinity: Array.from(meanInfinity), curve, information, ms: performance.now() - t0,
    };
  },

  'kernels.monteCarlo': (o: MonteCarloRequest, progress): MonteCarloResult => {
    const t0 = performance.now();
    const n = o.x.length, d = o.x[0]!.length;
    const x = tensor(Float64Array.from(o.x.flat()), [n, d], 'f64');
    const at = (outputs: number) => parseArchitecture(o.arch, { parameterization: o.param, width: o.width, outputs });
    // The NNGP from a wide readout (its mean over outputs varies less), the NTK from one output (one Jacobian per input).
    const key = random.key(o.seed);
    const wide = monteCarloKernel(at(o.width), { x1: x, inputShape: [d], key: random.foldIn(key, 0), samples: o.samples, get: 'nngp', onSample: (s) => progress({ kernel: 'nngp', done: s + 1 }) });
    const narrow = monteCarloKernel(at(1), { x1: x, inputShape: [d], key: random.foldIn(key, 1), samples: o.samples, get: 'ntk', onSample: (s) => progress({ kernel: 'ntk', done: s + 1 }) });
    const analytic = kernelFn(at(1), inputs(o.x));
    return {
      nngp: rowsOf(wide.nngp, n, n), ntk: rowsOf(narrow.ntk, n, n), nngpStdErr: rowsOf(wide.nngpStdErr, n, n), ntkStdErr: rowsOf(narrow.ntkStdErr, n, n),
      analyticNngp: rowsOf(analytic.nngp, n, n), analyticNtk: rowsOf(analytic.ntk, n, n), ms: performance.now() - t0,
    };
  },
});
