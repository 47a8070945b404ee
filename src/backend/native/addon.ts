// Loading the native addon (build/native/tessera_native.node, built by scripts/build-native.mjs) and its
// raw function table. Loading never throws: it returns the addon or the reason it is unavailable, so
// callers can say once which backend they use and why. Node only (node:module, node:fs).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's functions: typed arrays in, results written in place (see src/backend/native/addon/*.cc). */
export interface NativeAddon {
  setThreads(threads: number): void;
  info(): { blas: string; core: string; blasThreads: number; threads: number; maxThreads: number };
  gemm(m: number, n: number, k: number, transA: boolean, transB: boolean, batch: number, aOffsets: Int32Array, bOffsets: Int32Array, a: unknown, b: unknown, c: unknown): void;
  conv2d(params: Int32Array, x: unknown, w: unknown, y: unknown): void;
  conv2dBackwardInput(params: Int32Array, dy: unknown, w: unknown, dx: unknown): void;
  conv2dBackwardFilter(params: Int32Array, x: unknown, dy: unknown, dw: unknown): void;
  maxPool2d(params: Int32Array, x: unknown, y: unknown): void;
  maxPool2dBackward(params: Int32Array, x: unknown, dy: unknown, dx: unknown): void;
  avgPool2d(params: Int32Array, x: unknown, y: unknown): void;
  avgPool2dBackward(params: Int32Array, dy: unknown, dx: unknown): void;
  unary(op: string, x: unknown, out: unknown): void;
  binary(op: string, a: unknown, aShape: readonly number[], b: unknown, bShape: readonly number[], out: unknown, outShape: readonly number[]): void;
  reluBackward(g: unknown, x: unknown, out: unknown): void;
  reduceSum(x: unknown, shape: readonly number[], axes: readonly number[], out: unknown): void;
  reduceMax(x: unknown, shape: readonly number[], axes: readonly number[], out: unknown): void;
  batchNormForward(x: unknown, w: unknown, b: unknown, eps: number, n: number, c: number, s: number, y: unknown): void;
  batchNormBackward(x: unknown, w: unknown, eps: number, n: number, c: number, s: number, g: unknown, dx: unknown, dw: unknown, db: unknown): void;
  softmax(x: unknown, outer: number, n: number, inner: number, log: boolean, out: unknown): void;
  softmaxBackward(y: unknown, g: unknown, outer: number, n: number, inner: number, log: boolean, dx: unknown): void;
  softmaxCrossEntropy(logits: unknown, labels: Int32Array, rows: number, classes: number, losses: unknown): void;
  softmaxCrossEntropyBackward(logits: unknown, labels: Int32Array, g: unknown, rows: number, classes: number, dlogits: unknown): void;
  /** −1, or the first position whose index is outside [0, inF) (nothing was read out of bounds; y is unspecified). */
  fanInMatmul(batch: number, inF: number, outF: number, fanIn: number, validated: boolean, x: unknown, v: unknown, idx: unknown, y: unknown): number;
  fanInMatmulFeatureMajor(batch: number, inF: number, outF: number, fanIn: number, validated: boolean, x: unknown, v: unknown, idx: unknown, y: unknown): number;
  sgdUpdate(p: unknown, g: unknown, momentum: unknown, negLr: number, mu: number, keep: number, l2: number, decay: number, decoupled: boolean, nesterov: boolean, first: boolean): void;
  adamUpdate(p: unknown, g: unknown, m: unknown, v: unknown, vMax: unknown, negStepSize: number, bc2Sqrt: number, beta1: number, beta2: number,
    oneMinusBeta1: number, oneMinusBeta2: number, eps: number, l2: number, decay: number, decoupled: boolean): void;
  /** dtype 0 = f32 (w Float32Array), 1 = bf16, 2 = f16 (w Uint16Array). */
  weightGemv(rows: number, inWidth: number, outWidth: number, dtype: number, x: unknown, w: unknown, y: unknown): void;
  /** f32 causal attention of `queries` rows over the first `keys` cache rows (see attention.cc). */
  cachedAttention(queries: number, keys: number, heads: number, kvHeads: number, headDim: number, scale: number, start: number, q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array): void;
  /** f32 SSD decode step (see ssd.cc); stateOut may be state. */
  ssdStep(heads: number, headDim: number, stateSize: number, groups: number, state: Float32Array, x: Float32Array, dt: Float32Array, A: Float32Array, B: Float32Array, C: Float32Array, D: Float32Array, stateOut: Float32Array, y: Float32Array): void;
  /** Σ x in f32, on the kernel threads: the read-bandwidth probe. */
  streamSum(x: Float32Array): number;
  cholesky(a: Float64Array, n: number, l: Float64Array): number;
  solveTriangular(l: Float64Array, x: Float64Array, n: number, m: number, transpose: boolean): void;
  eighSym(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): number;
  /** The float64 image kernels on [P, P] position blocks (positions.cc, sandwich.cc, pairmaps.cc). */
  positionGram(params: Int32Array, x1: Float64Array, x2: Float64Array, out: Float64Array): void;
  positionConv(params: Int32Array, scale: number, shift: number, src: Float64Array, add: Float64Array | null, out: Float64Array): void;
  positionPool(params: Int32Array, scale: number, src: Float64Array, out: Float64Array): void;
  positionReduce(blocks: number, positions: number, diagonalOnly: boolean, src: Float64Array, out: Float64Array): void;
  positionSandwich(params: Int32Array, w: number, c: number, alpha: number, A: Float64Array, B: Float64Array, M: Float64Array, M2: Float64Array | null, out: Float64Array): void;
  /** kind 0 = abRelu(a, b), 1 = erf(a, b, c). */
  pairMap(kind: number, a: number, b: number, c: number, params: Int32Array, nngp: Float64Array, ntk: Float64Array | null, var1: Float64Array, var2: Float64Array,
    outNngp: Float64Array, outNtk: Float64Array | null): void;
  /** The fused image pipeline: program [steps·13] (pipeline.cc), sizes = n1, n2, C, P, same. */
  positionPipeline(program: Float64Array, sizes: Int32Array, x1: Float64Array, x2: Float64Array, nngp: Float64Array, ntk: Float64Array, cov1: Float64Array, cov2: Float64Array): void;
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

/** The repository (package) root: the nearest folder above this file whose package.json names tessera. */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'tessera') return dir;
      } catch { /* keep walking */ }
    }
    dir = dirname(dir);
  }
  return null;
}

let cached: AddonLoad | null = null;

/**
 * The addon, loaded once per process. TESSERA_NATIVE=0 disables it; TESSERA_NATIVE_ADDON names another
 * .node file. The reason says what is missing and how to build it.
 */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  cached = tryLoad();
  return cached;
}

function tryLoad(): AddonLoad {
  if (process.env.TESSERA_NATIVE === '0') return { ok: false, reason: 'disabled by TESSERA_NATIVE=0' };
  if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, reason: `no native build for ${process.platform}-${process.arch} (x86-64 Linux only)` };
  const root = packageRoot();
  const path = process.env.TESSERA_NATIVE_ADDON ?? (root ? join(root, 'build', 'native', 'tessera_native.node') : null);
  if (!path || !existsSync(path)) {
    return { ok: false, reason: `addon not built (${path ?? 'build/native/tessera_native.node'} missing): run \`node scripts/build-native.mjs\` after installing libopenblas-dev` };
  }
  // libgomp reads its wait policy when the addon loads it. Its default spins ~ms after every parallel loop,
  // stealing the core OpenBLAS's threads need next (a 2-thread conv2d ran 2x slower than 1 thread); passive
  // waiting measured as fast at 1 thread and fixed that. A user's own OMP_WAIT_POLICY / GOMP_SPINCOUNT wins.
  if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) process.env.OMP_WAIT_POLICY = 'PASSIVE';
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    return { ok: true, addon, path };
  } catch (e) {
    return { ok: false, reason: `addon failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
}
