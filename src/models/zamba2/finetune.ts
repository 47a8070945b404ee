// Fine-tune a Zamba2 model on a token stream: next-token cross-entropy over windows of S + 1 tokens at
// random (keyed) offsets, B windows per step (their mean loss; the model runs batch 1, so the B gradients
// accumulate), Adam, optional global-norm clipping. Modes:
//   'full': every parameter trains;
//   'lora': only the shared blocks' per-invocation LoRA adapters (names with "_adapter_list.") train; the
//           rest is held constant (no gradient is computed for it).
// The optimizer updates the model's own parameter arrays in place, so the model is fine-tuned afterwards.
import { TesseraError } from '../../core/errors.js';
import { foldIn, key as makeKey, uniformValues } from '../../core/random.js';
import { adam, clipGradNorm } from '../../optim/index.js';
import { Tensor, backward, crossEntropy, mul, noGrad, slice } from '../../tensor/index.js';
import { Zamba2Model } from './model.js';
import { assembleZamba2Weights } from './weights.js';
import { isHalfWeight } from '../../nn/storedWeight.js';

export type FinetuneMode = 'full' | 'lora';

export interface FinetuneOptions {
  readonly mode: FinetuneMode;
  readonly steps: number;
  /** tokens per window S (the model sees S, predicts the next S) */
  readonly sequence: number;
  /** windows per step B */
  readonly batch: number;
  readonly lr: number;
  readonly seed: number;
  /** global gradient-norm clip (0: none) */
  readonly clip?: number;
  readonly onStep?: (step: number, loss: number) => void;
}

export interface FinetuneResult {
  /** mean training loss of each step */
  readonly losses: number[];
  readonly trainable: readonly string[];
  readonly trainableParameters: number;
}

/** Names of the parameters a mode trains. */
export function trainableNames(model: Zamba2Model, mode: FinetuneMode): string[] {
  const half = [...model.weights.named].filter(([, w]) => isHalfWeight(w)).map(([n]) => n);
  if (half.length > 0) throw new TesseraError('value', 'zamba2.finetune', `fine-tuning expected float weights, got ${half.length} tensors held as 16-bit words (e.g. ${half[0]}); load the checkpoint with f32 weights`);
  const names = [...model.weights.named.keys()];
  if (mode === 'full') return names;
  const lora = names.filter((n) => n.includes('_adapter_list.'));
  if (lora.length === 0) throw new TesseraError('value', 'zamba2.finetune', 'mode "lora" expected a model with shared attention or MLP adapters (use_shared_attention_adapter / use_shared_mlp_adapter), got none');
  return lora;
}

/** Mean next-token loss of the model on `ids` (without a tape). */
export function languageModelLoss(model: Zamba2Model, ids: readonly number[]): number {
  return noGrad(() => windowLoss(model, ids).item());
}

function windowLoss(model: Zamba2Model, ids: readonly number[]): Tensor {
  const L = ids.length - 1;
  const logits = model.forward(new Tensor(Int32Array.from(ids), [ids.length]));
  return crossEntropy(slice(logits, [0, 0], [L, model.config.vocabSize]), new Tensor(Int32Array.from(ids.slice(1)), [L]));
}

export function finetuneZamba2(model: Zamba2Model, ids: readonly number[], o: FinetuneOptions): FinetuneResult {
  for (const k of ['steps', 'sequence', 'batch'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new TesseraError('range', 'zamba2.finetune', `${k} expected a positive integer, got ${o[k]}`);
  }
  if (!(o.lr > 0)) throw new TesseraError('range', 'zamba2.finetune', `lr expected a positive number, got ${o.lr}`);
  const span = ids.length - o.sequence - 1;
  if (span < 1) throw new TesseraError('value', 'zamba2.finetune', `the token stream expected more than ${o.sequence + 1} tokens (window ${o.sequence} + 1), got ${ids.length}`);
  const names = trainableNames(model, o.mode);
  const params = model.namedParameters();
  const trainable = Object.fromEntries(names.map((n) => [n, params[n]!]));
  // A view of the model whose frozen tensors are constants over the same storage.
  const view = new Zamba2Model(model.config, assembleZamba2Weights(model.config, (n) => trainable[n] ?? new Tensor(params[n]!.data, params[n]!.shape)));
  const optimizer = adam({ lr: o.lr });
  const root = makeKey(o.seed);
  const losses: number[] = [];
  for (let step = 1; step <= o.steps; step++) {
    for (const p of Object.values(trainable)) p.grad = null;
    const starts = uniformValues(foldIn(root, step), o.batch, 'f64').map((u) => Math.floor(u * span));
    let total = 0;
    for (const s of starts) {
      const loss = windowLoss(view, ids.slice(s, s + o.sequence + 1));
      total += loss.item();
      backward(mul(loss, 1 / o.batch));
    }
    const grads: Record<string, Tensor> = {};
    for (const [k, p] of Object.entries(trainable)) if (p.grad) grads[k] = p.grad;
    if (o.clip) clipGradNorm(grads, o.clip);
    optimizer.step(trainable, grads);
    losses.push(total / o.batch);
    o.onStep?.(step, total / o.batch);
  }
  return { losses, trainable: names, trainableParameters: names.reduce((n, k) => n + params[k]!.size, 0) };
}
