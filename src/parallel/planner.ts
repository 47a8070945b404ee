// The layout planner: for a model, a sequence length and a node of D devices, the predicted
// per-device memory and step time of every layout (TP, SP ring/all-gather, Ulysses, each TP×SP
// mesh, TSP), feasibility against the device memory, and a recommendation. The memory model is the
// note's §A.6 table made concrete; every assumption is an option, listed in the plan.
import { CATALOG, HARDWARE_NAMES, type HardwareName } from '../core/accelerators.js';
import { valueError } from '../core/errors.js';
import type { ModelShape } from '../core/modelShape.js';
import type { BlockConfig } from './block.js';
import { totalTraffic, layoutTraffic, type LayoutKind } from './analytic/volume.js';
import { korthikantiActivationBytes } from './analytic/memory.js';
import { layoutShardingProblem } from './sharding.js';

export interface ClusterConfig {
  name: string;
  devices: number;
  /** Device memory, bytes. */
  memoryBytes: number;
  /** Dense bf16 peak, FLOP/s. */
  peakFlops: number;
  /** Per-device unidirectional bandwidth to the other devices of the node, bytes/s. */
  linkBytesPerSecond: number;
  /** Per-message latency α, seconds. */
  alpha: number;
  source: string;
}

const PAPER_7B = 'the TSP paper\'s 7B-class dense model [2nd] (note §A.7): h 4096, 32 layers, 32 heads; the FFN width is unverified';

/** The paper's 7B-class dense model: Llama-style f = 11008, or "FFN×4" read as a gated f = 4h = 16384. */
export const MODEL_PRESETS: Record<string, ModelShape> = {
  '7b': {
    name: '7B dense (Llama-2-7B shape: f = 11008)', family: 'transformer', hidden: 4096, layers: 32, heads: 32, kvHeads: 32, headDim: 128,
    ffn: 11008, vocab: 32000, source: `${PAPER_7B}; f = 11008 as Llama-2-7B`,
  },
  '7b-ffn4': {
    name: '7B-class dense, gated FFN f = 4h = 16384 (≈8.6B)', family: 'transformer', hidden: 4096, layers: 32, heads: 32, kvHeads: 32, headDim: 128,
    ffn: 16384, vocab: 32000, source: `${PAPER_7B}; f = 4h read from "FFN×4"`,
  },
};

/**
 * A node of `devices` identical accelerators of the catalog (core/accelerators.ts, with each figure's source):
 * HBM (decimal GB → bytes), dense bf16 peak, the per-device link bandwidth and its assumed per-message latency.
 */
export function clusterOf(name: HardwareName, devices = 8): ClusterConfig {
  const hw = CATALOG[name];
  return {
    name: `${devices}×${hw.label} (${hw.interconnect})`, devices,
    memoryBytes: hw.hbmGB.value * 1e9, peakFlops: hw.bf16Tflops.value * 1e12,
    linkBytesPerSecond: hw.linkGBps.value * 1e9, alpha: hw.linkLatencyUs.value * 1e-6,
    source: `catalog entry "${hw.name}" (src/core/accelerators.ts: every figure with its source); ${hw.bf16Tflops.source}; α assumed, not measured`,
  };
}

/** One 8-device node of every accelerator in the catalog: 8xmi300x, 8xh100, 8xh200, 8xa100. */
export const CLUSTER_PRESETS: Record<string, ClusterConfig> = Object.fromEntries(HARDWARE_NAMES.map((n) => [`8x${n}`, clusterOf(n)]));

export interface PlanAssumptions {
  /** Tokens per sequence and microbatch. */
  seq: number;
  batch: number;
  /** Model-state bytes per parameter (bf16 weights + bf16 grads + fp32 AdamW = 16; 18 with fp32 grads). */
  stateBytesPerParam: number;
  /** Bytes per activation element. */
  activationBytes: number;
  /** Full activation recompute (only each layer's input is kept) and flash attention (no s² scores). */
  recompute: boolean;
  /** Model FLOP utilisation used for the step-time estimate. */
  mfu: number;
  /** Fixed per-device overhead (runtime, allocator, communicator buffers), bytes. */
  overheadBytes: number;
  /** Fraction of device memory usable. */
  usableFraction: number;
}

export const DEFAULT_ASSUMPTIONS: PlanAssumptions = { seq: 131072, batch: 1, stateBytesPerParam: 16, activationBytes: 2, recompute: true, mfu: 0.4, overheadBytes: 0, usableFraction: 0.95 };

/** Weights of a dense decoder: per layer q/o (h × a·d_h each), k/v (h × kv·d_h each), gated MLP 3·h·f; embeddings. */
export function parameterCount(m: ModelShape): { perLayer: number; embeddings: number; total: number } {
  const qd = m.heads * m.headDim, kd = m.kvHeads * m.headDim;
  const perLayer = 2 * m.hidden * qd + 2 * m.hidden * kd + 3 * m.hidden * m.ffn;
  const embeddings = 2 * m.vocab * m.hidden; // untied input and output embeddings
  return { perLayer, embeddings, total: m.layers * perLayer + embeddings };
}

export interface LayoutPlan {
  layout: string;
  kind: LayoutKind;
  tp: number;
  sp: number;
  /** modelStates = weights + gradients + optimizer (the split of the k bytes per parameter: see layoutMemory). */
  memory: { modelStates: number; weights: number; gradients: number; optimizer: number; checkpoints: number; working: number; transient: number; overhead: number; total: number };
  /** Bytes each device sends per step (all layers, forward + backward). */
  commBytes: number;
  /** step = compute + comm (no overlap); overlapped = max(compute, comm) (e.g. TSP's ring hidden behind GEMMs). */
  time: { compute: number; comm: number; step: number; overlapped: number };
  tokensPerSecond: number;
  /** Why the layout cannot cut this model (an uneven head, FFN or sequence split), in the runtime's words; else null. */
  problem: string | null;
  /** It can cut the model, and its memory fits the usable part of a device. */
  feasible: boolean;
}

/**
 * Per-device memory by layout (bytes), for D devices, T-way weight sharding and S-way sequence sharding:
 *   model states kΨ/T (TP, TP×SP: T = tp; TSP: T = D; SP/Ulysses: T = 1, replicated), split as weights and
 *     gradients at the activation width e each (bf16: 2 + 2 bytes) and the optimizer the rest, k − 2e (fp32
 *     master weights + AdamW moments: 12 of the default 16); with k < 2e, weights and gradients k/2 each;
 *   checkpoints (recompute): L·(s/S)·b·h·bytes — the layer input, replicated over the tensor group;
 *   working set of the layer being recomputed (flash attention, Korthikanti without the s² term):
 *     (s/S)·b·h·(10 + 24/T) bytes;
 *   transients: TSP two attention + two MLP weight shards and the gathered K/V of one shard;
 *     SP/CP the gathered K/V of the layer; Ulysses the full-sequence QKV of a/D heads;
 *     TP the all-reduce buffer.
 */
export function layoutMemory(kind: LayoutKind, m: ModelShape, D: number, T: number, a: PlanAssumptions): LayoutPlan['memory'] {
  const S = kind === 'tsp' ? D : D / T;
  const shardW = kind === 'tsp' ? D : T;
  const { total: psi } = parameterCount(m);
  const kd = m.kvHeads * m.headDim, e = a.activationBytes;
  const tokens = (a.seq / S) * a.batch;
  const modelStates = (a.stateBytesPerParam * psi) / shardW;
  const perWeight = Math.min(e, a.stateBytesPerParam / 2);
  const weights = (perWeight * psi) / shardW, gradients = weights, optimizer = modelStates - weights - gradients;
  const tpForActs = kind === 'tsp' ? D : T;
  const perLayerFull = korthikantiActivationBytes(a.recompute ? 'tp-selective' : 'tp', { s: a.seq / S, b: a.batch, h: m.hidden, a: m.heads, t: tpForActs }) * (e / 2);
  const checkpoints = a.recompute ? m.layers * tokens * m.hidden * e : m.layers * perLayerFull;
  const working = a.recompute ? perLayerFull : 0;
  let transient = 0;
  const fullKV = 2 * a.seq * a.batch * kd * e;
  if (kind === 'tsp') transient = 2 * ((2 * m.hidden * m.hidden + 2 * m.hidden * kd) / D + (3 * m.hidden * m.ffn) / D) * e + fullKV / D;
  else if (kind === 'ulysses') transient = (3 * a.seq * a.batch * m.hidden * e) / D;
  else if (kind === 'sp') transient = fullKV;
  else if (kind === 'tpsp') transient = fullKV / T + tokens * m.hidden * e;
  else transient = tokens * m.hidden * e;
  const total = modelStates + checkpoints + working + transient + a.overheadBytes;
  return { modelStates, weights, gradients, optimizer, checkpoints, working, transient, overhead: a.overheadBytes, total };
}

/** Training FLOPs per step: 6·Ψ·tokens + causal attention 6·L·b·s²·h (fwd 2bs²h/2·2, ×3 for fwd+bwd). */
export function stepFlops(m: ModelShape, a: PlanAssumptions): number {
  const tokens = a.seq * a.batch;
  return 6 * parameterCount(m).total * tokens + 6 * m.layers * a.batch * a.seq * a.seq * m.hidden;
}

export function planLayouts(m: ModelShape, c: ClusterConfig, assumptions: Partial<PlanAssumptions> = {}): { plans: LayoutPlan[]; recommended: string | null; assumptions: PlanAssumptions } {
  const a = { ...DEFAULT_ASSUMPTIONS, ...assumptions };
  const D = c.devices;
  // The memory and traffic model is a dense decoder's with a·d_h = h (no MoE, no Mamba layers).
  if (m.family !== 'transformer') throw valueError('plan', 'model.family', 'a dense transformer ("transformer")', m.family);
  if (m.hidden % m.heads !== 0) throw valueError('plan', 'model.hidden', `a multiple of heads (${m.heads})`, m.hidden);
  if (m.headDim * m.heads !== m.hidden) throw valueError('plan', 'model.headDim', `hidden / heads = ${m.hidden / m.heads}`, m.headDim);
  const candidates: { label: string; kind: LayoutKind; T: number }[] = [
    { label: 'tp', kind: 'tp', T: D },
    { label: 'sp (all-gather K/V, zigzag)', kind: 'sp', T: 1 },
    { label: 'ulysses', kind: 'ulysses', T: 1 },
    ...Array.from({ length: D }, (_, i) => i + 1).filter((t) => D % t === 0 && t > 1 && t < D).map((t) => ({ label: `tpsp (T=${t} × S=${D / t})`, kind: 'tpsp' as const, T: t })),
    { label: 'tsp', kind: 'tsp', T: D },
  ];
  const block: BlockConfig = { batch: a.batch, seq: a.seq, hidden: m.hidden, heads: m.heads, kvHeads: m.kvHeads, ffn: m.ffn, dtype: 'f32' };
  const computeTime = stepFlops(m, a) / (D * c.peakFlops * a.mfu);
  const plans = candidates.map(({ label, kind, T }): LayoutPlan => {
    const memory = layoutMemory(kind, m, D, T, a);
    const perLayer = totalTraffic(layoutTraffic(kind, block, D, 0, { tp: T }));
    const commBytes = perLayer.sent * m.layers * a.activationBytes;
    const messages = kind === 'tsp' ? 6 * D : 8;
    const comm = commBytes / c.linkBytesPerSecond + m.layers * messages * c.alpha;
    const step = computeTime + comm;
    const problem = layoutShardingProblem(kind, block, D, T);
    return {
      layout: label, kind, tp: kind === 'tsp' ? D : T, sp: kind === 'tsp' ? D : D / T, memory, commBytes,
      time: { compute: computeTime, comm, step, overlapped: Math.max(computeTime, comm) }, tokensPerSecond: (a.seq * a.batch) / step,
      problem, feasible: problem === null && memory.total <= c.memoryBytes * a.usableFraction,
    };
  });
  const feasible = plans.filter((p) => p.feasible).sort((x, y) => x.time.step - y.time.step || x.memory.total - y.memory.total);
  return { plans, recommended: feasible[0]?.layout ?? null, assumptions: a };
}

/** The paper's reported peak memory per GPU, 8×MI300X, 7B-class, 128K tokens [blog/2nd]. */
export const REPORTED_PEAK_GB = { tsp: 38.8, tp: 70.0, tpspRange: [85.0, 140.0] as const, source: 'Zyphra TSP blog / ai-primer / zubnet (note §A.7)' };
