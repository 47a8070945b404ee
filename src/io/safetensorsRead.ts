// safetensors reading without node:* — from bytes in memory (parseSafetensors) or from any RandomAccessFile
// (io/directoryReader.ts: a file on disk, a File a browser read), header first, then only the requested
// tensors' byte ranges. Layout and validation rules: safetensorsHeader.ts.
//
// Reading maps file dtypes to tessera dtypes:
//   F32→f32  F64→f64  I32→i32  U8→u8  U16→u16  F16, BF16→f32 (exact)  I8, I16→i32 (exact)  BOOL→u8 (0/1)
//   I64→i32 by default, with an error naming the tensor and element if a value does not fit in 32 bits
//     (indices and token ids fit); `{ i64: 'f64' }` reads I64 as f64 instead, exact up to 2^53, error beyond.
// Memory: sizes are validated against the file before anything is allocated; each requested tensor is read
// into its own buffer.
import type { TypedArray } from '../core/dtype.js';
import { TesseraError } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeBf16, decodeF16 } from '../core/halfFloat.js';
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
function decodeEntry(raw: Uint8Array, entry: SafetensorsEntry, file: string, op: string, options: ReadOptions, owned: boolean): Tensor {
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

/** Parse a whole safetensors file held in memory. `file` names it in error messages. */
export function parseSafetensors(bytes: Uint8Array, file = '<safetensors bytes>', options: ReadOptions = {}): SafetensorsFile {
  const op = 'parseSafetensors';
  const headerLength = readHeaderLength(bytes.subarray(0, 8), bytes.length, file, op);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), bytes.length - 8 - headerLength, file, op);
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
