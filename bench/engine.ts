// `tessera bench engine`: GEMM 1024³, batch-1 GEMV 4096², one 784-300-100-10 MLP training step and one
// small-CNN training step (batch 128), for tessera's native, wasm and cpu backends beside PyTorch (Debian's
// torch, through bench/peers/torch_engine.py), tfjs-wasm and the tfjs CPU backend, all in one run with
// rounds interleaved, plus the machine's limits (bench/limits.ts). Prints one JSON object.
//
// Threads: GEMM on 1 thread and on all; the MLP step of native and torch on 1 thread (the target is
// a 1-thread comparison), the wasm MLP keys as before (`tessera` all threads, `tessera_1t` 1 thread); the
// CNN step on all threads for every engine. `threads_used` in the JSON says this per key.
import { availableParallelism, loadavg } from 'node:os';
import * as T from '../src/tensor/index.js';
import { mlp, smallCnn, type Module } from '../src/nn/index.js';
import { sgd, type NamedTensors } from '../src/optim/index.js';
import { cpuBackend, setBackend, type Backend } from '../src/index.js';
import { createNativeBackend, type NativeBackend } from '../src/backend/native/index.js';
import { createWasmBackend, type WasmBackend } from '../src/backend/wasm/index.js';
import { cpuSnapshot, foreignCpuShare, machineLimits, type MachineLimits } from './limits.js';
import { measureTfjs, type PeerTimings } from './peers/tfjs.js';
import { openTorchPeer, type TorchInfo, type TorchRound } from './peers/torch.js';
import { median, timeMs } from './timing.js';

export interface EngineBenchOptions {
  /** Fewer repetitions (CI smoke run); still real measurements. */
  quick?: boolean;
  /** Threads for the "all threads" runs (default: all cores). */
  threads?: number;
  /** Skip the peers (tfjs and torch; then their fields are null). */
  noPeers?: boolean;
  /** Called with a short line as each measurement finishes. */
  log?: (line: string) => void;
}

type N = number | null;

export interface EngineBenchResult {
  threads: number;
  gemm1024_gflops: {
    tessera_wasm_1t: number; tessera_wasm_all: number; tessera_cpu: number; tfjs_wasm: N; tfjs_cpu: N;
    tessera_native_1t: N; tessera_native_all: N; torch_1t: N; torch_all: N;
  };
  /** tessera_*: W resident in wasm memory; tessera_wasm_all_copied: W copied in on every call. */
  gemv4096_ms: { tessera_wasm_1t: number; tessera_wasm_all: number; tessera_wasm_all_copied: number; tfjs_wasm: N };
  /** tessera (wasm, all threads), tessera_1t (wasm), tessera_native and torch (1 thread), *_all (all threads). */
  mlp_step_ms: { tessera: number; tessera_1t: number; tfjs_wasm: N; tessera_native: N; tessera_native_all: N; torch: N; torch_all: N };
  /** All threads; the README's CNN (16/32 channels), batch 128, one SGD step. */
  cnn_step_ms: { tessera_native: N; tessera_wasm: number; torch: N };
  threads_used: Record<string, string>;
  limits: MachineLimits;
  backend_available: { native: boolean };
  backend_reason: string;
  torch: TorchInfo | null;
  notes: string[];
  ratios: {
    gemm_all_over_tfjs_wasm: N; mlp_step_tfjs_wasm_over_tessera: N; gemv_tfjs_wasm_over_tessera: N;
    gemm_native_all_over_torch_all: N; gemm_native_1t_over_torch_1t: N; gemm_native_all_over_wasm_all: N;
    mlp_native_over_torch: N; cnn_native_over_torch: N; cnn_native_over_wasm: N;
  };
  targets: {
    gemm_all_at_least_2x_tfjs_wasm: boolean | null; mlp_step_faster_than_tfjs_wasm: boolean | null;
    gemm_native_all_at_least_0_9x_torch_all: boolean | null; gemm_native_all_at_least_2x_wasm_all: boolean | null;
    mlp_native_at_most_1_25x_torch: boolean | null; cnn_native_at_most_1_5x_torch: boolean | null;
  };
  /**
   * env: the thread/wait variables both processes inherit; loadavg: 1-minute load before, after each round and at the end;
   * foreign_cpu_share: per round, the share of all cores' time used by other processes (bench/limits.ts; null off Linux).
   */
  meta: { quick: boolean; rounds: number; reps: number; cnn_steps: number; node: string; date: string; env: Record<string, string | null>; loadavg: { start: number; rounds: number[]; end: number }; foreign_cpu_share: (number | null)[] };
}

const key = T.random.key;
/** Environment variables that change threading in both tessera's native addon and torch (they inherit them). */
const ENV_VARS = ['OMP_NUM_THREADS', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'OPENBLAS_NUM_THREADS'];
/** A round in which other processes took more than this share of all cores' time is reported as busy. */
const BUSY_SHARE = 0.1;

function gemmGflops(n: number, reps: number): number {
  const a = T.random.normal(key(1), [n, n]), b = T.random.normal(key(2), [n, n]);
  const ms = timeMs(() => T.matmul(a, b), reps);
  return (2 * n ** 3) / (ms * 1e6);
}

/**
 * Batch-1 GEMV x[1, n]·W[n, n]. With `wasm`, W lives in wasm memory (allocResident), as inference
 * weights would and as tfjs-wasm keeps its tensors; otherwise every call copies W (64 MB) in.
 */
function gemvMs(n: number, reps: number, wasm?: WasmBackend): number {
  const x = T.random.normal(key(3), [1, n]);
  let w = T.random.normal(key(4), [n, n], { std: 1 / Math.sqrt(n) });
  let resident: Float32Array | null = null;
  if (wasm) {
    resident = wasm.allocResident(n * n);
    resident.set(w.data);
    w = new T.Tensor(resident, [n, n]);
  }
  try {
    return timeMs(() => T.matmul(x, w), reps, 2);
  } finally {
    if (resident) wasm!.freeResident(resident);
  }
}

/**
 * Median ms of one training step on a fixed batch, as `tessera train` takes it: clear the gradients,
 * forward, softmax cross-entropy (mean), backward, one plain SGD update (lr 0.01, no momentum).
 */
function trainStepMs(model: Module, x: T.Tensor, y: T.Tensor, reps: number, warmup = 2): number {
  const optimizer = sgd({ lr: 0.01 });
  model.train();
  const params = model.namedParameters();
  return timeMs(() => {
    for (const p of Object.values(params)) p.grad = null;
    T.backward(T.crossEntropy(model.forward(x), y));
    const grads: NamedTensors = {};
    for (const [k, p] of Object.entries(params)) if (p.grad) grads[k] = p.grad;
    optimizer.step(params, grads);
  }, reps, warmup);
}

const labels = () => T.tensor(Array.from({ length: 128 }, (_, i) => i % 10), [128], 'i32');

/** 784-300-100-10 ReLU MLP, batch 128 of N(0, 1) inputs. */
function mlpStepMs(reps: number): number {
  return trainStepMs(mlp([784, 300, 100, 10], key(10)), T.random.normal(key(20), [128, 784]), labels(), reps);
}

/** The README's CNN: 2×[conv3×3, BN, ReLU, max-pool 2] with 16/32 channels + linear, inputs [128, 1, 28, 28]. */
function cnnStepMs(reps: number): number {
  return trainStepMs(smallCnn(key(11), { channels: [16, 32] }), T.random.normal(key(21), [128, 1, 28, 28]), labels(), reps);
}

/** Per-round measurements; null where a backend or peer was not measured that round. */
interface Round {
  wasm: { gemm1t: number; gemmAll: number; gemv1t: number; gemvAll: number; gemvCopied: number; mlp: number; mlp1t: number; cnn: number };
  native: { gemm1t: number; gemmAll: number; mlp1t: number; mlpAll: number; cnn: number } | null;
  tfjs: PeerTimings | null;
  torch: TorchRound | null;
}

async function measureWasm(wasm: WasmBackend, threads: number, reps: number, cnnSteps: number): Promise<Round['wasm']> {
  await wasm.setThreads(1);
  const gemm1t = gemmGflops(1024, reps), gemv1t = gemvMs(4096, reps * 3, wasm), mlp1t = mlpStepMs(reps * 2);
  await wasm.setThreads(threads);
  return { gemm1t, gemv1t, mlp1t, gemmAll: gemmGflops(1024, reps), gemvAll: gemvMs(4096, reps * 3, wasm), gemvCopied: gemvMs(4096, reps), mlp: mlpStepMs(reps * 2), cnn: cnnStepMs(cnnSteps) };
}

function measureNative(native: NativeBackend, threads: number, reps: number, cnnSteps: number): NonNullable<Round['native']> {
  native.setThreads(1);
  const gemm1t = gemmGflops(1024, reps), mlp1t = mlpStepMs(reps * 2);
  native.setThreads(threads);
  return { gemm1t, mlp1t, gemmAll: gemmGflops(1024, reps), mlpAll: mlpStepMs(reps * 2), cnn: cnnStepMs(cnnSteps) };
}

/** Run `fn` with `backend` current, restoring the previous one. */
async function using<R>(backend: Backend, fn: () => R | Promise<R>): Promise<R> {
  const previous = setBackend(backend);
  try {
    return await fn();
  } finally {
    setBackend(previous);
  }
}

export async function benchEngine(options: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const quick = options.quick ?? false;
  const threads = options.threads ?? availableParallelism();
  const log = options.log ?? (() => {});
  const rounds = quick ? 1 : 5, reps = quick ? 3 : 7, cnnSteps = quick ? 3 : 7;
  const notes: string[] = [];
  const loadStart = loadavg()[0]!, loadRounds: number[] = [], foreign: (number | null)[] = [];
  const f1 = (x: number) => x.toFixed(1), f2 = (x: number) => x.toFixed(2);

  const nativeLoad = createNativeBackend({ threads });
  const native = nativeLoad.ok ? nativeLoad.backend : null;
  const backendReason = nativeLoad.ok ? `native loaded: ${nativeLoad.backend.describe()}` : nativeLoad.reason;
  if (!native) notes.push(`native backend unavailable (${backendReason}); its fields are null`);

  const torch = options.noPeers ? { reason: 'skipped (--no-peers)' } : await openTorchPeer();
  const torchPeer = 'info' in torch ? torch : null;
  if (!torchPeer) notes.push(`torch peer unavailable: ${'reason' in torch ? torch.reason : ''}; torch fields are null`);
  else {
    if (torchPeer.info.note) notes.push(`torch: ${torchPeer.info.note}`);
    log(`torch ${torchPeer.info.torch}, BLAS ${torchPeer.info.blas} (${torchPeer.info.openblas_config ?? torchPeer.info.blas_libraries.join(', ')}), 512³ 1-thread sgemm ${f1(torchPeer.info.blas_gemm512_gflops_1t)} GFLOP/s`);
  }

  const wasm = await createWasmBackend({ threads: 1 });
  const measured: Round[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const tag = `round ${r + 1}/${rounds}:`;
      const before = cpuSnapshot(torchPeer ? [torchPeer.pid] : []);
      const w = await using(wasm, () => measureWasm(wasm, threads, reps, cnnSteps));
      log(`${tag} tessera wasm GEMM ${f1(w.gemm1t)} / ${f1(w.gemmAll)} GFLOP/s (1t/${threads}t), MLP step ${f2(w.mlp)} ms, CNN step ${f2(w.cnn)} ms`);
      const n = native ? await using(native, () => measureNative(native, threads, reps, cnnSteps)) : null;
      if (n) log(`${tag} tessera native GEMM ${f1(n.gemm1t)} / ${f1(n.gemmAll)} GFLOP/s, MLP step ${f2(n.mlp1t)} ms (1t), CNN step ${f2(n.cnn)} ms`);
      let tfjs: PeerTimings | null = null, torchRound: TorchRound | null = null;
      if (!options.noPeers) {
        tfjs = await measureTfjs('wasm', { reps, quick });
        log(`${tag} tfjs-wasm GEMM ${f1(tfjs.gemm1024_gflops)} GFLOP/s, MLP step ${tfjs.mlp_step_ms === null ? 'n/a' : f2(tfjs.mlp_step_ms)} ms`);
      }
      if (torchPeer) {
        const t = await torchPeer.round({ threads, reps, warmup: 2, cnnSteps });
        if ('error' in t) notes.push(`torch round ${r + 1} failed: ${t.error}`);
        else {
          torchRound = t;
          log(`${tag} torch GEMM ${f1(t.gemm1024_gflops_1t)} / ${f1(t.gemm1024_gflops_all)} GFLOP/s, MLP step ${f2(t.mlp_step_ms_1t)} ms (1t), CNN step ${f2(t.cnn_step_ms_all)} ms`);
        }
      }
      measured.push({ wasm: w, native: n, tfjs, torch: torchRound });
      loadRounds.push(loadavg()[0]!);
      foreign.push(foreignCpuShare(before, cpuSnapshot(torchPeer ? [torchPeer.pid] : [])));
    }
  } finally {
    await wasm.dispose();
    await torchPeer?.close();
  }
  // The slow references run once per bench: the cpu reference and the tfjs CPU backend (~seconds each).
  const cpuGflops = await using(cpuBackend, () => gemmGflops(1024, 1));
  log(`tessera cpu reference GEMM ${f2(cpuGflops)} GFLOP/s`);
  const tfjsCpu = options.noPeers ? null : await measureTfjs('cpu', { reps: 1, quick: true, skipMlp: true });
  const limits = machineLimits({ native, passes: quick ? 3 : 7 });
  const busy = foreign.map((share, r) => ({ share, r })).filter((x) => x.share !== null && x.share > BUSY_SHARE);
  if (busy.length) {
    const list = busy.map((x) => `round ${x.r + 1}: ${(100 * x.share!).toFixed(0)}%`).join(', ');
    notes.push(`other processes used the CPU during ${busy.length} of ${rounds} round(s) (${list} of all cores' time): all-thread numbers of those rounds are unreliable (1-thread ones suffer less); the medians over rounds damp this only if most rounds were quiet`);
  }
  log(`limits: ${f1(limits.peak_gflops_per_core)} GFLOP/s per core (${limits.frequency_source}), read ${f2(limits.read_gbps)} GB/s`);
  return summarize(measured, { threads, quick, rounds, reps, cnnSteps, cpuGflops, tfjsCpu, limits, native: native !== null, backendReason, torch: torchPeer?.info ?? null, notes, loadStart, loadRounds, foreign });
}

interface Context {
  threads: number; quick: boolean; rounds: number; reps: number; cnnSteps: number; cpuGflops: number; tfjsCpu: PeerTimings | null;
  limits: MachineLimits; native: boolean; backendReason: string; torch: TorchInfo | null; notes: string[]; loadStart: number; loadRounds: number[]; foreign: (number | null)[];
}

/** Median over rounds of the finite values of f (null when none is finite). */
function med(rounds: readonly Round[], f: (r: Round) => number | null | undefined): N {
  const xs = rounds.map((r) => f(r)).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return xs.length ? median(xs) : null;
}

/**
 * Ratios are medians of per-round ratios: each round measures both sides within seconds of each other,
 * which cancels most of this VM's slow drifts in speed.
 */
function ratio(rounds: readonly Round[], num: (r: Round) => number | null | undefined, den: (r: Round) => number | null | undefined): N {
  return med(rounds, (r) => {
    const a = num(r), b = den(r);
    return a == null || b == null ? null : a / b;
  });
}

const atLeast = (x: N, bound: number) => (x === null ? null : x >= bound);
const atMost = (x: N, bound: number) => (x === null ? null : x <= bound);

function summarize(rs: readonly Round[], c: Context): EngineBenchResult {
  const ratios: EngineBenchResult['ratios'] = {
    gemm_all_over_tfjs_wasm: ratio(rs, (r) => r.wasm.gemmAll, (r) => r.tfjs?.gemm1024_gflops),
    mlp_step_tfjs_wasm_over_tessera: ratio(rs, (r) => r.tfjs?.mlp_step_ms, (r) => r.wasm.mlp),
    gemv_tfjs_wasm_over_tessera: ratio(rs, (r) => r.tfjs?.gemv4096_ms, (r) => r.wasm.gemvAll),
    gemm_native_all_over_torch_all: ratio(rs, (r) => r.native?.gemmAll, (r) => r.torch?.gemm1024_gflops_all),
    gemm_native_1t_over_torch_1t: ratio(rs, (r) => r.native?.gemm1t, (r) => r.torch?.gemm1024_gflops_1t),
    gemm_native_all_over_wasm_all: ratio(rs, (r) => r.native?.gemmAll, (r) => r.wasm.gemmAll),
    mlp_native_over_torch: ratio(rs, (r) => r.native?.mlp1t, (r) => r.torch?.mlp_step_ms_1t),
    cnn_native_over_torch: ratio(rs, (r) => r.native?.cnn, (r) => r.torch?.cnn_step_ms_all),
    cnn_native_over_wasm: ratio(rs, (r) => r.native?.cnn, (r) => r.wasm.cnn),
  };
  const all = `${c.threads} threads`;
  return {
    threads: c.threads,
    gemm1024_gflops: {
      tessera_wasm_1t: med(rs, (r) => r.wasm.gemm1t)!, tessera_wasm_all: med(rs, (r) => r.wasm.gemmAll)!, tessera_cpu: c.cpuGflops,
      tfjs_wasm: med(rs, (r) => r.tfjs?.gemm1024_gflops), tfjs_cpu: c.tfjsCpu?.gemm1024_gflops ?? null,
      tessera_native_1t: med(rs, (r) => r.native?.gemm1t), tessera_native_all: med(rs, (r) => r.native?.gemmAll),
      torch_1t: med(rs, (r) => r.torch?.gemm1024_gflops_1t), torch_all: med(rs, (r) => r.torch?.gemm1024_gflops_all),
    },
    gemv4096_ms: {
      tessera_wasm_1t: med(rs, (r) => r.wasm.gemv1t)!, tessera_wasm_all: med(rs, (r) => r.wasm.gemvAll)!,
      tessera_wasm_all_copied: med(rs, (r) => r.wasm.gemvCopied)!, tfjs_wasm: med(rs, (r) => r.tfjs?.gemv4096_ms),
    },
    mlp_step_ms: {
      tessera: med(rs, (r) => r.wasm.mlp)!, tessera_1t: med(rs, (r) => r.wasm.mlp1t)!, tfjs_wasm: med(rs, (r) => r.tfjs?.mlp_step_ms),
      tessera_native: med(rs, (r) => r.native?.mlp1t), tessera_native_all: med(rs, (r) => r.native?.mlpAll),
      torch: med(rs, (r) => r.torch?.mlp_step_ms_1t), torch_all: med(rs, (r) => r.torch?.mlp_step_ms_all),
    },
    cnn_step_ms: { tessera_native: med(rs, (r) => r.native?.cnn), tessera_wasm: med(rs, (r) => r.wasm.cnn)!, torch: med(rs, (r) => r.torch?.cnn_step_ms_all) },
    threads_used: {
      gemm1024_gflops: `*_1t: 1 thread; *_all and tfjs_wasm: ${all} (tfjs-wasm in Node is single-threaded); tessera_cpu, tfjs_cpu: 1`,
      gemv4096_ms: `tessera_wasm_1t: 1; others: ${all}`,
      mlp_step_ms: `tessera_native, torch, tessera_1t: 1 thread (torch.set_num_threads(1) and openblas_set_num_threads(1)); tessera, tessera_native_all, torch_all: ${all}; tfjs_wasm: 1`,
      cnn_step_ms: `${all} for every engine`,
    },
    limits: c.limits,
    backend_available: { native: c.native },
    backend_reason: c.backendReason,
    torch: c.torch,
    notes: c.notes,
    ratios,
    targets: {
      gemm_all_at_least_2x_tfjs_wasm: atLeast(ratios.gemm_all_over_tfjs_wasm, 2),
      mlp_step_faster_than_tfjs_wasm: ratios.mlp_step_tfjs_wasm_over_tessera === null ? null : ratios.mlp_step_tfjs_wasm_over_tessera > 1,
      gemm_native_all_at_least_0_9x_torch_all: atLeast(ratios.gemm_native_all_over_torch_all, 0.9),
      gemm_native_all_at_least_2x_wasm_all: atLeast(ratios.gemm_native_all_over_wasm_all, 2),
      mlp_native_at_most_1_25x_torch: atMost(ratios.mlp_native_over_torch, 1.25),
      cnn_native_at_most_1_5x_torch: atMost(ratios.cnn_native_over_torch, 1.5),
    },
    meta: {
      quick: c.quick, rounds: c.rounds, reps: c.reps, cnn_steps: c.cnnSteps, node: process.version, date: new Date().toISOString(),
      env: Object.fromEntries(ENV_VARS.map((v) => [v, process.env[v] ?? null])), loadavg: { start: c.loadStart, rounds: c.loadRounds, end: loadavg()[0]! }, foreign_cpu_share: c.foreign,
    },
  };
}
