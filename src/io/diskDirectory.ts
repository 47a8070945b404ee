// Files on disk as a DirectoryReader (directoryReader.ts): the Node side of reading a model directory.
// openDiskFile reads byte ranges with positioned reads, so a multi-gigabyte safetensors file is read header
// first and then only the tensors asked for.
import * as fs from 'node:fs';
import { TesseraError } from '../core/errors.js';
import { readFileChecked, isFile } from './atomicWrite.js';
import { joinPath, missingFileError, notRegularFileError, type DirectoryReader, type RandomAccessFile } from './directoryReader.js';
import { listDirectory } from './files.js';
import { formatError } from './safetensorsHeader.js';

/** Open `file` for positioned reads; errors name the file and `op`. */
export function openDiskFile(file: string, op: string): RandomAccessFile {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code === 'ENOENT' ? missingFileError(file, op) : new TesseraError('value', op, `file ${file} could not be opened: ${String(e)}`);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw notRegularFileError(file, op, st.isDirectory() ? 'a directory' : 'a special file');
  }
  return {
    size: st.size,
    read(position, length) {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, out, done, length - done, position + done);
        if (n === 0) throw formatError(op, `${file}: expected ${length} bytes at offset ${position}, got ${done} (file shrank while reading?)`);
        done += n;
      }
      return out;
    },
    close: () => fs.closeSync(fd),
  };
}

/** The directory `path` on disk. */
export function diskDirectory(path: string): DirectoryReader {
  return {
    path,
    list: () => listDirectory(path),
    isFile: (name) => isFile(joinPath(path, name)),
    readFile: (name, op) => readFileChecked(joinPath(path, name), op),
    open: (name, op) => openDiskFile(joinPath(path, name), op),
  };
}
