/**
 * Peer baseline: TensorFlow.js 4.22 (`@tensorflow/tfjs`) on its pure-JS `cpu`
 * backend and its WebAssembly (`wasm`, SIMD + XNNPACK) backend.
 *
 * Three measurements, each the median over timed runs after warm-up:
 *   - GEMM  C = A·B, 1024×1024 float32, reported as GFLOP/s (2·n³ / s);
 *   - GEMV  x[1,4096] · W[4096,4096] (batch 1, plain layout), ms;
 *   - MLP   one SGD step (lr 0.01) of a 784-300-100-10 ReLU MLP, batch 128,
 *           softmax cross-entropy, via `optimizer.minimize`, ms.
 *
 * Notes on loading tfjs in Node 20 (ESM):
 *   - Neither package has an `exports` map, so `import()` resolves to the CJS
 *     `main` builds (`tf.node.js`, `tf-backend-wasm.node.js`); both share the
 *     single hoisted `@tensorflow/tfjs-core`, so the backend registers itself
 *     with the same engine that `@tensorflow/tfjs` uses.
 *   - The CJS wasm build finds its `.wasm` files via `__dirname` and reads them
 *     with `fs`, so it works without configuration. We still call
 *     `setWasmPaths(<dist folder>/)` with a plain file-system path (resolved
 *     with `createRequire`) so the location is explicit and survives bundling.
 *     A `file://` URL also works (Emscripten's Node reader accepts both), but
 *     setWasmPaths must be called before the first `setBackend('wasm')`.
 *   - In Node `WASM_HAS_MULTITHREAD_SUPPORT` is false, so the wasm backend runs
 *     the single-threaded SIMD binary (`tfjs-backend-wasm-simd.wasm`).
 *   - We call `tf.enableProdMode()` (fewer runtime checks, and it silences the
 *     "install tfjs-node" banner that the cpu backend prints in Node).
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as TfModule from '@tensorflow/tfjs';
import { median } from '../timing.js';

export type TfjsBackendName = 'wasm' | 'cpu';

export interface PeerTimings {
  gemm1024_gflops: number;
  gemv4096_ms: number;
  mlp_step_ms: number | null;
}

export interface MeasureOptions {
  /** Timed runs per benchmark (median is reported). */
  reps: number;
  /** CI smoke mode: fewer warm-ups/reps and a small time budget per benchmark. */
  quick?: boolean;
  /** Skip the MLP training step (slow on the cpu backend); reports null. */
  skipMlp?: boolean;
}

type Tf = typeof TfModule;

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

const TFJS_PKG = '@tensorflow/tfjs';
const WASM_PKG = '@tensorflow/tfjs-backend-wasm';
const TFJS_VERSION = '4.22.0';

let tfPromise: Promise<Tf> | null = null;
let wasmPromise: Promise<void> | null = null;

function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function missingPackageError(pkg: string, cause: unknown): Error {
  return new Error(
    `tfjs peer benchmark: package '${pkg}' is not installed. ` +
      `Install it with: npm install --save-dev ${pkg}@${TFJS_VERSION}`,
    { cause },
  );
}

/** Import `@tensorflow/tfjs` once (shared by all calls). */
function loadTf(): Promise<Tf> {
  tfPromise ??= (async () => {
    try {
      const tf = (await import(TFJS_PKG)) as Tf;
      tf.enableProdMode();
      return tf;
    } catch (err) {
      tfPromise = null;
      throw isModuleNotFound(err) ? missingPackageError(TFJS_PKG, err) : err;
    }
  })();
  return tfPromise;
}

/** Import the wasm backend (registers it) and point it at its .wasm files. */
function loadWasmBackend(): Promise<void> {
  wasmPromise ??= (async () => {
    try {
      const wasm = (await import(WASM_PKG)) as typeof import('@tensorflow/tfjs-backend-wasm');
      // Resolve the package's dist folder (where the .wasm binaries live).
      const require = createRequire(import.meta.url);
      const distDir = path.dirname(require.resolve(WASM_PKG));
      wasm.setWasmPaths(distDir + path.sep);
    } catch (err) {
      wasmPromise = null;
      throw isModuleNotFound(err) ? missingPackageError(WASM_PKG, err) : err;
    }
  })();
  return wasmPromise;
}

/**
 * The Emscripten glue of the wasm backend installs process-wide
 * 'uncaughtException' / 'unhandledRejection' listeners that re-throw, which
 * makes every later crash report point into tf-backend-wasm.node.js. Remove
 * the listeners that appeared while the backend initialised.
 */
async function withoutNewProcessListeners<T>(fn: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  const proc: NodeJS.EventEmitter = process; // plain emitter view (avoids the Signals overloads)
  const before = events.map((e) => new Set(proc.listeners(e)));
  try {
    return await fn();
  } finally {
    events.forEach((e, i) => {
      for (const l of proc.listeners(e)) {
        if (!before[i]!.has(l)) proc.removeListener(e, l as (...args: unknown[]) => void);
      }
    });
  }
}

async function useBackend(tf: Tf, backend: TfjsBackendName): Promise<void> {
  if (backend === 'wasm') await loadWasmBackend();
  const ok = await withoutNewProcessListeners(async () => {
    const set = await tf.setBackend(backend);
    await tf.ready();
    return set;
  });
  if (!ok || tf.getBackend() !== backend) {
    throw new Error(`tfjs peer benchmark: could not initialise the '${backend}' backend`);
  }
}

// ---------------------------------------------------------------------------
// Deterministic data
// ---------------------------------------------------------------------------

/** mulberry32: tiny seeded PRNG, returns floats in [0, 1). */
function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [-scale, scale). */
function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = makeRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng() - 1) * scale;
  return out;
}

// ---------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------

interface TimingPlan {
  warmup: number;
  reps: number;
  /** Stop adding timed runs once this many ms were spent timing (≥ 1 run). */
  budgetMs: number;
  /** If a single warm-up run exceeds this (quick mode), use it as the sample. */
  slowRunMs: number;
}

/** Median wall time (ms) of `fn`, which must force completion itself. */
function timeMedian(fn: () => void, plan: TimingPlan): number {
  for (let i = 0; i < plan.warmup; i++) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    // Quick mode on the cpu backend: a 1024³ GEMM takes ~3 s; a second run
    // would blow the smoke-test budget, so the (warm-ish) run is the sample.
    if (dt > plan.slowRunMs) return dt;
  }
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < plan.reps && (samples.length === 0 || spent < plan.budgetMs)) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    samples.push(dt);
    spent += dt;
  }
  return median(samples);
}

function makePlan(options: MeasureOptions): TimingPlan {
  const reps = Math.max(1, Math.floor(options.reps));
  return options.quick
    ? { warmup: 1, reps: Math.min(reps, 5), budgetMs: 300, slowRunMs: 1000 }
    : { warmup: 2, reps, budgetMs: Infinity, slowRunMs: Infinity };
}

// ---------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------

/** C = A·B, 1024² float32; returns GFLOP/s. Spot-checks a few entries. */
function benchGemm(tf: Tf, plan: TimingPlan): number {
  const n = 1024;
  const aData = randomArray(n * n, 1);
  const bData = randomArray(n * n, 2);
  const a = tf.tensor2d(aData, [n, n]);
  const b = tf.tensor2d(bData, [n, n]);
  // Correctness spot check of a few entries against a float64 dot product
  // (~4k flops, negligible). Done on the first (warm-up) run only, so the
  // slow cpu backend does not pay for an extra 1024³ product.
  const check = (cData: Float32Array): void => {
    for (const [i, j] of [[0, 0], [17, 923], [1023, 1023], [511, 3]] as const) {
      let ref = 0;
      for (let k = 0; k < n; k++) ref += aData[i * n + k]! * bData[k * n + j]!;
      if (Math.abs(cData[i * n + j]! - ref) > 1e-3 * (1 + Math.abs(ref))) {
        throw new Error(`tfjs GEMM check failed at (${i},${j}): ${cData[i * n + j]} vs ${ref}`);
      }
    }
  };
  let checked = false;
  try {
    const ms = timeMedian(() => {
      const c = tf.matMul(a, b);
      const cData = c.dataSync() as Float32Array; // forces completion (reads back 4 MB)
      c.dispose();
      if (!checked) {
        check(cData);
        checked = true;
      }
    }, plan);
    return (2 * n ** 3) / (ms * 1e-3) / 1e9;
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** y = x·W with x [1,4096], W [4096,4096] (row-major, not transposed); ms. */
function benchGemv(tf: Tf, plan: TimingPlan): number {
  const n = 4096;
  const x = tf.tensor2d(randomArray(n, 3), [1, n]);
  const w = tf.tensor2d(randomArray(n * n, 4, 1 / Math.sqrt(n)), [n, n]);
  try {
    return timeMedian(() => {
      const y = tf.matMul(x, w);
      y.dataSync();
      y.dispose();
    }, plan);
  } finally {
    x.dispose();
    w.dispose();
  }
}

/**
 * One SGD step of a 784-300-100-10 ReLU MLP on a fixed random batch of 128
 * (softmax cross-entropy, lr 0.01); ms per step. Throws if the loss is not
 * finite. Weights use He-uniform init from the seeded generator.
 */
function benchMlp(tf: Tf, plan: TimingPlan): number {
  const sizes = [784, 300, 100, 10] as const;
  const batch = 128;
  const vars: TfModule.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    const limit = Math.sqrt(6 / fanIn);
    // tf.variable() shares (and ref-counts) the initial tensor's data, so
    // the initial tensor itself must be disposed or it counts as a leak.
    for (const init of [
      tf.tensor2d(randomArray(fanIn * fanOut, 10 + l, limit), [fanIn, fanOut]),
      tf.zeros([fanOut]),
    ]) {
      vars.push(tf.variable(init));
      init.dispose();
    }
  }
  const x = tf.tensor2d(randomArray(batch * 784, 20), [batch, 784]);
  // Fixed labels: class = i mod 10, one-hot.
  const labels = tf.tidy(() =>
    tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10),
  );
  const optimizer = tf.train.sgd(0.01);

  const lossFn = (): TfModule.Scalar => {
    let h: TfModule.Tensor = x;
    for (let l = 0; l < 3; l++) {
      h = tf.add(tf.matMul(h, vars[2 * l]!), vars[2 * l + 1]!);
      if (l < 2) h = tf.relu(h);
    }
    return tf.losses.softmaxCrossEntropy(labels, h) as TfModule.Scalar;
  };

  try {
    let lastLoss = NaN;
    const ms = timeMedian(() => {
      const cost = optimizer.minimize(lossFn, true, vars);
      // cpu and wasm kernels run synchronously; reading the loss is the sync point.
      lastLoss = cost!.dataSync()[0]!;
      cost!.dispose();
    }, plan);
    if (!Number.isFinite(lastLoss)) throw new Error(`tfjs MLP loss is not finite: ${lastLoss}`);
    return ms;
  } finally {
    optimizer.dispose();
    for (const v of vars) v.dispose();
    x.dispose();
    labels.dispose();
  }
}

// ---------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------

/** Measure tfjs on one backend: median over `reps` timed runs after warm-up. */
export async function measureTfjs(
  backend: TfjsBackendName,
  options: MeasureOptions,
): Promise<PeerTimings> {
  const tf = await loadTf();
  await useBackend(tf, backend);
  const plan = makePlan(options);
  const before = tf.memory().numTensors;

  const gemm1024_gflops = benchGemm(tf, plan);
  const gemv4096_ms = benchGemv(tf, plan);
  const mlp_step_ms = options.skipMlp ? null : benchMlp(tf, plan);

  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`tfjs peer benchmark leaked ${leaked} tensors on '${backend}'`);
  return { gemm1024_gflops, gemv4096_ms, mlp_step_ms };
}
