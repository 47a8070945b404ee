// Generation with the hybrid cache: prefill the prompt once (chunked SSD), then one recurrent step per token.
// Token choice: greedy (temperature 0), or sampling from softmax(logits / temperature) restricted to the
// top-k tokens and then to the smallest set whose probability reaches top-p; the random draw of step s uses
// foldIn(key(seed), s), so the same seed gives the same text. Stops at a stop token or after maxNewTokens.
import { TesseraError } from '../../core/errors.js';
import * as random from '../../core/random.js';
import type { Zamba2Model } from './model.js';

export interface SamplingOptions {
  /** 0 = greedy (default) */
  readonly temperature?: number;
  /** keep the k most likely tokens (0 = all) */
  readonly topK?: number;
  /** keep the smallest set of tokens with total probability ≥ p (1 = all) */
  readonly topP?: number;
  readonly seed?: number;
}

export interface GenerateOptions extends SamplingOptions {
  readonly maxNewTokens: number;
  /** generation ends after emitting one of these (default: the config's eos) */
  readonly stopTokens?: readonly number[];
  /** called with each new token as soon as it is chosen (streaming) */
  readonly onToken?: (id: number) => void;
}

export interface GenerateResult {
  readonly ids: number[];
  readonly stoppedBy: 'stop-token' | 'max-new-tokens';
}

/** Choose the next token from `logits`; `u` is a uniform draw in [0, 1) (unused when greedy). */
export function chooseToken(logits: ArrayLike<number>, options: SamplingOptions, u: number): number {
  const temperature = options.temperature ?? 0;
  if (!(temperature >= 0)) throw new TesseraError('range', 'chooseToken', `temperature expected ≥ 0, got ${temperature}`);
  const topP = options.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) throw new TesseraError('range', 'chooseToken', `top-p expected in (0, 1], got ${topP}`);
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  if (temperature === 0) return best;
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const k = options.topK && options.topK > 0 ? Math.min(options.topK, order.length) : order.length;
  const kept = order.slice(0, k);
  const max = logits[kept[0]!]!;
  const weights = kept.map((i) => Math.exp((logits[i]! - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let cut = kept.length, mass = 0;
  for (let r = 0; r < kept.length; r++) {
    mass += weights[r]! / total;
    if (mass >= topP) {
      cut = r + 1;
      break;
    }
  }
  const nucleus = weights.slice(0, cut);
  const nucleusTotal = nucleus.reduce((a, b) => a + b, 0);
  let target = u * nucleusTotal;
  for (let r = 0; r < cut; r++) {
    target -= nucleus[r]!;
    if (target < 0) return kept[r]!;
  }
  return kept[cut - 1]!;
}

export function generate(model: Zamba2Model, promptIds: readonly number[], options: GenerateOptions): GenerateResult {
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 0) throw new TesseraError('range', 'generate', `maxNewTokens expected a non-negative integer, got ${options.maxNewTokens}`);
  const stop = new Set(options.stopTokens ?? [model.config.eosTokenId]);
  const base = random.key(options.seed ?? 0);
  const cache = model.newCache();
  const ids: number[] = [];
  if (options.maxNewTokens === 0) return { ids, stoppedBy: 'max-new-tokens' };
  let logits = model.forwardLast(promptIds, cache, 'chunked');
  for (let step = 0; ; step++) {
    const u = random.uniformValues(random.foldIn(base, step), 1, 'f64')[0]!;
    const id = chooseToken(logits, options, u);
    ids.push(id);
    options.onToken?.(id);
    if (stop.has(id)) return { ids, stoppedBy: 'stop-token' };
    if (ids.length >= options.maxNewTokens) return { ids, stoppedBy: 'max-new-tokens' };
    logits = model.forwardLast([id], cache, 'recurrent');
  }
}
