// CRC-32 against its published check value and zlib (node:zlib.crc32 where available).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { crc32, crc32Hex, crc32Update } from '../../src/core/checksum.js';

test('crc32("123456789") = cbf43926; chunked = whole; equals zlib.crc32 on random bytes', () => {
  const enc = new TextEncoder();
  assert.equal(crc32Hex(enc.encode('123456789')), 'cbf43926');
  assert.equal(crc32(new Uint8Array(0)), 0);
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 2654435761) >>> 24);
  assert.equal(crc32([bytes.subarray(0, 333), bytes.subarray(333)]), crc32(bytes));
  assert.equal(crc32Update(crc32(bytes.subarray(0, 10)), bytes.subarray(10)), crc32(bytes));
  const z = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  if (z) assert.equal(crc32(bytes), z(bytes));
});
