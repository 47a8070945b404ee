// The co-design sizing rules (Anthony et al., arXiv 2401.14489, as listed in parallelism.md B.2) checked
// against a model shape, a workload and a tensor-parallel degree.
import type { ModelShape } from '../core/modelShape.js';
import type { Workload } from './shapes.js';
import { powerOfTwoFactor } from './gemm.js';

export interface RuleResult {
  rule: string;
  ok: boolean;
  detail: string;
}

export interface RuleOptions extends Workload {
  /** Tensor-parallel degree t. */
  tp: number;
  /** Alignment in elements for "efficient multiple" (the accelerator's). */
  align: number;
}

export function checkRules(s: ModelShape, o: RuleOptions): RuleResult[] {
  const out: RuleResult[] = [];
  const add = (rule: string, ok: boolean, detail: string) => out.push({ rule, ok, detail });
  add('vocab divisible by 64', s.vocab % 64 === 0, `V = ${s.vocab} = ${s.vocab % 64 === 0 ? `64·${s.vocab / 64}` : `64·${Math.floor(s.vocab / 64)} + ${s.vocab % 64}; nearest multiples ${64 * Math.floor(s.vocab / 64)} / ${64 * Math.ceil(s.vocab / 64)}`}`);
  const tokens = o.microbatch * o.sequence;
  add('b·s divisible by a power of 2 (≥ 64)', powerOfTwoFactor(tokens) >= 64, `b·s = ${tokens} = ${powerOfTwoFactor(tokens)}·${tokens / powerOfTwoFactor(tokens)}`);
  add(`head dim a multiple of ${o.align}`, s.headDim % o.align === 0, `d_h = ${s.headDim} (largest power-of-two factor ${powerOfTwoFactor(s.headDim)})`);
  const allHeads = s.family === 'zaya1' ? 2 * s.heads : s.heads;
  const hPerT = s.hidden / o.tp;
  add('h/t integral and a multiple of 64', Number.isInteger(hPerT) && hPerT % 64 === 0, `h/t = ${s.hidden}/${o.tp} = ${hPerT}`);
  const headsPerRank = (o.microbatch * s.heads) / o.tp;
  add('(b·a)/t integral', Number.isInteger(headsPerRank) && s.heads % o.tp === 0 && s.kvHeads % Math.min(o.tp, s.kvHeads) === 0,
    `(b·a)/t = (${o.microbatch}·${s.heads})/${o.tp} = ${headsPerRank}; a/t = ${s.heads / o.tp}, kv heads ${s.kvHeads}${s.family === 'zaya1' ? ` (a = ${s.heads} query heads after CCA compression, ${allHeads} before)` : ''}`);
  add('t as small as possible', o.tp === 1, o.tp === 1 ? 't = 1' : `t = ${o.tp}: every extra TP rank adds activation all-reduces; prefer DP/ZeRO when the model fits`);
  if (s.ffn > 0) {
    const target = (8 * s.hidden) / 3;
    const rel = s.ffn / target - 1;
    add(`gated MLP width near 8h/3 at a multiple of ${o.align}`, Math.abs(rel) <= 0.1 && s.ffn % o.align === 0,
      `f = ${s.ffn} vs 8h/3 = ${target.toFixed(1)} (${(100 * rel).toFixed(1)}%); f mod ${o.align} = ${s.ffn % o.align}; nearest multiple of ${o.align} to 8h/3: ${o.align * Math.round(target / o.align)}`);
  }
  if (s.family === 'zaya1') {
    const f = s.expertFfn!, perExpert = (tokens * s.topK!) / s.experts!;
    add(`MoE expert width a multiple of ${o.align}`, f % o.align === 0, `expert f = ${f} (fc1 ${2 * f} wide); ${s.experts} experts, top-${s.topK}`);
    add('tokens per expert fill whole tiles (multiple of 256)', Number.isInteger(perExpert) && perExpert % 256 === 0,
      `b·s·k/E = ${tokens}·${s.topK}/${s.experts} = ${perExpert} rows per expert GEMM (balanced routing)`);
  }
  return out;
}
