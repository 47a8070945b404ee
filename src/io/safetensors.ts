// safetensors read from disk and written (layout and validation rules: safetensorsHeader.ts; reading from
// bytes or any RandomAccessFile, and the dtype mapping: safetensorsRead.ts).
//
// Writing maps f32→F32 (or F16/BF16 with `f32As`), f64→F64, i32→I32, u8→U8, u16→U16. Tensors are laid out
// by descending item size, then name, after a header padded with spaces to a multiple of 8 bytes, so every
// tensor's data is aligned to its item size within the file.
import type { DType, TypedArray } from '../core/dtype.js';
import { TesseraError } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomicWrite.js';
import { encodeHalf } from '../core/halfFloat.js';
import { openDiskFile } from './diskDirectory.js';
import { SAFETENSORS_ITEMSIZE, type SafetensorsDType, type SafetensorsHeader } from './safetensorsHeader.js';
import { readSafetensorsFrom, readSafetensorsHeaderFrom, type ReadOptions, type SafetensorsFile } from './safetensorsRead.js';

export { MAX_HEADER_BYTES, SAFETENSORS_ITEMSIZE } from './safetensorsHeader.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsHeader } from './safetensorsHeader.js';
export { parseSafetensors, readSafetensorsFrom, readSafetensorsHeaderFrom, type ReadOptions, type SafetensorsFile } from './safetensorsRead.js';

export interface WriteOptions {
  readonly metadata?: Record<string, string>;
  /** Storage of f32 tensors: F32 (default), F16 or BF16 (rounded to nearest even); per tensor if a function. */
  readonly f32As?: 'F32' | 'F16' | 'BF16' | ((name: string) => 'F32' | 'F16' | 'BF16');
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The validated header of a safetensors file (names, dtypes, shapes, offsets, metadata), reading no tensor data. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const source = openDiskFile(file, 'readSafetensorsHeader');
  try {
    return readSafetensorsHeaderFrom(source, file);
  } finally {
    source.close();
  }
}

/** Read a safetensors file: the header is validated first, then each requested tensor's bytes are read. */
export function readSafetensors(file: string, options: ReadOptions = {}): SafetensorsFile {
  const source = openDiskFile(file, 'readSafetensors');
  try {
    return readSafetensorsFrom(source, file, options);
  } finally {
    source.close();
  }
}

// ---------------------------------------------------------------------------------------------- encoding

const STORAGE: Record<DType, SafetensorsDType> = { f32: 'F32', f64: 'F64', i32: 'I32', u8: 'U8', u16: 'U16' };

/** The little-endian bytes of a typed array (a view on little-endian hosts). */
function littleEndianBytes(data: TypedArray): Uint8Array {
  if (HOST_LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * size, data[i]!, true);
    else if (data instanceof Float64Array) view.setFloat64(i * size, data[i]!, true);
    else if (data instanceof Int32Array) view.setInt32(i * size, data[i]!, true);
    else view.setUint16(i * size, data[i]!, true);
  }
  return out;
}

/** The file as chunks: [8-byte length, header, tensor data…] (tensor data are views, not copies). */
export function serializeSafetensorsChunks(tensors: Record<string, Tensor>, options: WriteOptions = {}): Uint8Array[] {
  const op = 'serializeSafetensors';
  const planned = Object.entries(tensors).map(([name, t]) => {
    if (name === '__metadata__') throw new TesseraError('value', op, `tensor name expected anything but the reserved "__metadata__", got it`);
    if (!(t instanceof Tensor)) throw new TesseraError('value', op, `tensors[${JSON.stringify(name)}] expected a Tensor, got ${typeof t}`);
    const f32As = typeof options.f32As === 'function' ? options.f32As(name) : options.f32As ?? 'F32';
    if (t.dtype === 'f32' && f32As !== 'F32' && f32As !== 'F16' && f32As !== 'BF16') {
      throw new TesseraError('option', op, `f32As for ${JSON.stringify(name)} expected 'F32', 'F16' or 'BF16', got ${String(f32As)}`);
    }
    const dtype: SafetensorsDType = t.dtype === 'f32' ? f32As : STORAGE[t.dtype];
    return { name, t, dtype, bytes: SAFETENSORS_ITEMSIZE[dtype] * t.size };
  });
  // Largest item size first, then by name: every offset is a multiple of its tensor's item size.
  planned.sort((a, b) => SAFETENSORS_ITEMSIZE[b.dtype] - SAFETENSORS_ITEMSIZE[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts: string[] = [];
  const metadata = options.metadata ?? {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TesseraError('value', op, `metadata[${JSON.stringify(k)}] expected a string, got ${typeof v}`);
    }
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const p of planned) {
    parts.push(`${JSON.stringify(p.name)}:{"dtype":"${p.dtype}","shape":[${p.t.shape.join(',')}],"data_offsets":[${offset},${offset + p.bytes}]}`);
    offset += p.bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const header = new Uint8Array(headerLength).fill(0x20); // pad with spaces so the data section is 8-aligned
  header.set(json);
  const lengthBytes = new Uint8Array(8);
  new DataView(lengthBytes.buffer).setUint32(0, headerLength, true); // high word 0: header ≤ 4 GB
  const data = planned.map((p) => (p.dtype === 'F16' || p.dtype === 'BF16' ? encodeHalf(p.t.data, p.dtype) : littleEndianBytes(p.t.data)));
  return [lengthBytes, header, ...data];
}

/** The whole file as one byte array. */
export function serializeSafetensors(tensors: Record<string, Tensor>, options: WriteOptions = {}): Uint8Array {
  return concatChunks(serializeSafetensorsChunks(tensors, options));
}

/** Chunks (e.g. serializeSafetensorsChunks') back to back in one byte array. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Write a safetensors file atomically (temp file, fsync, rename). */
export function writeSafetensors(file: string, tensors: Record<string, Tensor>, options: WriteOptions = {}): void {
  writeFileAtomic(file, serializeSafetensorsChunks(tensors, options));
}
