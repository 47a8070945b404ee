// `tessera size check`: rules, every GEMM of a layer with its predicted efficiency, and the nearest
// efficient value of each tunable dimension with the predicted gain.
//
// A suggestion varies one hyper-parameter (hidden, ffn, expertFfn, vocab) over ±10% around its value,
// recomputes every GEMM that depends on it, and scores a candidate by the model-wide throughput of those
// GEMMs (Σ flops / Σ predicted seconds, weighted by how often each runs). It proposes the nearest
// candidate whose throughput is within 0.5% of the best in the window, and reports the gain over the
// current value; nothing is proposed when the gain is under 1%.
import { accelerator, type Accelerator } from '../core/accelerators.js';
import { combined, gemmEfficiency, type GemmEfficiency } from './gemm.js';
import { checkRules, type RuleResult } from './rules.js';
import type { ModelShape } from '../core/modelShape.js';
import { layerGemms, withValue, type LayerGemm, type Tunable, type Workload } from './shapes.js';

export interface GemmRow extends GemmEfficiency {
  gemm: LayerGemm;
}

export interface Suggestion {
  tunable: Tunable;
  current: number;
  suggested: number;
  /**
   * Score of the dependent GEMMs before and after (gain = after/before − 1): their throughput in TFLOP/s,
   * except for vocab, where it is 1/seconds of the LM head (padding rows add no capacity).
   */
  before: number;
  after: number;
  gain: number;
}

export interface SizeReport {
  model: ModelShape;
  hardware: Accelerator;
  workload: Workload & { tp: number };
  rules: RuleResult[];
  gemms: GemmRow[];
  /** Whole forward pass (each GEMM × its perModel count). */
  forward: { flops: number; seconds: number; tflops: number; efficiency: number };
  suggestions: Suggestion[];
}

function modelThroughput(rows: readonly GemmRow[]): { flops: number; seconds: number; tflops: number } {
  const flops = rows.reduce((s, r) => s + r.flops * r.gemm.perModel, 0);
  const seconds = rows.reduce((s, r) => s + r.seconds * r.gemm.perModel, 0);
  return { flops, seconds, tflops: flops / seconds / 1e12 };
}

export function predictGemms(s: ModelShape, hw: Accelerator, w: Workload): GemmRow[] {
  return layerGemms(s, w).map((g) => gemmEfficiency(g, hw) as GemmRow);
}

const STEP: Record<Tunable, number> = { hidden: 16, ffn: 8, expertFfn: 8, vocab: 8 };

function valueOf(s: ModelShape, t: Tunable): number | undefined {
  return t === 'hidden' ? s.hidden : t === 'ffn' ? (s.ffn > 0 ? s.ffn : undefined) : t === 'expertFfn' ? s.expertFfn : s.vocab;
}

export function suggestDimension(s: ModelShape, hw: Accelerator, w: Workload, t: Tunable): Suggestion | null {
  const current = valueOf(s, t);
  if (current === undefined) return null;
  // Vocab rows beyond the tokenizer's are padding, not capacity: score the head by its time (1/seconds)
  // and only pad upwards. Wider hidden/ffn layers are capacity: score by throughput (TFLOP/s).
  const padding = t === 'vocab';
  const score = (shape: ModelShape) => {
    const r = modelThroughput(predictGemms(shape, hw, w).filter((g) => g.gemm.uses.includes(t)));
    return padding ? 1 / r.seconds : r.tflops;
  };
  const before = score(s);
  const step = STEP[t];
  const candidates: { v: number; tflops: number }[] = [];
  const values = padding ? [current] : [];
  for (let v = Math.ceil(((padding ? current + 1 : current * 0.9)) / step) * step; v <= current * 1.1; v += step) values.push(v);
  for (const v of values) {
    const shape = withValue(s, t, v);
    if (shape) candidates.push({ v, tflops: score(shape) });
  }
  if (candidates.length === 0) return null;
  const best = Math.max(...candidates.map((c) => c.tflops));
  const pick = candidates.filter((c) => c.tflops >= best * 0.995).sort((a, b) => Math.abs(a.v - current) - Math.abs(b.v - current) || a.v - b.v)[0]!;
  const gain = pick.tflops / before - 1;
  if (gain < 0.01 || pick.v === current) return null;
  return { tunable: t, current, suggested: pick.v, before, after: pick.tflops, gain };
}

export function sizeCheck(s: ModelShape, hwName: string, o: Workload & { tp?: number }): SizeReport {
  const hw = accelerator(hwName);
  const w = { microbatch: o.microbatch, sequence: o.sequence };
  const gemms = predictGemms(s, hw, w);
  const total = modelThroughput(gemms);
  const suggestions = (['hidden', 'ffn', 'expertFfn', 'vocab'] as const).flatMap((t) => suggestDimension(s, hw, w, t) ?? []);
  return {
    model: s, hardware: hw, workload: { ...w, tp: o.tp ?? 1 },
    rules: checkRules(s, { ...w, tp: o.tp ?? 1, align: hw.alignElements.value }),
    gemms, forward: { ...total, efficiency: total.tflops / hw.bf16Tflops.value }, suggestions,
  };
}

export { combined };
