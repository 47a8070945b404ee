// Shared helpers of the wasm backend tests: seeded inputs, the error measure, and backends for 1 and 2 threads.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';

/** Deterministic values in [-1, 1) from an LCG seeded by `seed`. */
export function seeded(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Normwise relative error max|got − want| / max|want| (0 when both are all zero). */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, 'lengths differ');
  let err = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(got[i]!) !== Number.isNaN(want[i]!)) return Infinity;
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return scale === 0 ? err : err / scale;
}

export const F32_TOLERANCE = 1e-5;

export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  const e = relativeError(got, want);
  assert.ok(e <= F32_TOLERANCE, `${label}: relative error ${e} > ${F32_TOLERANCE}`);
}

export function assertBitIdentical(a: Float32Array, b: Float32Array, label: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) assert.equal(ua[i], ub[i], `${label}: element ${i} differs (${a[i]} vs ${b[i]})`);
}

/** Backends with 1 and 2 threads, created before the file's tests and disposed after them. */
export function backendsForFile(): { one: () => WasmBackend; two: () => WasmBackend; both: () => WasmBackend[] } {
  let one: WasmBackend | undefined, two: WasmBackend | undefined;
  before(async () => {
    one = await createWasmBackend({ threads: 1 });
    two = await createWasmBackend({ threads: 2 });
  });
  after(async () => {
    await one?.dispose();
    await two?.dispose();
  });
  return { one: () => one!, two: () => two!, both: () => [one!, two!] };
}
