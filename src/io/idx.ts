// IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed.
//
// Layout (big-endian): bytes 0-1 zero; byte 2 type code; byte 3 ndim; then ndim u32 dimensions; then the
// elements, row-major, big-endian:
//   0x08 u8   0x09 i8   0x0B i16   0x0C i32   0x0D f32   0x0E f64
// Gzip is detected by its magic bytes 1f 8b, not by the file name. The header is inflated first (from a
// growing prefix of the compressed bytes); the payload size it claims then bounds full decompression
// (zlib maxOutputLength), so a gzip bomb or a lying header fails before memory is spent on it.
import * as zlib from 'node:zlib';
import { TesseraError } from '../core/errors.js';
import { readFileChecked } from './atomicWrite.js';

export type IdxDType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArrayFile {
  readonly dtype: IdxDType;
  readonly shape: number[];
  /** Row-major elements in host byte order. */
  readonly data: IdxArray;
}

export interface IdxOptions {
  /** Largest decompressed size accepted, in bytes (default 2 GiB − 1). */
  readonly maxBytes?: number;
}

const TYPES: Record<number, { dtype: IdxDType; size: number }> = {
  0x08: { dtype: 'u8', size: 1 },
  0x09: { dtype: 'i8', size: 1 },
  0x0b: { dtype: 'i16', size: 2 },
  0x0c: { dtype: 'i32', size: 4 },
  0x0d: { dtype: 'f32', size: 4 },
  0x0e: { dtype: 'f64', size: 8 },
};

const MAX_NDIM = 4;
const DEFAULT_MAX_BYTES = 2 ** 31 - 1;
/** Deflate cannot expand more than ~1032:1; a header claiming more than this from the compressed size is lying. */
const MAX_DEFLATE_RATIO = 1032;

const formatError = (op: string, msg: string): TesseraError => new TesseraError('format', op, msg);

interface IdxHeader {
  readonly dtype: IdxDType;
  readonly itemsize: number;
  readonly shape: number[];
  readonly headerBytes: number;
  readonly payloadBytes: number;
}

/** Validate the magic and dimensions in `head` (≥ the first 4 + 4·ndim bytes, when the file has them). */
function parseIdxHeader(head: Uint8Array, file: string, op: string, maxBytes: number): IdxHeader {
  if (head.length < 4) throw formatError(op, `${file}: expected at least 4 bytes (the IDX magic), got ${head.length}`);
  if (head[0] !== 0 || head[1] !== 0) {
    const got = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw formatError(op, `${file}: IDX magic expected to start with two zero bytes (00 00 type ndim), got ${got}`);
  }
  const type = TYPES[head[2]!];
  if (!type) {
    throw formatError(op, `${file}: IDX type code expected one of 0x08 0x09 0x0b 0x0c 0x0d 0x0e, got 0x${head[2]!.toString(16).padStart(2, '0')}`);
  }
  const ndim = head[3]!;
  if (ndim < 1 || ndim > MAX_NDIM) throw formatError(op, `${file}: IDX ndim expected 1..${MAX_NDIM}, got ${ndim}`);
  const headerBytes = 4 + 4 * ndim;
  if (head.length < headerBytes) {
    throw formatError(op, `${file}: expected ${headerBytes} header bytes for ${ndim} dimensions, got a ${head.length}-byte file`);
  }
  const view = new DataView(head.buffer, head.byteOffset, headerBytes);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const payloadBytes = shape.reduce((n, d) => n * d, type.size); // exact: < 2^32·4 · ... compared below before use
  if (headerBytes + payloadBytes > maxBytes) {
    throw formatError(op, `${file}: dimensions [${shape.join(', ')}] × ${type.dtype} expected at most ${maxBytes} bytes in all, ` +
      `got ${headerBytes + payloadBytes}`);
  }
  return { dtype: type.dtype, itemsize: type.size, shape, headerBytes, payloadBytes };
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflate just enough of `gz` to see the IDX header: prefixes of 64, 256, … bytes, each bounded in output. */
function gunzipHeader(gz: Uint8Array, file: string, op: string): Uint8Array {
  for (let take = 64; ; take *= 4) {
    const prefix = gz.subarray(0, Math.min(take, gz.length));
    let out: Uint8Array;
    try {
      // Z_SYNC_FLUSH: return what a truncated stream yields instead of failing on its missing end.
      out = zlib.gunzipSync(prefix, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: MAX_DEFLATE_RATIO * prefix.length + 1024 });
    } catch (e) {
      throw formatError(op, `${file}: gzip data expected to decompress, got ${(e as Error).message}`);
    }
    const need = out.length >= 4 ? 4 + 4 * (out[3] ?? 0) : 4;
    if (out.length >= need || prefix.length === gz.length) return out;
  }
}

function gunzipBounded(gz: Uint8Array, header: IdxHeader, file: string, op: string): Uint8Array {
  const expected = header.headerBytes + header.payloadBytes;
  if (expected > gz.length * MAX_DEFLATE_RATIO + 1024) {
    throw formatError(op, `${file}: dimensions [${header.shape.join(', ')}] claim ${expected} bytes, more than ${gz.length} gzip ` +
      `bytes can hold (deflate expands at most ${MAX_DEFLATE_RATIO}:1); expected a truncated or lying header to fail here`);
  }
  try {
    // One byte of slack: a stream longer than the header says fails here, before it can grow further.
    return zlib.gunzipSync(gz, { maxOutputLength: expected + 1 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw formatError(op, `${file}: decompressed size expected ${expected} bytes (header [${header.shape.join(', ')}] × ${header.dtype}), ` +
        `got more (trailing data)`);
    }
    throw formatError(op, `${file}: gzip data expected to decompress, got ${err.message}`);
  }
}

/** Big-endian payload → a typed array in host order (always a fresh, aligned array). */
function decodePayload(bytes: Uint8Array, header: IdxHeader): IdxArray {
  const n = header.payloadBytes / header.itemsize;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (header.dtype) {
    case 'u8': return new Uint8Array(bytes); // copies (Buffer#slice would not)
    case 'i8': return new Int8Array(new Uint8Array(bytes).buffer);
    case 'i16': return Int16Array.from({ length: n }, (_, i) => view.getInt16(2 * i, false));
    case 'i32': return Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, false));
    case 'f32': return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, false));
    case 'f64': return Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, false));
  }
}

/** Parse IDX bytes (raw or gzip). `file` names the source in error messages. */
export function parseIdx(bytes: Uint8Array, file = '<idx bytes>', options: IdxOptions = {}): IdxArrayFile {
  const op = 'parseIdx';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let raw = bytes;
  let header: IdxHeader;
  if (isGzip(bytes)) {
    header = parseIdxHeader(gunzipHeader(bytes, file, op), `${file} (gunzipped)`, op, maxBytes);
    raw = gunzipBounded(bytes, header, file, op);
  } else {
    header = parseIdxHeader(bytes, file, op, maxBytes);
  }
  const expected = header.headerBytes + header.payloadBytes;
  if (raw.length !== expected) {
    const what = raw.length < expected ? 'truncated' : 'trailing bytes';
    throw formatError(op, `${file}: expected ${expected} bytes (${header.headerBytes}-byte header + [${header.shape.join(', ')}] × ` +
      `${header.dtype}), got ${raw.length} (${what})`);
  }
  const data = decodePayload(raw.subarray(header.headerBytes), header);
  return { dtype: header.dtype, shape: header.shape, data };
}

/** Read and parse an IDX file (raw or gzip). */
export function readIdx(file: string, options: IdxOptions = {}): IdxArrayFile {
  return parseIdx(readFileChecked(file, 'readIdx'), file, options);
}
