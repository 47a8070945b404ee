// Test helpers: hand-built safetensors and IDX bytes, temp directories, error assertions.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TesseraError } from '../../src/core/errors.js';

/** safetensors bytes: 8-byte LE header length, the header text (as given), then the data bytes. */
export function safetensorsBytes(header: string | object, data: ArrayLike<number> = [], headerLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

/** IDX bytes: 00 00 type ndim, big-endian u32 dims, then `payload` as given. */
export function idxBytes(type: number, dims: number[], payload: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(payload), 4 + 4 * dims.length);
  return out;
}

export function tempDir(prefix = 'tessera-io-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Asserts `fn` throws a TesseraError of `kind` whose message matches every pattern. */
export function throwsTessera(fn: () => unknown, kind: string, ...parts: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TesseraError, `expected a TesseraError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.equal(e.kind, kind, e.message);
    for (const p of parts) assert.match(e.message, p);
    return true;
  });
}

/** Element-wise equality that treats NaN as equal to NaN and distinguishes -0 from 0. */
export function sameElements(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}
