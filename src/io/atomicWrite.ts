// Whole-file writes that are never seen half-done, and reads whose errors name the file.
//
// writeFileAtomic: write to a temp file in the same directory (same filesystem, so rename is atomic),
// fsync it, rename it over the target, then fsync the directory so the rename itself is durable.
// A crash at any moment leaves either the old file or the new one, never a truncated one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TesseraError } from '../core/errors.js';
import { missingFileError, notRegularFileError } from './directoryReader.js';

/** File contents: bytes, a UTF-8 string, or a list of byte chunks written back to back. */
export type FileData = Uint8Array | string | readonly Uint8Array[];

let tempCounter = 0;

/** A temp name beside `target` that no other writer (process or call) uses: pid + counter + time. */
function tempPathFor(target: string): string {
  tempCounter = (tempCounter + 1) % 1e9;
  const base = path.basename(target);
  return path.join(path.dirname(target), `.${base}.${process.pid}.${tempCounter}.${Date.now().toString(36)}.tmp`);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
}

/** fsync a directory so a rename inside it survives a crash; a no-op where the OS does not allow it. */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows and some filesystems cannot open or fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err && err.code ? `${err.code}: ${err.message}` : String(e);
}

/**
 * Atomically replace (or create) `file` with `data`. The new file keeps the old file's permission
 * bits when it replaces one (0o644 otherwise). Throws a TesseraError naming the file on failure, and
 * leaves no temp file behind.
 */
export function writeFileAtomic(file: string, data: FileData): void {
  const op = 'writeFileAtomic';
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const chunks = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  let mode = 0o644;
  try {
    const st = fs.statSync(target);
    if (st.isDirectory()) throw new TesseraError('value', op, `path ${file} expected a file path, got a directory`);
    mode = st.mode & 0o777;
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    // No existing file: create with the default mode.
  }
  const temp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx', mode); // 'wx': fail rather than reuse an existing path
    for (const chunk of chunks) writeAll(fd, chunk);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (e) {
    if (fd !== undefined) {
      try { fs.closeSync(fd); } catch { /* already failing */ }
    }
    try { fs.unlinkSync(temp); } catch { /* never created, or already renamed */ }
    throw new TesseraError('value', op, `could not write ${file} (via temp file ${path.basename(temp)} in ${dir}): ${describe(e)}`);
  }
  fsyncDirectory(dir);
}

/**
 * The bytes of `file`, or a TesseraError from `op` that names the file and says what is wrong
 * (missing, a directory, not readable). `hint` is appended to the message, e.g. how to get the file.
 */
export function readFileChecked(file: string, op: string, hint?: string): Uint8Array {
  const tail = hint ? `; ${hint}` : '';
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw missingFileError(file, op, hint);
    throw new TesseraError('value', op, `file ${file} could not be read: ${describe(e)}${tail}`);
  }
  if (!st.isFile()) throw notRegularFileError(file, op, st.isDirectory() ? 'a directory' : 'a special file', hint);
  try {
    const buf = fs.readFileSync(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new TesseraError('value', op, `file ${file} could not be read: ${describe(e)}${tail}`);
  }
}

/** True when `file` exists and is a regular file. */
export function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
