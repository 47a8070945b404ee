// JSON from bytes (UTF-8), with the error naming the file: a parse error says which file did not parse.
// No node:* import (jsonFile.ts reads from disk; a DirectoryReader's files parse here too); the parse and its
// error text are jsonText.ts's, the same for a pasted text.
import { parseJsonText } from './jsonText.js';

/** The parsed contents of `bytes` (any JSON value); `file` and `op` are named in the error. */
export function parseJsonBytes(bytes: Uint8Array, file: string, op: string): unknown {
  return parseJsonText(new TextDecoder().decode(bytes), file, op);
}
