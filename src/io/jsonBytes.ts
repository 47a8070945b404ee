// JSON from bytes (UTF-8), with the error naming the file: a parse error says which file did not parse.
// No node:* import (jsonFile.ts reads from disk; a DirectoryReader's files parse here too).
import { TesseraError } from '../core/errors.js';

/** The parsed contents of `bytes` (any JSON value); `file` and `op` are named in the error. */
export function parseJsonBytes(bytes: Uint8Array, file: string, op: string): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TesseraError('format', op, `${file}: expected JSON, got a parse error: ${(e as Error).message}`);
  }
}
