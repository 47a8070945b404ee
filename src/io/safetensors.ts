// safetensors files on disk: the header is read and validated first, then only the requested tensors' byte
// ranges, each into its own buffer (sizes are checked against the file before anything is allocated), through
// the node-free readers of safetensorsBytes.ts over a positioned-read file (diskDirectory.ts's openDiskFile);
// writes are atomic. Decoding, encoding and the dtype mapping: safetensorsBytes.ts (re-exported here); layout
// and validation rules: safetensorsHeader.ts.
import { writeFileAtomic } from './atomicWrite.js';
import { openDiskFile } from './diskDirectory.js';
import type { SafetensorsHeader } from './safetensorsHeader.js';
import { readSafetensorsFrom, readSafetensorsHeaderFrom, serializeSafetensorsChunks, type ReadOptions, type SafetensorsFile, type WriteOptions } from './safetensorsBytes.js';
import type { Tensor } from '../tensor/tensor.js';

export { MAX_HEADER_BYTES, SAFETENSORS_ITEMSIZE } from './safetensorsHeader.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsHeader } from './safetensorsHeader.js';
export {
  parseSafetensors, parseSafetensorsHeader, readSafetensorsFrom, readSafetensorsHeaderFrom, serializeSafetensors, serializeSafetensorsChunks, concatChunks,
} from './safetensorsBytes.js';
export type { SafetensorsFile, ReadOptions, WriteOptions } from './safetensorsBytes.js';

/** The validated header of a safetensors file (names, dtypes, shapes, offsets, metadata), reading no tensor data. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const op = 'readSafetensorsHeader';
  const source = openDiskFile(file, op);
  try {
    return readSafetensorsHeaderFrom(source, file, op);
  } finally {
    source.close();
  }
}

/** Read a safetensors file: the header is validated first, then each requested tensor's bytes are read. */
export function readSafetensors(file: string, options: ReadOptions = {}): SafetensorsFile {
  const op = 'readSafetensors';
  const source = openDiskFile(file, op);
  try {
    return readSafetensorsFrom(source, file, options, op);
  } finally {
    source.close();
  }
}

/** Write a safetensors file atomically (temp file, fsync, rename). */
export function writeSafetensors(file: string, tensors: Record<string, Tensor>, options: WriteOptions = {}): void {
  writeFileAtomic(file, serializeSafetensorsChunks(tensors, options));
}
