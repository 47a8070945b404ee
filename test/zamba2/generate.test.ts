// Token choice and generation: greedy, top-k and top-p restrict the candidates exactly, sampling follows the
// softmax frequencies, generation equals step-by-step greedy over full recomputes and honours stop tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseToken, generate, parseZamba2Config, tinyZamba2ConfigJson, assembleZamba2Weights, randomZamba2Tensors, Zamba2Model } from '../../src/models/zamba2/index.js';

const logits = [0, 1, 2, 3, 2.5];
const draws = Array.from({ length: 2000 }, (_, i) => (i + 0.5) / 2000);

test('greedy takes the argmax; top-k and top-p keep exactly the expected candidates', () => {
  assert.equal(chooseToken(logits, {}, 0.7), 3);
  const seen = (o: object) => new Set(draws.map((u) => chooseToken(logits, { temperature: 1, ...o }, u)));
  assert.deepEqual([...seen({ topK: 1 })], [3]);
  assert.deepEqual([...seen({ topK: 2 })].sort(), [3, 4]);
  // probabilities at T=1: p(3) ≈ 0.455, p(4) ≈ 0.276, p(2) ≈ 0.167: top-p 0.5 keeps {3, 4}, 0.4 keeps {3}
  assert.deepEqual([...seen({ topP: 0.5 })].sort(), [3, 4]);
  assert.deepEqual([...seen({ topP: 0.4 })], [3]);
  assert.equal(seen({}).size, 5);
  assert.throws(() => chooseToken(logits, { topP: 0 }, 0.5), /top-p expected in \(0, 1\]/);
});

test('sampling frequencies follow softmax(logits / T)', () => {
  const T = 2;
  const counts = new Array(5).fill(0);
  for (const u of draws) counts[chooseToken(logits, { temperature: T }, u)]++;
  const z = logits.map((l) => Math.exp(l / T));
  const total = z.reduce((a, b) => a + b, 0);
  counts.forEach((c, i) => assert.ok(Math.abs(c / draws.length - z[i]! / total) < 2e-3, `token ${i}: ${c / draws.length} vs ${z[i]! / total}`));
});

test('greedy generation with the cache equals greedy over full recomputes; stop tokens end it', () => {
  const config = parseZamba2Config(tinyZamba2ConfigJson(50));
  const t = randomZamba2Tensors(config, 9);
  const model = new Zamba2Model(config, assembleZamba2Weights(config, (n) => t.get(n)!));
  const prompt = [1, 7, 8, 9];
  const streamed: number[] = [];
  const out = generate(model, prompt, { maxNewTokens: 8, stopTokens: [], onToken: (id) => streamed.push(id) });
  assert.equal(out.ids.length, 8);
  assert.deepEqual(streamed, out.ids);
  const ids = [...prompt];
  for (let i = 0; i < 8; i++) {
    const l = model.forwardLast(ids, model.newCache());
    ids.push(l.indexOf(Math.max(...l)));
  }
  assert.deepEqual(out.ids, ids.slice(prompt.length));
  const stopped = generate(model, prompt, { maxNewTokens: 8, stopTokens: [out.ids[2]!] });
  assert.equal(stopped.stoppedBy, 'stop-token');
  assert.deepEqual(stopped.ids, out.ids.slice(0, out.ids.indexOf(out.ids[2]!) + 1));
  const a = generate(model, prompt, { maxNewTokens: 6, temperature: 1, seed: 3, stopTokens: [] });
  assert.deepEqual(generate(model, prompt, { maxNewTokens: 6, temperature: 1, seed: 3, stopTokens: [] }), a, 'same seed, same tokens');
});
