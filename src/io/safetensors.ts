// safetensors files on disk: the header is read and validated first, then only the requested tensors' byte
// ranges, each into its own buffer (sizes are checked against the file before anything is allocated); writes
// are atomic. Decoding, encoding and the dtype mapping are in memory, in safetensorsBytes.ts (re-exported here);
// layout and validation rules: safetensorsHeader.ts.
import * as fs from 'node:fs';
import { TesseraError } from '../core/errors.js';
import { writeFileAtomic } from './atomicWrite.js';
import { formatError, parseHeader, readHeaderLength, defineEntry, type SafetensorsHeader } from './safetensorsHeader.js';
import { decodeEntry, serializeSafetensorsChunks, type ReadOptions, type SafetensorsFile, type WriteOptions } from './safetensorsBytes.js';
import type { Tensor } from '../tensor/tensor.js';

export { MAX_HEADER_BYTES, SAFETENSORS_ITEMSIZE } from './safetensorsHeader.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsHeader } from './safetensorsHeader.js';
export { parseSafetensors, parseSafetensorsHeader, serializeSafetensors, serializeSafetensorsChunks, concatChunks } from './safetensorsBytes.js';
export type { SafetensorsFile, ReadOptions, WriteOptions } from './safetensorsBytes.js';

/** Read exactly `length` bytes at `position` of an open file into a fresh buffer. */
function readExactly(fd: number, length: number, position: number, file: string, op: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw formatError(op, `${file}: expected ${length} bytes at offset ${position}, got ${done} (file shrank while reading?)`);
    done += n;
  }
  return out;
}

function openChecked(file: string, op: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TesseraError('value', op, code === 'ENOENT' ? `file ${file} expected to exist, got no such file` : `file ${file} could not be opened: ${String(e)}`);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new TesseraError('value', op, `file ${file} expected a regular file, got ${st.isDirectory() ? 'a directory' : 'a special file'}`);
  }
  return { fd, size: st.size };
}

function withHeader<T>(file: string, op: string, body: (fd: number, header: SafetensorsHeader) => T): T {
  const { fd, size } = openChecked(file, op);
  try {
    const first8 = readExactly(fd, Math.min(8, size), 0, file, op);
    const headerLength = readHeaderLength(first8, size, file, op);
    const header = parseHeader(readExactly(fd, headerLength, 8, file, op), size - 8 - headerLength, file, op);
    return body(fd, header);
  } finally {
    fs.closeSync(fd);
  }
}

/** The validated header of a safetensors file (names, dtypes, shapes, offsets, metadata), reading no tensor data. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  return withHeader(file, 'readSafetensorsHeader', (_fd, header) => header);
}

/** Read a safetensors file: the header is validated first, then each requested tensor's bytes are read. */
export function readSafetensors(file: string, options: ReadOptions = {}): SafetensorsFile {
  const op = 'readSafetensors';
  return withHeader(file, op, (fd, header) => {
    const tensors: Record<string, Tensor> = {};
    for (const entry of header.entries) {
      if (options.only && !options.only(entry.name)) continue;
      const raw = readExactly(fd, entry.end - entry.begin, header.dataStart + entry.begin, file, op);
      defineEntry(tensors, entry.name, decodeEntry(raw, entry, file, op, options, true));
    }
    return { tensors, metadata: header.metadata };
  });
}

/** Write a safetensors file atomically (temp file, fsync, rename). */
export function writeSafetensors(file: string, tensors: Record<string, Tensor>, options: WriteOptions = {}): void {
  writeFileAtomic(file, serializeSafetensorsChunks(tensors, options));
}
