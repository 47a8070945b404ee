// The tokenizer from a checkpoint's tokenizer.json, through @huggingface/tokenizers (Hugging Face's pure-JS
// port of `tokenizers`: zero dependencies, no downloads, runs on Node 20 and in browsers; it reads the
// Llama/SentencePiece-BPE tokenizer.json with byte fallback that Zamba2 ships).
import { Tokenizer } from '@huggingface/tokenizers';
import { TesseraError } from '../../core/errors.js';

export class Zamba2Tokenizer {
  private readonly tokenizer: Tokenizer;
  constructor(tokenizerJson: unknown, tokenizerConfig: unknown = null) {
    if (typeof tokenizerJson !== 'object' || tokenizerJson === null) throw new TesseraError('value', 'Zamba2Tokenizer', 'tokenizer.json expected a JSON object, got none');
    try {
      this.tokenizer = new Tokenizer(tokenizerJson, (tokenizerConfig ?? {}) as object);
    } catch (e) {
      throw new TesseraError('format', 'Zamba2Tokenizer', `tokenizer.json could not be loaded: ${(e as Error).message}`);
    }
  }
  /** Token ids of `text`, with the special tokens the tokenizer's post-processor adds (<s> for Llama-style). */
  encode(text: string, addSpecialTokens = true): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids.map(Number);
  }
  decode(ids: readonly number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }
}
