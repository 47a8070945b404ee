// Sharded layouts a checkpoint can be written in, and how each parameter is placed in them.
//
//   single   one Hugging Face-style model.safetensors (plain parameter names) + optimizer.safetensors
//   tp=D     Megatron tensor parallelism: column-parallel weights (q/k/v, gate/up, fc1, in_proj: PyTorch
//            [out, in] split along dim 0 = outputs, with their biases) and row-parallel weights (o/out,
//            down, fc2, out_proj: split along dim 1 = inputs; their biases replicated); everything else
//            (norms, embeddings, routers, scalars) replicated on every rank
//   tsp=D    folded tensor+sequence parallelism (parallelism.md A.1–A.3): the same weight shards as TP
//            (rank p holds Wq,Wk,Wv rows h/D, Wo input rows h/D, W_gate/W_up shards f/D, W_down shard f/D),
//            but no replication — TSP stores 1/D of the model state, so every tensor TP would replicate is
//            split flat into D contiguous chunks (the last ones shorter when D does not divide its size)
//   zero1=N  ZeRO-1 data parallelism: parameters whole (written once, model.safetensors), optimizer
//            state flattened — per (buffer, dtype), the buffers of all parameters in name order are
//            concatenated — and partitioned into N contiguous ranges, one per DP rank
// Optimizer buffers ('<param>/<buffer>') are placed like their parameter in tp and tsp.
import { TesseraError } from '../../core/errors.js';

export type Layout =
  | { kind: 'single' }
  | { kind: 'tp' | 'tsp' | 'zero1'; degree: number };

export type Role = 'column' | 'row' | 'replicated';

export function parseLayout(text: string): Layout {
  if (text === 'single') return { kind: 'single' };
  const m = /^(tp|tsp|zero1)=(\d+)$/.exec(text);
  const degree = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(degree) || degree < 1) {
    throw new TesseraError('option', 'parseLayout', `--to expected single, tp=D, tsp=D or zero1=N with a positive integer, got ${JSON.stringify(text)}`);
  }
  return { kind: m[1] as 'tp' | 'tsp' | 'zero1', degree };
}

export function formatLayout(l: Layout): string {
  return l.kind === 'single' ? 'single' : `${l.kind}=${l.degree}`;
}

// Name patterns (the last two dot-separated parts, e.g. "q_proj.weight"), Megatron / Hugging Face / tessera.
const COLUMN = /(^|\.)(q_proj|k_proj|v_proj|qkv|qkv_proj|query_key_value|wq|wk|wv|linear_q|linear_k|val_proj1|val_proj2|gate_proj|up_proj|gate_up_proj|w1|w3|fc1|linear_fc1|c_fc|in_proj|gate|up)\.(weight|bias)$/;
const ROW = /(^|\.)(o_proj|out_proj|dense|wo|w2|fc2|linear_fc2|c_proj|down_proj|down|out)\.weight$/;

/** The Megatron role of parameter `name` (2-D weights and 1-D biases), with `overrides` taking precedence. */
export function roleOf(name: string, shape: readonly number[], overrides: Record<string, Role> = {}): Role {
  const o = overrides[name];
  if (o) return o;
  if (COLUMN.test(name) && shape.length >= 1) return 'column';
  if (ROW.test(name) && shape.length === 2) return 'row';
  return 'replicated';
}
