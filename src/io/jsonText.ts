// JSON text (a file's contents, a pasted config.json) parsed with an error that names where it came from:
//   "parallel plan: config.json: expected JSON, got a parse error: Unexpected end of JSON input"
// No node:* import, so a browser page that takes pasted text gives the same error as the CLI reading a file.
// The parse error's wording is the JavaScript engine's; newer V8s (Chromium) append " (line L column C)" to
// "at position N" and Node 20's does not, so that suffix is dropped and the line and column are computed here:
// the same text on both.
import { TesseraError } from '../core/errors.js';

/** "… at position N" → "… at position N (line L, column C)", from the text itself. */
function withLineAndColumn(message: string, text: string): string {
  const base = message.replace(/ \(line \d+ column \d+\)$/, '');
  const at = /at position (\d+)$/.exec(base);
  if (!at) return base;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length, column = before.length - before.lastIndexOf('\n');
  return `${base} (line ${line}, column ${column})`;
}

/** The parsed value of `text` (any JSON value); `where` (a file name or label) and `op` are named in the error. */
export function parseJsonText(text: string, where: string, op: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TesseraError('format', op, `${where}: expected JSON, got a parse error: ${withLineAndColumn((e as Error).message, text)}`);
  }
}
