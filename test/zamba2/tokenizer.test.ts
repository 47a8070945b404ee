// The tokenizer path (@huggingface/tokenizers on a Llama-style tokenizer.json): <s> prepended, BPE merges
// applied, characters outside the vocabulary through byte fallback, decode inverts encode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tinyTokenizerJson, Zamba2Tokenizer } from '../../src/models/zamba2/index.js';

test('encode applies merges and byte fallback; decode inverts it', () => {
  const { tokenizer, config, vocabSize } = tinyTokenizerJson();
  const tok = new Zamba2Tokenizer(tokenizer, config);
  const vocab = (tokenizer.model as { vocab: Record<string, number> }).vocab;
  const ids = tok.encode('how are you');
  // BPE by merge rank: '▁ a' (rank 5) fires before 'a r' (rank 21), then 'r e' → ▁a|re, not ▁are.
  assert.deepEqual(ids, [1, vocab['▁how'], vocab['▁a'], vocab['re'], vocab['▁you']]);
  const accented = tok.encode('thé');
  // é is not in the vocabulary: its two UTF-8 bytes 0xC3 0xA9 become byte tokens
  assert.deepEqual(accented.slice(-2), [vocab['<0xC3>'], vocab['<0xA9>']]);
  for (const text of ['Hey how are you doing on this lovely evening?', 'thé, naïve — 東京']) assert.equal(tok.decode(tok.encode(text)), text);
  assert.equal(tok.encode('hi', false)[0] === 1, false, 'no <s> without special tokens');
  assert.ok(Math.max(...tok.encode('東京 zzz')) < vocabSize);
  assert.throws(() => new Zamba2Tokenizer(null), /tokenizer\.json expected a JSON object/);
});
