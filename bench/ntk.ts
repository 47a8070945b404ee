// `tessera ntk bench`: the infinite-width pipeline end to end on the active backend, in float64:
//   kernel   NNGP + NTK [N, N] of the 4-layer ReLU spec (dense:1.4:0.1 relu ×3, dense:1.4:0.1) on the N
//            training inputs [N, d], and the test-train kernels [M, N] the prediction needs;
//   predict  the t = ∞ NTK ensemble mean on the M test points (gradientDescentMseEnsemble: Cholesky of
//            Θ_dd + diagReg·mean(diag)·I, two triangular solves, Θ_td · Θ⁻¹Y), and its test accuracy.
// Inputs: real Fashion-MNIST (the first N train and M test images, pixels standardised with the train
// statistics, targets one-hot − 0.1) when its IDX files are present (Debian's dataset-fashion-mnist, or
// --data DIR); else seeded Gaussian inputs [N, d] labelled by a seeded linear teacher (argmax of x·W).
// `data` in the result says which. Medians over rounds; peak_rss_mib is the process's maximum resident set
// (with several rounds it also counts earlier rounds' matrices that the garbage collector has not freed yet).
import { performance } from 'node:perf_hooks';
import { getBackend } from '../src/index.js';
import { random, TesseraError } from '../src/core/index.js';
import { take, toTensors } from '../src/data/index.js';
import { FASHION_MNIST_DIR, isFile, loadFashionMnist } from '../src/io/index.js';
import { gradientDescentMseEnsemble, kernelFn, parseArchitecture, type Inputs } from '../src/infinite/index.js';
import { median } from './timing.js';

export const NTK_BENCH_ARCH = 'dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1';
const CLASSES = 10;

export type NtkBenchInputs = 'auto' | 'fashion-mnist' | 'gaussian';

export interface NtkBenchOptions {
  readonly n: number;
  /** Test points M. */
  readonly test: number;
  /** Input dimension of the Gaussian inputs (Fashion-MNIST is 784). */
  readonly d: number;
  readonly rounds: number;
  readonly batchSize: number;
  readonly diagReg: number;
  readonly inputs: NtkBenchInputs;
  /** Fashion-MNIST IDX directory (default: the Debian package's). */
  readonly dataDir?: string;
  readonly log?: (line: string) => void;
}

export interface NtkBenchResult {
  n: number;
  d: number;
  kernel_s: number;
  predict_s: number;
  total_s: number;
  backend: string;
  threads: number;
  test: number;
  data: string;
  arch: string;
  diag_reg: number;
  batch_size: number;
  /** Of kernel_s: the [N, N] train kernels and the [M, N] test-train kernels. */
  kernel_train_s: number;
  kernel_test_s: number;
  /** Reading and preparing the inputs (part of total_s). */
  load_s: number;
  test_accuracy: number;
  peak_rss_mib: number;
  /** The kernel matrices held at once: NNGP + NTK, train and test-train. */
  kernels_mib: number;
  rounds: { load_s: number; kernel_train_s: number; kernel_test_s: number; predict_s: number; total_s: number }[];
}

interface Problem {
  train: Inputs;
  test: Inputs;
  /** Targets [N, 10] (one-hot − 0.1) and the test labels [M]. */
  yTrain: Float64Array;
  testLabels: Int32Array;
  data: string;
}

function oneHot(labels: ArrayLike<number>): Float64Array {
  const y = new Float64Array(labels.length * CLASSES).fill(-0.1);
  for (let i = 0; i < labels.length; i++) y[i * CLASSES + labels[i]!] = 0.9;
  return y;
}

function fashionMnist(o: NtkBenchOptions, dir: string): Problem {
  const { train, test } = loadFashionMnist({ dir });
  if (o.n > train.n) throw new TesseraError('option', 'ntk bench', `--n expected at most ${train.n} (the Fashion-MNIST train images), got ${o.n}`);
  if (o.test > test.n) throw new TesseraError('option', 'ntk bench', `--test expected at most ${test.n} (the Fashion-MNIST test images), got ${o.test}`);
  const tr = toTensors(take(train, o.n), { dtype: 'f64', flatten: true, normalize: 'standardize' });
  const te = toTensors(take(test, o.test), { dtype: 'f64', flatten: true, normalize: { mean: tr.mean, std: tr.std } });
  return {
    train: { data: tr.x.data as Float64Array, shape: tr.x.shape }, test: { data: te.x.data as Float64Array, shape: te.x.shape },
    yTrain: oneHot(tr.y.data as Int32Array), testLabels: te.y.data as Int32Array, data: `fashion-mnist (${dir})`,
  };
}

function gaussian(o: NtkBenchOptions): Problem {
  const x = random.normalValues(random.key(0), (o.n + o.test) * o.d, 'f64');
  const W = random.normalValues(random.key(1), o.d * CLASSES, 'f64');
  const labels = new Int32Array(o.n + o.test);
  for (let i = 0; i < labels.length; i++) {
    let best = -Infinity;
    for (let c = 0; c < CLASSES; c++) {
      let s = 0;
      for (let q = 0; q < o.d; q++) s += x[i * o.d + q]! * W[q * CLASSES + c]!;
      if (s > best) [best, labels[i]] = [s, c];
    }
  }
  return {
    train: { data: x.subarray(0, o.n * o.d), shape: [o.n, o.d] }, test: { data: x.subarray(o.n * o.d), shape: [o.test, o.d] },
    yTrain: oneHot(labels.subarray(0, o.n)), testLabels: labels.subarray(o.n), data: `gaussian (seeded, d = ${o.d}, linear-teacher labels)`,
  };
}

function loadProblem(o: NtkBenchOptions): Problem {
  const dir = o.dataDir ?? FASHION_MNIST_DIR;
  const present = isFile(`${dir}/train-images-idx3-ubyte.gz`) || isFile(`${dir}/train-images-idx3-ubyte`);
  // An explicit --data means Fashion-MNIST from there (a missing file is an error, not a silent fallback).
  const kind = o.inputs === 'auto' && o.dataDir !== undefined ? 'fashion-mnist' : o.inputs;
  if (kind === 'gaussian' || (kind === 'auto' && !present)) return gaussian(o);
  if (o.d !== 784) throw new TesseraError('option', 'ntk bench', `--d expected 784 with Fashion-MNIST inputs (28×28 images), got ${o.d}; use --inputs gaussian for other dimensions`);
  return fashionMnist(o, dir);
}

function accuracy(mean: Float64Array, labels: Int32Array): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < CLASSES; c++) if (mean[i * CLASSES + c]! > mean[i * CLASSES + best]!) best = c;
    if (best === labels[i]) right++;
  }
  return right / labels.length;
}

export function benchNtk(o: NtkBenchOptions): NtkBenchResult {
  const layer = parseArchitecture(NTK_BENCH_ARCH);
  const seconds = (t0: number) => (performance.now() - t0) / 1000;
  const rounds: NtkBenchResult['rounds'] = [];
  let data = '', d = o.d, testAccuracy = NaN;
  for (let r = 0; r < o.rounds; r++) {
    const start = performance.now();
    const p = loadProblem(o);
    data = p.data;
    d = p.train.shape[1]!;
    const load_s = seconds(start);
    let t0 = performance.now();
    const train = kernelFn(layer, p.train, null, { batchSize: o.batchSize });
    const kernel_train_s = seconds(t0);
    o.log?.(`round ${r + 1}: train kernels ${o.n}×${o.n} ${kernel_train_s.toFixed(2)} s`);
    t0 = performance.now();
    const testTrain = kernelFn(layer, p.test, p.train, { batchSize: o.batchSize });
    const kernel_test_s = seconds(t0);
    o.log?.(`round ${r + 1}: test-train kernels ${o.test}×${o.n} ${kernel_test_s.toFixed(2)} s`);
    t0 = performance.now();
    const predict = gradientDescentMseEnsemble({ trainTrain: train, yTrain: p.yTrain, n: o.n, outputs: CLASSES, diagReg: o.diagReg });
    const prediction = predict({ t: null, get: 'ntk', testTrain });
    const predict_s = seconds(t0);
    testAccuracy = accuracy(prediction.mean, p.testLabels);
    o.log?.(`round ${r + 1}: t = ∞ NTK prediction ${predict_s.toFixed(2)} s, test accuracy ${(100 * testAccuracy).toFixed(2)}%`);
    rounds.push({ load_s, kernel_train_s, kernel_test_s, predict_s, total_s: seconds(start) });
  }
  const med = (k: keyof NtkBenchResult['rounds'][number]) => median(rounds.map((x) => x[k]));
  const backend = getBackend();
  return {
    n: o.n, d, kernel_s: median(rounds.map((x) => x.kernel_train_s + x.kernel_test_s)), predict_s: med('predict_s'), total_s: med('total_s'),
    backend: backend.name, threads: backend.threads, test: o.test, data, arch: NTK_BENCH_ARCH, diag_reg: o.diagReg, batch_size: o.batchSize,
    kernel_train_s: med('kernel_train_s'), kernel_test_s: med('kernel_test_s'), load_s: med('load_s'), test_accuracy: testAccuracy,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024, kernels_mib: (2 * (o.n * o.n + o.test * o.n) * 8) / 2 ** 20, rounds,
  };
}
