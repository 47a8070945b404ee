// Small file-system helpers with errors that name the path (used by checkpoints and reports).
import * as fs from 'node:fs';
import { TesseraError } from '../core/errors.js';
import { writeFileAtomic } from './atomicWrite.js';

const describe = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err && err.code ? `${err.code}: ${err.message}` : String(e);
};

/** Create `dir` and its parents if missing. */
export function ensureDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new TesseraError('value', 'ensureDirectory', `directory ${dir} could not be created: ${describe(e)}`);
  }
}

/** Entry names in `dir`, sorted; [] when `dir` does not exist. */
export function listDirectory(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TesseraError('value', 'listDirectory', `directory ${dir} could not be listed: ${describe(e)}`);
  }
}

/** Delete a file; a file that is already gone is not an error. */
export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new TesseraError('value', 'removeFile', `file ${file} could not be removed: ${describe(e)}`);
  }
}

/** The RunWriter of report/ on Node: directories created recursively, files written atomically. */
export function nodeRunWriter(): { mkdir(path: string): void; writeFile(path: string, data: Uint8Array | string): void } {
  return { mkdir: ensureDirectory, writeFile: (path, data) => writeFileAtomic(path, data) };
}
