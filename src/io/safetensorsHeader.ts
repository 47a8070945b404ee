// The safetensors header: reading and strictly validating it, before any tensor memory is allocated.
//
// File layout (https://github.com/huggingface/safetensors, "Format"):
//   bytes [0, 8)        N: unsigned 64-bit little-endian header length
//   bytes [8, 8+N)      UTF-8 JSON object, starts with '{', may be padded at the end with spaces:
//                         { "__metadata__"?: { string: string },
//                           "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, … }
//   bytes [8+N, EOF)    the data section; offsets are relative to its start, end exclusive.
// Rules checked here: N ≤ 100 MB and N ≤ file size − 8; valid UTF-8 JSON object; known dtype; shape a list of
// non-negative integers; end − begin = prod(shape) · itemsize; the ranges tile the data section exactly
// (inside it, no overlaps, no holes, nothing after the last tensor).
// Unknown extra fields inside an entry are ignored (as the Rust reference does).
// Duplicate names: JSON.parse keeps the last one; the dropped tensor's bytes then show up as a hole (or an
// overlap), so duplicates of non-empty tensors are rejected too.
import { TesseraError } from '../core/errors.js';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U16' | 'U8' | 'BOOL';

/** Bytes per element of each supported safetensors dtype. */
export const SAFETENSORS_ITEMSIZE: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U16: 2, U8: 1, BOOL: 1,
};

/** Safetensors' own cap on the header length (the Rust reference rejects larger headers). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Byte range [begin, end) relative to the start of the data section. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** Tensors in data-section order. */
  readonly entries: readonly SafetensorsEntry[];
  readonly metadata: Record<string, string>;
  /** Absolute file offset of the data section (8 + header length). */
  readonly dataStart: number;
  readonly dataLength: number;
}

export const formatError = (op: string, msg: string): TesseraError => new TesseraError('format', op, msg);

function isSafetensorsDType(x: unknown): x is SafetensorsDType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_ITEMSIZE, x);
}

/** Sets an own property even for names like "__proto__". */
export function defineEntry<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}

const show = (x: unknown): string => {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * The header length N from the first 8 bytes, checked against the file size: 8 + N ≤ fileSize, N ≤ 100 MB.
 * `file` names the file (or buffer) in messages.
 */
export function readHeaderLength(first8: Uint8Array, fileSize: number, file: string, op: string): number {
  if (fileSize < 8 || first8.length < 8) {
    throw formatError(op, `${file}: expected at least 8 bytes (the header length), got a ${fileSize}-byte file`);
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const low = view.getUint32(0, true), high = view.getUint32(4, true);
  const length = high * 2 ** 32 + low; // exact below 2^53; anything ≥ 2^32 is far over the cap anyway
  if (length > MAX_HEADER_BYTES) {
    throw formatError(op, `${file}: header length expected ≤ ${MAX_HEADER_BYTES} bytes, got ${high > 0x1fffff ? '≥ 2^53' : length}`);
  }
  if (length > fileSize - 8) {
    throw formatError(op, `${file}: header length expected ≤ ${fileSize - 8} (file size ${fileSize} − 8), got ${length}`);
  }
  if (length < 2) throw formatError(op, `${file}: header length expected ≥ 2 (a JSON object '{}'), got ${length}`);
  return length;
}

function checkShape(op: string, where: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw formatError(op, `${where}: "shape" expected a list of non-negative integers, got ${show(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw formatError(op, `${where}: "shape" expected a list of non-negative integers, got ${show(shape)}`);
    }
  }
  return shape as number[];
}

function checkOffsets(op: string, where: string, offsets: unknown, dataLength: number): [number, number] {
  const ok = Array.isArray(offsets) && offsets.length === 2 &&
    offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0);
  if (!ok) throw formatError(op, `${where}: "data_offsets" expected [begin, end] with non-negative integers, got ${show(offsets)}`);
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw formatError(op, `${where}: "data_offsets" expected begin ≤ end, got [${begin}, ${end}]`);
  if (end > dataLength) {
    throw formatError(op, `${where}: "data_offsets" [${begin}, ${end}] expected inside the ${dataLength}-byte data section`);
  }
  return [begin, end];
}

/** Elements × itemsize as an exact integer, or null when it exceeds 2^53 (then it cannot match any range). */
function byteSize(shape: readonly number[], itemsize: number): number | null {
  const bytes = shape.reduce((n, d) => n * d, itemsize);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

function parseEntry(op: string, file: string, name: string, value: unknown, dataLength: number): SafetensorsEntry {
  const where = `${file}: tensor ${show(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw formatError(op, `${where} expected an object {dtype, shape, data_offsets}, got ${show(value)}`);
  }
  const info = value as Record<string, unknown>;
  if (!isSafetensorsDType(info.dtype)) {
    throw formatError(op, `${where}: "dtype" expected one of ${Object.keys(SAFETENSORS_ITEMSIZE).join(', ')}, got ${show(info.dtype)}`);
  }
  const dtype = info.dtype;
  const shape = checkShape(op, where, info.shape);
  const [begin, end] = checkOffsets(op, where, info.data_offsets, dataLength);
  const itemsize = SAFETENSORS_ITEMSIZE[dtype];
  const bytes = byteSize(shape, itemsize);
  if (bytes !== end - begin) {
    const claimed = bytes === null ? 'more than 2^53' : String(bytes);
    throw formatError(op, `${where}: shape [${shape.join(', ')}] × ${dtype} (${itemsize} bytes) expected ${end - begin} bytes ` +
      `(data_offsets [${begin}, ${end}]), got ${claimed} bytes`);
  }
  return { name, dtype, shape: [...shape], begin, end };
}

function parseMetadata(op: string, file: string, value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw formatError(op, `${file}: "__metadata__" expected an object of strings, got ${show(value)}`);
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw formatError(op, `${file}: "__metadata__" entry ${show(k)} expected a string, got ${show(v)}`);
    defineEntry(metadata, k, v);
  }
  return metadata;
}

/** Sorted by offsets, the ranges must tile [0, dataLength): no overlap, no hole, nothing after the end. */
function checkCoverage(op: string, file: string, entries: SafetensorsEntry[], dataLength: number): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: SafetensorsEntry | null = null;
  for (const e of entries) {
    if (e.begin < position) {
      throw formatError(op, `${file}: tensor ${show(e.name)} [${e.begin}, ${e.end}] overlaps tensor ${show(previous!.name)} ` +
        `[${previous!.begin}, ${previous!.end}]; expected disjoint byte ranges`);
    }
    if (e.begin > position) {
      throw formatError(op, `${file}: data bytes [${position}, ${e.begin}) belong to no tensor; expected tensor ${show(e.name)} ` +
        `to start at ${position} (the data section must be fully covered)`);
    }
    position = e.end;
    previous = e;
  }
  if (position !== dataLength) {
    throw formatError(op, `${file}: data section is ${dataLength} bytes but the tensors cover only [0, ${position}); ` +
      `expected no trailing bytes`);
  }
}

/** Validate the JSON header (bytes [8, 8+N)) against a data section of `dataLength` bytes. */
export function parseHeader(headerBytes: Uint8Array, dataLength: number, file: string, op: string): SafetensorsHeader {
  if (headerBytes[0] !== 0x7b) {
    throw formatError(op, `${file}: header expected to start with '{' (0x7b), got byte 0x${(headerBytes[0] ?? 0).toString(16).padStart(2, '0')}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw formatError(op, `${file}: header expected valid UTF-8, got invalid bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw formatError(op, `${file}: header expected valid JSON, got a parse error (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw formatError(op, `${file}: header expected a JSON object, got ${show(json)}`);
  }
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(op, file, value);
    else entries.push(parseEntry(op, file, name, value, dataLength));
  }
  checkCoverage(op, file, entries, dataLength);
  return { entries, metadata, dataStart: 8 + headerBytes.length, dataLength };
}
