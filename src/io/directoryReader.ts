// A directory of files as a reader sees it — names, whole files and byte ranges — whether the files are on disk
// (diskDirectory.ts, Node) or already in memory (bytesDirectory here: a browser's chosen folder, a test's bytes).
// Readers of a model directory (models/zamba2's loader) take a DirectoryReader, so they run unchanged in a
// browser; the error texts about files (missing, not a regular file) are written once, here, for both.
// No node:* import.
import { TesseraError } from '../core/errors.js';

/** One file opened for reading byte ranges (a safetensors file is read header first, then tensor by tensor). */
export interface RandomAccessFile {
  /** bytes in the file */
  readonly size: number;
  /** exactly `length` bytes from `position` */
  read(position: number, length: number): Uint8Array;
  close(): void;
}

export interface DirectoryReader {
  /** the directory as named in error messages, e.g. "tiny" or "/models/Zamba2-1.2B" */
  readonly path: string;
  /** names of the entries directly in it, sorted */
  list(): string[];
  /** true when `name` is a regular file in it */
  isFile(name: string): boolean;
  /** the whole file; a missing file is an error naming it and `op` */
  readFile(name: string, op: string): Uint8Array;
  open(name: string, op: string): RandomAccessFile;
}

/** `name` inside `dir`, as files are named in messages ("dir/name"). */
export const joinPath = (dir: string, name: string): string => (dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`);

export const missingFileError = (file: string, op: string, hint?: string): TesseraError =>
  new TesseraError('value', op, `file ${file} expected to exist, got no such file${hint ? `; ${hint}` : ''}`);

export const notRegularFileError = (file: string, op: string, got: 'a directory' | 'a special file', hint?: string): TesseraError =>
  new TesseraError('value', op, `file ${file} expected a regular file, got ${got}${hint ? `; ${hint}` : ''}`);

/** A directory whose files are held in memory: file name → bytes. */
export function bytesDirectory(path: string, files: ReadonlyMap<string, Uint8Array>): DirectoryReader {
  const bytesOf = (name: string, op: string): Uint8Array => {
    const bytes = files.get(name);
    if (!bytes) throw missingFileError(joinPath(path, name), op);
    return bytes;
  };
  return {
    path,
    list: () => [...files.keys()].sort(),
    isFile: (name) => files.has(name),
    readFile: bytesOf,
    open(name, op) {
      const bytes = bytesOf(name, op);
      return {
        size: bytes.length,
        read: (position, length) => bytes.slice(position, position + length),
        close: () => {},
      };
    },
  };
}
