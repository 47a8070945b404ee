// JSON files from disk (Node), with errors that name the file: a missing or unreadable file, a parse error.
// readHfConfig is the one way a config.json is read; its keys are then read through HfConfig's getters.
import { readFileChecked } from './atomicWrite.js';
import { HfConfig } from './hfConfig.js';
import { parseJsonBytes } from './jsonBytes.js';

/** The parsed contents of `file` (any JSON value); `op` is named in the error. */
export function readJsonFile(file: string, op: string): unknown {
  return parseJsonBytes(readFileChecked(file, op), file, op);
}

/** A Hugging Face config.json (or any JSON object of settings) from `file`. */
export function readHfConfig(file: string, op: string): HfConfig {
  return HfConfig.of(readJsonFile(file, op), file, op);
}
