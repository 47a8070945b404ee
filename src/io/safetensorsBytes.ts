// safetensors without node:*: parse a whole file's bytes, read from any RandomAccessFile (io/directoryReader.ts:
// a file on disk, a File a browser read) header first and then only the requested tensors' byte ranges, and
// serialize tensors to bytes. So the browser reads safetensors files (a condensed model, a Zamba2 checkpoint)
// with the same code as Node; the disk side is safetensors.ts. Layout and validation rules: safetensorsHeader.ts.
//
// Reading maps file dtypes to tessera dtypes:
//   F32→f32  F64→f64  I32→i32  U8→u8  U16→u16  F16, BF16→f32 (exact)  I8, I16→i32 (exact)  BOOL→u8 (0/1)
//   I64→i32 by default, with an error naming the tensor and element if a value does not fit in 32 bits
//     (indices and token ids fit); `{ i64: 'f64' }` reads I64 as f64 instead, exact up to 2^53, error beyond.
// Writing maps f32→F32 (or F16/BF16 with `f32As`), f64→F64, i32→I32, u8→U8, u16→U16. Tensors are laid out
// by descending item size, then name, after a header padded with spaces to a multiple of 8 bytes, so every
// tensor's data is aligned to its item size within the file.
import type { DType, TypedArray } from '../core/dtype.js';
import { TesseraError } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeBf16, decodeF16, encodeHalf } from '../core/halfFloat.js';
import type { RandomAccessFile } from './directoryReader.js';
import {
  defineEntry, formatError, parseHeader, readHeaderLength, SAFETENSORS_ITEMSIZE,
  type SafetensorsDType, type SafetensorsEntry, type SafetensorsHeader,
} from './safetensorsHeader.js';

export interface SafetensorsFile {
  readonly tensors: Record<string, Tensor>;
  readonly metadata: Record<string, string>;
}

export interface ReadOptions {
  /** How to read I64 tensors: as i32 (default) or f64; values that do not fit exactly are an error. */
  readonly i64?: 'i32' | 'f64';
  /** Load only the tensors whose name passes (all by default); the whole header is still validated. */
  readonly only?: (name: string) => boolean;
  /**
   * F16 / BF16 tensors: widened to f32 (default), or kept as their 16-bit words in a u16 tensor when this
   * returns true for the tensor's name (a model served at 2 bytes per weight).
   */
  readonly keepHalfWords?: (name: string) => boolean;
}

export interface WriteOptions {
  readonly metadata?: Record<string, string>;
  /** Storage of f32 tensors: F32 (default), F16 or BF16 (rounded to nearest even); per tensor if a function. */
  readonly f32As?: 'F32' | 'F16' | 'BF16' | ((name: string) => 'F32' | 'F16' | 'BF16');
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------- decoding

type Ctor = { new (buffer: ArrayBuffer): TypedArray; BYTES_PER_ELEMENT: number };
const DIRECT: Partial<Record<SafetensorsDType, [Ctor, (v: DataView, at: number) => number]>> = {
  F32: [Float32Array, (v, at) => v.getFloat32(at, true)],
  F64: [Float64Array, (v, at) => v.getFloat64(at, true)],
  I32: [Int32Array, (v, at) => v.getInt32(at, true)],
  U16: [Uint16Array, (v, at) => v.getUint16(at, true)],
};

/** A typed array of `raw`'s little-endian elements; a view when `raw` is an aligned buffer of its own. */
function littleEndianArray(raw: Uint8Array, ctor: Ctor, get: (v: DataView, at: number) => number, owned: boolean): TypedArray {
  if (HOST_LITTLE_ENDIAN) {
    const own = owned && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
    return new ctor(own ? (raw.buffer as ArrayBuffer) : new Uint8Array(raw).buffer); // an aligned private copy
  }
  const out = new ctor(new ArrayBuffer(raw.length));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0, at = 0; i < out.length; i++, at += ctor.BYTES_PER_ELEMENT) out[i] = get(view, at);
  return out;
}

function decodeI64(raw: Uint8Array, entry: SafetensorsEntry, file: string, op: string, as: 'i32' | 'f64'): TypedArray {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.length / 8;
  const out = as === 'i32' ? new Int32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const low = view.getUint32(8 * i, true), high = view.getInt32(8 * i + 4, true);
    const fits = as === 'i32' ? high === (low & 0x80000000 ? -1 : 0) : high >= -0x200000 && high < 0x200000;
    if (!fits) {
      const value = view.getBigInt64(8 * i, true);
      const range = as === 'i32' ? '[-2^31, 2^31)' : '[-2^53, 2^53)';
      const hint = as === 'i32' ? "; read with { i64: 'f64' } for larger values" : '';
      throw formatError(op, `${file}: tensor ${JSON.stringify(entry.name)} element ${i} expected an I64 value in ${range} ` +
        `to read as ${as}, got ${value}${hint}`);
    }
    out[i] = high * 2 ** 32 + low;
  }
  return out;
}

/** The tensor stored in `raw` (exactly the entry's byte range). `owned`: raw's buffer may become the tensor's. */
export function decodeEntry(raw: Uint8Array, entry: SafetensorsEntry, file: string, op: string, options: ReadOptions, owned: boolean): Tensor {
  const n = raw.length / SAFETENSORS_ITEMSIZE[entry.dtype];
  let data: TypedArray;
  const direct = DIRECT[entry.dtype];
  if (direct) data = littleEndianArray(raw, direct[0], direct[1], owned);
  else {
    switch (entry.dtype) {
      case 'U8': data = owned ? raw : new Uint8Array(raw); break;
      case 'BOOL': {
        data = owned ? raw : new Uint8Array(raw);
        const bad = data.findIndex((v) => v > 1);
        if (bad >= 0) throw formatError(op, `${file}: tensor ${JSON.stringify(entry.name)} element ${bad} expected a BOOL 0 or 1, got ${data[bad]}`);
        break;
      }
      case 'I8': data = Int32Array.from(new Int8Array(raw.buffer, raw.byteOffset, n)); break;
      case 'I16': {
        const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        data = Int32Array.from({ length: n }, (_, i) => view.getInt16(2 * i, true));
        break;
      }
      case 'F16': data = options.keepHalfWords?.(entry.name) ? littleEndianArray(raw, Uint16Array, (v, at) => v.getUint16(at, true), owned) : decodeF16(raw, 0, n); break;
      case 'BF16': data = options.keepHalfWords?.(entry.name) ? littleEndianArray(raw, Uint16Array, (v, at) => v.getUint16(at, true), owned) : decodeBf16(raw, 0, n); break;
      case 'I64': data = decodeI64(raw, entry, file, op, options.i64 ?? 'i32'); break;
      default: throw new TesseraError('format', op, `${file}: no decoder for dtype ${entry.dtype}`);
    }
  }
  return new Tensor(data, entry.shape);
}

/** The validated header of a safetensors file held in memory (names, dtypes, shapes, offsets, metadata), decoding no tensor. */
export function parseSafetensorsHeader(bytes: Uint8Array, file = '<safetensors bytes>', op = 'parseSafetensors'): SafetensorsHeader {
  const headerLength = readHeaderLength(bytes.subarray(0, 8), bytes.length, file, op);
  return parseHeader(bytes.subarray(8, 8 + headerLength), bytes.length - 8 - headerLength, file, op);
}

/** Parse a whole safetensors file held in memory. `file` names it in error messages. */
export function parseSafetensors(bytes: Uint8Array, file = '<safetensors bytes>', options: ReadOptions = {}): SafetensorsFile {
  const op = 'parseSafetensors';
  const header = parseSafetensorsHeader(bytes, file, op);
  const tensors: Record<string, Tensor> = {};
  for (const entry of header.entries) {
    if (options.only && !options.only(entry.name)) continue;
    const raw = bytes.subarray(header.dataStart + entry.begin, header.dataStart + entry.end);
    defineEntry(tensors, entry.name, decodeEntry(raw, entry, file, op, options, false));
  }
  return { tensors, metadata: header.metadata };
}

/** The validated header of a safetensors file (names, dtypes, shapes, offsets, metadata), reading no tensor data. */
export function readSafetensorsHeaderFrom(source: RandomAccessFile, file: string, op = 'readSafetensorsHeader'): SafetensorsHeader {
  const first8 = source.read(0, Math.min(8, source.size));
  const headerLength = readHeaderLength(first8, source.size, file, op);
  return parseHeader(source.read(8, headerLength), source.size - 8 - headerLength, file, op);
}

/** Read a safetensors file: the header is validated first, then each requested tensor's bytes are read. */
export function readSafetensorsFrom(source: RandomAccessFile, file: string, options: ReadOptions = {}, op = 'readSafetensors'): SafetensorsFile {
  const header = readSafetensorsHeaderFrom(source, file, op);
  const tensors: Record<string, Tensor> = {};
  for (const entry of header.entries) {
    if (options.only && !options.only(entry.name)) continue;
    const raw = source.read(header.dataStart + entry.begin, entry.end - entry.begin);
    defineEntry(tensors, entry.name, decodeEntry(raw, entry, file, op, options, true));
  }
  return { tensors, metadata: header.metadata };
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
