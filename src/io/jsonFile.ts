// JSON files from disk (Node), with errors that name the file: a missing or unreadable file, a parse error.
// readHfConfig is the one way a config.json is read; its keys are then read through HfConfig's getters.
import { TesseraError } from '../core/errors.js';
import { readFileChecked } from './atomicWrite.js';
import { HfConfig } from './hfConfig.js';

/** The parsed contents of `file` (any JSON value); `op` is named in the error. */
export function readJsonFile(file: string, op: string): unknown {
  const text = new TextDecoder().decode(readFileChecked(file, op));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TesseraError('format', op, `${file}: expected JSON, got a parse error: ${(e as Error).message}`);
  }
}

/** A Hugging Face config.json (or any JSON object of settings) from `file`. */
export function readHfConfig(file: string, op: string): HfConfig {
  return HfConfig.of(readJsonFile(file, op), file, op);
}
