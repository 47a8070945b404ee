// `tessera ntk bench --layers`: the NNGP + NTK train kernels [N, N] of each kernel layer added beyond the
// original dense/ReLU stax (closed-form activations, polynomials, layer norm, dropout, fan-ins), timed beside the existing kernel of the same family on the same inputs:
//   vectors  N inputs [N, 784] (the first N Fashion-MNIST train images, standardised, when present; else
//            seeded Gaussian rows); baseline the 4-layer ReLU spec of `ntk bench`; each closed-form
//            activation in its place, and two-branch fan-ins (sum / prod / concat) after the first layer;
//   images   M seeded Gaussian images [M, 1, S, S] (full spatial covariance: a kernel entry is a [P, P]
//            matrix, P = S², so images are small); baseline two stride-1 'same' 3×3 convs with ReLU and
//            global average pooling; strided / circular convs, local pooling, self-attention and flatten (also
//            with diagonalSpatial, neural-tangents' diagonal_spatial) in its place.
// `ratio` = kernel_s / baseline_s of the family, measured in the same process one after the other
// (medians over rounds). Images whose layers fuse (infinite/fused.ts: one per-pair pipeline from the input Gram to
// the reduction) run in kernelFn blocks of min(batchSize, 128) rows (FUSED_BATCH), the others layer by layer in
// blocks of min(batchSize, 16) (IMAGE_BATCH); their [P, P] position maps run on the backend's position kernels
// (native: AVX2 on the worker pool).
import { performance } from 'node:perf_hooks';
import { getBackend } from '../src/index.js';
import { random } from '../src/core/index.js';
import { take, toTensors } from '../src/data/index.js';
import { FASHION_MNIST_DIR, isFile, loadFashionMnist } from '../src/io/index.js';
import { fusedPlan, kernelFn, parseArchitecture, type Inputs } from '../src/infinite/index.js';
import { median } from './timing.js';

const D = 'dense:1.4:0.1';
const stack = (act: string) => `${D} ${act} ${D} ${act} ${D} ${act} ${D}`;
const branches = (fanIn: string) => `${D} ( relu ${D} | erf ${D} ) ${fanIn} relu ${D}`;
const CONV = 'conv:1:3:1.4:0.1';

/** [name, spec, kernelFn options]; the first of a family is its baseline. */
type LayerCase = readonly [string, string, { diagonalSpatial?: boolean }?];

/** The vector family. */
export const VECTOR_LAYERS: readonly LayerCase[] = [
  ['relu (baseline)', stack('relu')],
  ['sin', stack('sin')], ['cos', stack('cos')], ['rbf', stack('rbf:1')], ['exp', stack('exp')], ['gaussian', stack('gaussian:1:-0.5')],
  ['sign', stack('sign')], ['abs', stack('abs')],
  ['monomial 3', stack('monomial:3')], ['rectified_monomial 2', stack('rectified_monomial:2')], ['hermite 3', stack('hermite:3')],
  ['polynomial', stack('polynomial:0.1:1:0.5')],
  ["layer_norm", `${D} layer_norm relu ${D} layer_norm relu ${D} layer_norm relu ${D}`],
  ['dropout 0.8 (train)', `${D} relu dropout:0.8 ${D} relu dropout:0.8 ${D} relu dropout:0.8 ${D}`],
  ['fanin_sum', branches('fanin_sum')], ['fanin_prod', branches('fanin_prod')], ['fanin_concat', branches('fanin_concat')],
];

/** The image family. */
export const IMAGE_LAYERS: readonly LayerCase[] = [
  ['conv same, stride 1 (baseline)', `${CONV} relu ${CONV} relu global_avg_pool ${D}`],
  ['conv circular', `${CONV}:1:circular relu ${CONV}:1:circular relu global_avg_pool ${D}`],
  ['conv stride 2', `${CONV}:2 relu ${CONV} relu global_avg_pool ${D}`],
  ['conv valid', `${CONV}:1:valid relu ${CONV} relu global_avg_pool ${D}`],
  ['avg_pool 2', `${CONV} relu avg_pool:2 ${CONV} relu global_avg_pool ${D}`],
  ['sum_pool 2', `${CONV} relu sum_pool:2 ${CONV} relu global_avg_pool ${D}`],
  ['attention (softmax, linear scaling)', `${CONV} relu attention:1:1:0.1 relu global_avg_pool ${D}`],
  ['flatten', `${CONV} relu ${CONV} relu flatten ${D}`],
  ['flatten, diagonal_spatial', `${CONV} relu ${CONV} relu flatten ${D}`, { diagonalSpatial: true }],
];

/**
 * Rows per kernelFn block for the images that run layer by layer: each layer's [B², P, P] arrays (B = 16, P = 36: 2.6 MB) then stay in
 * cache between the layers' kernels; measured on the conv baseline at 400 images (native, CPU time): B = 8 2.7 s,
 * 16 2.5 s, 24 3.6 s, 32 3.6 s, 64 3.8 s.
 */
const IMAGE_BATCH = 16;

/**
 * Rows per block for the fused image kernels: only the [rows, rows] outputs and per-input variances are stored,
 * so blocks can be large; each block recomputes its rows' self-covariances (2·rows of them per rows² pairs).
 */
const FUSED_BATCH = 128;

export interface NtkLayersOptions {
  readonly n: number;
  readonly imageN: number;
  readonly imageSide: number;
  readonly rounds: number;
  readonly batchSize: number;
  readonly dataDir?: string;
  readonly log?: (line: string) => void;
}

export interface NtkLayerRow {
  family: 'vectors' | 'images';
  layer: string;
  arch: string;
  n: number;
  input_shape: number[];
  kernel_s: number;
  baseline_s: number;
  ratio: number;
}

export interface NtkLayersResult {
  backend: string;
  threads: number;
  data: string;
  rows: NtkLayerRow[];
}

function vectorInputs(o: NtkLayersOptions): { x: Inputs; data: string } {
  const dir = o.dataDir ?? FASHION_MNIST_DIR;
  if (isFile(`${dir}/train-images-idx3-ubyte.gz`) || isFile(`${dir}/train-images-idx3-ubyte`)) {
    const t = toTensors(take(loadFashionMnist({ dir }).train, o.n), { dtype: 'f64', flatten: true, normalize: 'standardize' });
    return { x: { data: t.x.data as Float64Array, shape: t.x.shape }, data: `fashion-mnist (${dir})` };
  }
  return { x: { data: random.normalValues(random.key(0), o.n * 784, 'f64'), shape: [o.n, 784] }, data: 'gaussian (seeded, d = 784)' };
}

/** The rows per kernelFn block of a case: images by whether their layers fuse (see FUSED_BATCH), vectors as given. */
function blockRows(family: NtkLayerRow['family'], layer: ReturnType<typeof parseArchitecture>, x: Inputs, o: NtkLayersOptions, diagonalSpatial: boolean): number {
  if (family === 'vectors') return o.batchSize;
  const fuses = !diagonalSpatial && fusedPlan(layer, { spatial: x.shape.slice(2), channels: x.shape[1]!, isGaussian: false }) !== null;
  return Math.min(o.batchSize, fuses ? FUSED_BATCH : IMAGE_BATCH);
}

function timeFamily(family: NtkLayerRow['family'], layers: readonly LayerCase[], x: Inputs, o: NtkLayersOptions): NtkLayerRow[] {
  const seconds = layers.map(([name, arch, options]) => {
    const layer = parseArchitecture(arch), times: number[] = [];
    const batchSize = blockRows(family, layer, x, o, options?.diagonalSpatial ?? false);
    for (let r = 0; r < o.rounds; r++) {
      const t0 = performance.now();
      kernelFn(layer, x, null, { batchSize, ...options });
      times.push((performance.now() - t0) / 1000);
    }
    o.log?.(`${family} ${name}: ${median(times).toFixed(3)} s`);
    return median(times);
  });
  return layers.map(([layer, arch, options], i) => ({
    family, layer, arch: options?.diagonalSpatial ? `${arch} (diagonalSpatial)` : arch, n: x.shape[0]!, input_shape: x.shape.slice(1), kernel_s: seconds[i]!, baseline_s: seconds[0]!, ratio: seconds[i]! / seconds[0]!,
  }));
}

export function benchNtkLayers(o: NtkLayersOptions): NtkLayersResult {
  const vectors = vectorInputs(o);
  const S = o.imageSide;
  const images: Inputs = { data: random.normalValues(random.key(1), o.imageN * S * S, 'f64'), shape: [o.imageN, 1, S, S] };
  const backend = getBackend();
  return {
    backend: backend.name, threads: backend.threads, data: vectors.data,
    rows: [...timeFamily('vectors', VECTOR_LAYERS, vectors.x, o), ...timeFamily('images', IMAGE_LAYERS, images, o)],
  };
}
