// Communication volume per rank and per layer (forward and backward) for every layout, exactly as
// the schedules in ../layouts move it: the sum of the collective closed forms. Elements, or bytes
// via `bytesPerElement`. The research note's forward-only closed forms (§A.5) are here too.
import { valueError } from '../../core/errors.js';
import { blockParameterCount, headDim, type BlockConfig } from '../block.js';
import type { CommunicatorOptions } from '../communicator.js';
import { addTraffic, allGatherTraffic, allReduceTraffic, allToAllTraffic, broadcastTraffic, NONE, reduceScatterTraffic, reduceTraffic, type Traffic } from './collectiveTraffic.js';

export type LayoutKind = 'tp' | 'sp' | 'ulysses' | 'tpsp' | 'tsp';
export type LayerTraffic = Record<string, Traffic>;

/** Shape numbers of a block (elements). */
function dims(cfg: BlockConfig) {
  const d = headDim(cfg);
  return { b: cfg.batch, s: cfg.seq, h: cfg.hidden, a: cfg.heads, k: cfg.kvHeads, d, f: cfg.ffn, kd: cfg.kvHeads * d };
}

/** Elements moved per layer by `rank` of `ranks` (tp = T of the tpsp mesh). Layers: attention.forward, attention.backward, mlp.forward, mlp.backward, grad-sync. */
export function layoutTraffic(layout: LayoutKind, cfg: BlockConfig, ranks: number, rank: number, options: { tp?: number; headBuckets?: number; comm?: CommunicatorOptions } = {}): LayerTraffic {
  const { b, s, h, k, d, f, kd } = dims(cfg);
  const D = ranks;
  const ar = options.comm?.allReduce ?? 'ring', bc = options.comm?.broadcast ?? 'tree', rd = options.comm?.reduce ?? 'tree';
  const out: LayerTraffic = {};
  const put = (layer: string, t: Traffic): void => {
    if (t.sent === 0 && t.recv === 0) return;
    out[layer] = addTraffic(out[layer] ?? NONE, t);
  };
  if (layout === 'tp' || layout === 'sp' || layout === 'tpsp') {
    const T = layout === 'tp' ? D : layout === 'sp' ? 1 : options.tp ?? (D >= 4 ? 2 : D);
    if (D % T !== 0) throw valueError('layoutTraffic', 'tp', `a divisor of ${D}`, T);
    const S = D / T, tr = rank % T, sr = Math.floor(rank / T);
    const nTp = b * (s / S) * h; // an activation slab of the tensor group
    const kvBlock = b * (s / S) * 2 * (k / T) * d;
    const tpAR = allReduceTraffic(nTp, T, tr, ar);
    put('attention.forward', S > 1 ? allGatherTraffic(kvBlock, S) : NONE);
    put('attention.forward', tpAR);
    put('mlp.forward', tpAR);
    put('mlp.backward', tpAR);
    put('attention.backward', S > 1 ? reduceScatterTraffic(kvBlock, S) : NONE);
    put('attention.backward', tpAR);
    put('grad-sync', S > 1 ? allReduceTraffic(blockParameterCount(cfg) / T, S, sr, ar) : NONE);
    return out;
  }
  if (layout === 'ulysses') {
    const n = s / D, width = (h + 2 * kd) / D, qw = h / D;
    const qkv = allToAllTraffic(b * n * D * width, D), o = allToAllTraffic(b * n * D * qw, D);
    put('attention.forward', addTraffic(qkv, o));
    put('attention.backward', addTraffic(o, qkv));
    put('grad-sync', allReduceTraffic(blockParameterCount(cfg), D, rank, ar));
    return out;
  }
  // tsp
  const wAttn = (2 * h * h + 2 * h * kd) / D, wMlp = (3 * h * f) / D;
  const buckets = options.headBuckets ?? 1; // the same bytes in `buckets` all-gathers
  const kvBlock = (b * (s / D) * 2 * (k / D) * d) / buckets;
  for (let j = 0; j < D; j++) {
    const bcast = broadcastTraffic(wAttn, D, rank, j, bc);
    const ag = D > 1 ? addTraffic(NONE, allGatherTraffic(kvBlock, D), buckets) : NONE;
    put('attention.forward', addTraffic(bcast, ag));
    put('attention.backward', addTraffic(addTraffic(bcast, ag), D > 1 ? reduceScatterTraffic(kvBlock, D) : NONE, buckets));
    put('attention.backward', reduceTraffic(wAttn, D, rank, j, rd));
  }
  put('mlp.forward', { sent: (D - 1) * wMlp, recv: (D - 1) * wMlp });
  put('mlp.backward', { sent: (D - 1) * 2 * wMlp, recv: (D - 1) * 2 * wMlp });
  return out;
}

/** Sum of a rank's per-layer traffic. */
export function totalTraffic(t: LayerTraffic): Traffic {
  return Object.values(t).reduce((acc, x) => addTraffic(acc, x), NONE);
}

export function bytesPerElement(dtype: 'f32' | 'f64' | 'bf16'): number {
  return dtype === 'f64' ? 8 : dtype === 'f32' ? 4 : 2;
}

/**
 * The note's §A.5 forward volume per layer per rank (received elements) [recon]:
 * TP 4bsh(t−1)/t; TP+SP (Megatron SP) the same; ring/CP 2bs·kd(p−1)/p; Ulysses 4bsh(P−1)/P² for MHA
 * (QKV + output, generally (2h + 2kd)·bs(P−1)/P²); TSP [2bs·kd + (2h² + 2h·kd) + 3hf](D−1)/D.
 */
export function noteForwardVolume(layout: 'tp' | 'cp' | 'ulysses' | 'tsp', c: { b: number; s: number; h: number; kvDim: number; f: number; D: number }): number {
  const { b, s, h, kvDim, f, D } = c;
  switch (layout) {
    case 'tp': return (4 * b * s * h * (D - 1)) / D;
    case 'cp': return (2 * b * s * kvDim * (D - 1)) / D;
    case 'ulysses': return ((2 * h + 2 * kvDim) * b * s * (D - 1)) / (D * D);
    case 'tsp': return ((2 * b * s * kvDim + (2 * h * h + 2 * h * kvDim) + 3 * h * f) * (D - 1)) / D;
  }
}

/** The b·s above which TSP's forward volume (MHA) is below TP's: 2bsh + 4h² + 3hf ≤ 4bsh ⇔ b·s ≥ 2h + 1.5f. */
export function tspCrossoverTokens(h: number, f: number): number {
  return 2 * h + 1.5 * f;
}
