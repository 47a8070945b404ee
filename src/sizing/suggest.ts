// `tessera size suggest --params N --hw X`: whole dense-decoder configs near a parameter budget whose
// dimensions follow the sizing rules, ranked by the predicted forward throughput of their GEMMs.
//
// Candidates: head dim 128, h a multiple of 256 (so a = h/128 is even and h/t splits evenly),
// SwiGLU f = the multiple of 64 nearest 8h/3 (then nudged by suggestDimension), vocab rounded up to a
// multiple of 64, depth L chosen so that 12·L·h² + V·h (the usual count: attention 4h², gated MLP 3hf ≈ 8h²)
// lands nearest the budget, keeping the aspect ratio h/L between 32 and 256 (common practice).
import { accelerator } from '../core/accelerators.js';
import { predictGemms, suggestDimension } from './check.js';
import type { ModelShape } from '../core/modelShape.js';
import type { Workload } from './shapes.js';
import { rangeError } from '../core/errors.js';

export interface ConfigProposal {
  shape: ModelShape;
  params: number;
  tflops: number;
  efficiency: number;
}

export function denseParams(s: Pick<ModelShape, 'hidden' | 'layers' | 'vocab' | 'heads' | 'kvHeads' | 'headDim' | 'ffn'>): number {
  const attn = s.hidden * s.heads * s.headDim * 2 + 2 * s.hidden * s.kvHeads * s.headDim;
  const mlp = 3 * s.hidden * s.ffn;
  return s.layers * (attn + mlp + 2 * s.hidden) + s.vocab * s.hidden + s.hidden;
}

export function suggestConfigs(params: number, hwName: string, o: Workload & { vocab?: number; top?: number }): ConfigProposal[] {
  if (!(params >= 1e6 && params <= 1e13)) throw rangeError('suggestConfigs', '--params', 'a parameter count in [1e6, 1e13]', params);
  const hw = accelerator(hwName);
  const vocab = Math.ceil((o.vocab ?? 50_257) / 64) * 64;
  const out: ConfigProposal[] = [];
  for (let h = 256; h <= 32_768; h += 256) {
    const ffn = 64 * Math.round((8 * h) / 3 / 64);
    const perLayer = denseParams({ hidden: h, layers: 1, vocab: 0, heads: h / 128, kvHeads: h / 128, headDim: 128, ffn }) - h;
    const L = Math.round((params - vocab * h) / perLayer);
    if (L < 2 || h / L < 32 || h / L > 256) continue;
    let shape: ModelShape = { name: `dense h${h} L${L}`, family: 'transformer', hidden: h, layers: L, vocab, heads: h / 128, kvHeads: h / 128, headDim: 128, ffn, source: 'suggestConfigs' };
    const better = suggestDimension(shape, hw, o, 'ffn');
    if (better) shape = { ...shape, ffn: better.suggested };
    const rows = predictGemms(shape, hw, o);
    const flops = rows.reduce((s, r) => s + r.flops * r.gemm.perModel, 0);
    const seconds = rows.reduce((s, r) => s + r.seconds * r.gemm.perModel, 0);
    const tflops = flops / seconds / 1e12;
    out.push({ shape, params: denseParams(shape), tflops, efficiency: tflops / hw.bf16Tflops.value });
  }
  out.sort((a, b) => Math.abs(a.params / params - 1) - Math.abs(b.params / params - 1));
  const near = out.filter((p) => Math.abs(p.params / params - 1) <= 0.1);
  return (near.length > 0 ? near : out.slice(0, 5)).sort((a, b) => b.tflops - a.tflops).slice(0, o.top ?? 5);
}
