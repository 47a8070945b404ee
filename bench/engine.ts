// `tessera bench engine`: GEMM 1024³, batch-1 GEMV 4096², and one 784-300-100-10 MLP training step
// (batch 128), for tessera's wasm backend (1 thread and all threads) and cpu reference, beside
// tfjs-wasm and the tfjs CPU backend measured in the same process. Prints one JSON object.
import { availableParallelism } from 'node:os';
import * as T from '../src/tensor/index.js';
import { setBackend } from '../src/backend/registry.js';
import { cpuBackend } from '../src/backend/cpu/index.js';
import type { Backend } from '../src/backend/kernels.js';
import { createWasmBackend, type WasmBackend } from '../src/backend/wasm/index.js';
import { measureTfjs, type PeerTimings } from './peers/tfjs.js';
import { median, timeMs } from './timing.js';

export interface EngineBenchOptions {
  /** Fewer repetitions (CI smoke run); still real measurements. */
  quick?: boolean;
  /** Threads for the "all threads" wasm runs (default: all cores). */
  threads?: number;
  /** Skip the tfjs peers (then their fields are null). */
  noPeers?: boolean;
  /** Called with a short line as each measurement finishes. */
  log?: (line: string) => void;
}

export interface EngineBenchResult {
  threads: number;
  gemm1024_gflops: { tessera_wasm_1t: number; tessera_wasm_all: number; tessera_cpu: number; tfjs_wasm: number | null; tfjs_cpu: number | null };
  /** tessera_*: W resident in wasm memory; tessera_wasm_all_copied: W copied in on every call. */
  gemv4096_ms: { tessera_wasm_1t: number; tessera_wasm_all: number; tessera_wasm_all_copied: number; tfjs_wasm: number | null };
  mlp_step_ms: { tessera: number; tessera_1t: number; tfjs_wasm: number | null };
  ratios: { gemm_all_over_tfjs_wasm: number | null; mlp_step_tfjs_wasm_over_tessera: number | null; gemv_tfjs_wasm_over_tessera: number | null };
  targets: { gemm_all_at_least_2x_tfjs_wasm: boolean | null; mlp_step_faster_than_tfjs_wasm: boolean | null };
  meta: { quick: boolean; rounds: number; reps: number; node: string; date: string };
}

const key = T.random.key;

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

/** One SGD step of a 784-300-100-10 ReLU MLP on a fixed random batch of 128, with softmax cross-entropy. */
function mlpStepMs(reps: number): number {
  const sizes = [784, 300, 100, 10];
  const params: T.Tensor[] = [];
  for (let i = 0; i < 3; i++) {
    const bound = Math.sqrt(6 / sizes[i]!);
    params.push(T.random.uniform(key(10 + i), [sizes[i]!, sizes[i + 1]!], { minval: -bound, maxval: bound }), T.zeros([sizes[i + 1]!]));
  }
  const x = T.random.normal(key(20), [128, 784]);
  const y = T.tensor(Array.from({ length: 128 }, (_, i) => i % 10), [128], 'i32');
  const loss = (...p: T.Tensor[]) => {
    let h = x;
    for (let i = 0; i < 3; i++) {
      h = T.add(T.matmul(h, p[2 * i]!), p[2 * i + 1]!);
      if (i < 2) h = T.relu(h);
    }
    return T.crossEntropy(h, y);
  };
  const step = T.valueAndGrad(loss);
  return timeMs(() => {
    const [, grads] = step(...params);
    T.noGrad(() => params.forEach((p, i) => {
      const g = grads[i]!.data, d = p.data;
      for (let j = 0; j < d.length; j++) d[j]! -= 0.01 * g[j]!;
    }));
  }, reps, 2);
}

export async function benchEngine(options: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const quick = options.quick ?? false;
  const threads = options.threads ?? availableParallelism();
  const log = options.log ?? (() => {});
  const rounds = quick ? 1 : 5, reps = quick ? 3 : 7;
  const wasm = await createWasmBackend({ threads: 1 });
  const ours = { gemm1t: [] as number[], gemmAll: [] as number[], gemv1t: [] as number[], gemvAll: [] as number[], gemvCopied: [] as number[], mlp: [] as number[], mlp1t: [] as number[] };
  const peers: { wasm: PeerTimings[]; cpu: PeerTimings[] } = { wasm: [], cpu: [] };
  const previous: Backend = setBackend(wasm);
  try {
    for (let round = 0; round < rounds; round++) {
      await wasm.setThreads(1);
      ours.gemm1t.push(gemmGflops(1024, reps));
      ours.gemv1t.push(gemvMs(4096, reps * 3, wasm));
      ours.mlp1t.push(mlpStepMs(reps * 2));
      await wasm.setThreads(threads);
      ours.gemmAll.push(gemmGflops(1024, reps));
      ours.gemvAll.push(gemvMs(4096, reps * 3, wasm));
      ours.gemvCopied.push(gemvMs(4096, reps));
      ours.mlp.push(mlpStepMs(reps * 2));
      log(`round ${round + 1}/${rounds}: tessera wasm GEMM ${ours.gemm1t.at(-1)!.toFixed(1)} / ${ours.gemmAll.at(-1)!.toFixed(1)} GFLOP/s (1t/${threads}t), MLP step ${ours.mlp.at(-1)!.toFixed(2)} ms`);
      if (!options.noPeers) {
        peers.wasm.push(await measureTfjs('wasm', { reps, quick }));
        log(`round ${round + 1}/${rounds}: tfjs-wasm GEMM ${peers.wasm.at(-1)!.gemm1024_gflops.toFixed(1)} GFLOP/s, MLP step ${peers.wasm.at(-1)!.mlp_step_ms?.toFixed(2)} ms`);
      }
    }
  } finally {
    setBackend(previous);
    await wasm.dispose();
  }
  // The slow references run once per bench: the cpu reference and the tfjs CPU backend (~seconds each).
  setBackend(cpuBackend);
  const cpuGflops = gemmGflops(1024, 1);
  setBackend(previous);
  log(`tessera cpu reference GEMM ${cpuGflops.toFixed(2)} GFLOP/s`);
  if (!options.noPeers) peers.cpu.push(await measureTfjs('cpu', { reps: 1, quick: true, skipMlp: true }));

  const m = (xs: number[]) => median(xs);
  const peer = (xs: PeerTimings[], f: (p: PeerTimings) => number | null) => (xs.length ? m(xs.map((p) => f(p) ?? NaN)) : null);
  const tfjsWasmGemm = peer(peers.wasm, (p) => p.gemm1024_gflops);
  const tfjsWasmMlp = peer(peers.wasm, (p) => p.mlp_step_ms);
  const tfjsWasmGemv = peer(peers.wasm, (p) => p.gemv4096_ms);
  const result: EngineBenchResult = {
    threads,
    gemm1024_gflops: { tessera_wasm_1t: m(ours.gemm1t), tessera_wasm_all: m(ours.gemmAll), tessera_cpu: cpuGflops, tfjs_wasm: tfjsWasmGemm, tfjs_cpu: peer(peers.cpu, (p) => p.gemm1024_gflops) },
    gemv4096_ms: { tessera_wasm_1t: m(ours.gemv1t), tessera_wasm_all: m(ours.gemvAll), tessera_wasm_all_copied: m(ours.gemvCopied), tfjs_wasm: tfjsWasmGemv },
    mlp_step_ms: { tessera: m(ours.mlp), tessera_1t: m(ours.mlp1t), tfjs_wasm: tfjsWasmMlp },
    // Ratios are medians of per-round ratios: each round measures both sides within seconds of each
    // other, which cancels most of this VM's slow drifts in speed.
    ratios: {
      gemm_all_over_tfjs_wasm: perRound(peers.wasm, (p, r) => ours.gemmAll[r]! / p.gemm1024_gflops),
      mlp_step_tfjs_wasm_over_tessera: perRound(peers.wasm, (p, r) => (p.mlp_step_ms ?? NaN) / ours.mlp[r]!),
      gemv_tfjs_wasm_over_tessera: perRound(peers.wasm, (p, r) => p.gemv4096_ms / ours.gemvAll[r]!),
    },
    targets: {
      gemm_all_at_least_2x_tfjs_wasm: null,
      mlp_step_faster_than_tfjs_wasm: null,
    },
    meta: { quick, rounds, reps, node: process.version, date: new Date().toISOString() },
  };
  result.targets = {
    gemm_all_at_least_2x_tfjs_wasm: result.ratios.gemm_all_over_tfjs_wasm === null ? null : result.ratios.gemm_all_over_tfjs_wasm >= 2,
    mlp_step_faster_than_tfjs_wasm: result.ratios.mlp_step_tfjs_wasm_over_tessera === null ? null : result.ratios.mlp_step_tfjs_wasm_over_tessera > 1,
  };
  return result;
}

/** Median over rounds of f(peer measurement of round r, r); null without peers. */
function perRound(peers: PeerTimings[], f: (p: PeerTimings, round: number) => number): number | null {
  return peers.length ? median(peers.map((p, r) => f(p, r))) : null;
}
