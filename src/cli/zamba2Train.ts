// `tessera zamba2 train`: tokenize the text file with the checkpoint's tokenizer, measure the loss on fixed
// evaluation windows, fine-tune (models/zamba2/finetune.ts), measure again, write the model directory,
// reload it and check that it reproduces the fine-tuned logits (the written file is what was trained).
import { InvalidArgumentError } from 'commander';
import { readFileChecked } from '../io/index.js';
import type { Zamba2Checkpoint } from '../models/zamba2/index.js';
import {
  finetuneZamba2, languageModelLoss, loadZamba2Checkpoint, saveZamba2Checkpoint, Zamba2Model, Zamba2Tokenizer, type FinetuneMode,
} from '../models/zamba2/index.js';

export interface FinetuneCliOptions {
  model: string;
  data: string;
  out: string;
  mode: FinetuneMode;
  steps: number;
  seqLen: number;
  batch: number;
  lr: number;
  clip: number;
  seed: number;
}

/** Up to `count` windows of S + 1 tokens spread evenly over the stream (the same before and after). */
function evaluationWindows(ids: readonly number[], S: number, count: number): number[][] {
  const span = ids.length - S - 1;
  return Array.from({ length: Math.min(count, span + 1) }, (_, i) => Math.floor((i * span) / Math.max(1, count - 1))).map((s) => ids.slice(s, s + S + 1));
}

export function runZamba2Finetune(ck: Zamba2Checkpoint, o: FinetuneCliOptions, log: (line: string) => void) {
  if (!ck.tokenizerJson) throw new InvalidArgumentError(`--model ${o.model} expected a tokenizer.json, got none`);
  const text = new TextDecoder().decode(readFileChecked(o.data, 'zamba2 train', '--data expects a UTF-8 text file'));
  const ids = new Zamba2Tokenizer(ck.tokenizerJson, ck.tokenizerConfig).encode(text);
  if (ids.length < o.seqLen + 2) throw new InvalidArgumentError(`--data ${o.data} expected more than ${o.seqLen + 1} tokens for --seq-len ${o.seqLen}, got ${ids.length}`);
  const model = new Zamba2Model(ck.config, ck.weights);
  const windows = evaluationWindows(ids, o.seqLen, 4);
  const evalLoss = () => windows.reduce((s, w) => s + languageModelLoss(model, w), 0) / windows.length;
  const lossBefore = evalLoss();
  log(`zamba2 train: ${ids.length} tokens, ${o.mode}, evaluation loss ${lossBefore.toFixed(4)} on ${windows.length} windows of ${o.seqLen}`);
  const started = performance.now();
  const run = finetuneZamba2(model, ids, {
    mode: o.mode, steps: o.steps, sequence: o.seqLen, batch: o.batch, lr: o.lr, seed: o.seed, clip: o.clip,
    onStep: (step, loss) => log(`step ${step}/${o.steps}  loss ${loss.toFixed(4)}  ${((performance.now() - started) / 1000).toFixed(1)} s`),
  });
  const lossAfter = evalLoss();
  const files = saveZamba2Checkpoint(o.out, model, o.model);
  const reloaded = new Zamba2Model(ck.config, loadZamba2Checkpoint(o.out).weights);
  const probe = windows[0]!;
  const want = model.forwardLast(probe, model.newCache()), got = reloaded.forwardLast(probe, reloaded.newCache());
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(want[i]! - got[i]!));
  log(`zamba2 train: evaluation loss ${lossAfter.toFixed(4)}; wrote ${o.out}; reloaded logits differ by at most ${maxDiff}`);
  return {
    mode: o.mode, steps: o.steps, tokens: ids.length, trainable_parameters: run.trainableParameters, loss_before: lossBefore, loss_after: lossAfter,
    losses: run.losses, out: o.out, files, reload_max_abs_diff: maxDiff,
  };
}
