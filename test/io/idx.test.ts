// IDX: every element type decodes from hand-built big-endian bytes, raw and gzipped; bad headers,
// truncation, trailing bytes, lying gzip headers and gzip bombs give clear errors without large allocations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { TesseraError } from '../../src/core/errors.js';
import { parseIdx, readIdx } from '../../src/io/idx.js';
import { idxBytes, tempDir, throwsTessera } from './helpers.js';

const be = (write: (v: DataView, at: number, x: number) => void, size: number, values: number[]): number[] => {
  const v = new DataView(new ArrayBuffer(size * values.length));
  values.forEach((x, i) => write(v, i * size, x));
  return [...new Uint8Array(v.buffer)];
};

test('each IDX type decodes big-endian values with the right dtype and shape, raw and gzipped', () => {
  const cases: [number, string, number[], number[]][] = [
    [0x08, 'u8', [0, 7, 255], [0, 7, 255]],
    [0x09, 'i8', [0x80, 0x01, 0xff], [-128, 1, -1]],
    [0x0b, 'i16', be((v, a, x) => v.setInt16(a, x), 2, [-32768, 258, -2]), [-32768, 258, -2]],
    [0x0c, 'i32', be((v, a, x) => v.setInt32(a, x), 4, [-(2 ** 31), 16909060, 5]), [-(2 ** 31), 16909060, 5]],
    [0x0d, 'f32', be((v, a, x) => v.setFloat32(a, x), 4, [1, -2.5, 65504]), [1, -2.5, 65504]],
    [0x0e, 'f64', be((v, a, x) => v.setFloat64(a, x), 8, [Math.PI, -1e-300, 1e300]), [Math.PI, -1e-300, 1e300]],
  ];
  for (const [code, dtype, payload, values] of cases) {
    const raw = idxBytes(code, [1, 3], payload);
    // Node Buffers too: Buffer#slice returns a view, so decoding must not rely on it to copy.
    for (const bytes of [raw, new Uint8Array(zlib.gzipSync(raw)), zlib.gzipSync(raw), Buffer.concat([Buffer.alloc(3), raw]).subarray(3)]) {
      const out = parseIdx(bytes, `${dtype}.idx`);
      assert.equal(out.dtype, dtype);
      assert.deepEqual(out.shape, [1, 3]);
      assert.deepEqual(Array.from(out.data), values, dtype);
    }
  }
});

test('shapes up to 4 dimensions, and empty arrays', () => {
  const four = parseIdx(idxBytes(0x08, [1, 2, 1, 3], [1, 2, 3, 4, 5, 6]));
  assert.deepEqual([four.shape, Array.from(four.data)], [[1, 2, 1, 3], [1, 2, 3, 4, 5, 6]]);
  const empty = parseIdx(idxBytes(0x0d, [0, 28, 28]));
  assert.deepEqual([empty.shape, empty.data.length, empty.dtype], [[0, 28, 28], 0, 'f32']);
});

test('bad magic, type code and ndim are named with what was expected', () => {
  throwsTessera(() => parseIdx(new Uint8Array([0, 0]), 'x.idx'), 'format', /x\.idx: expected at least 4 bytes \(the IDX magic\), got 2/);
  throwsTessera(() => parseIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'x.idx'), 'format',
    /IDX magic expected to start with two zero bytes \(00 00 type ndim\), got 50 4b 03 04/);
  throwsTessera(() => parseIdx(idxBytes(0x0a, [1], [0]), 'x.idx'), 'format', /IDX type code expected one of 0x08 0x09 0x0b 0x0c 0x0d 0x0e, got 0x0a/);
  throwsTessera(() => parseIdx(idxBytes(0x08, [], []), 'x.idx'), 'format', /IDX ndim expected 1\.\.4, got 0/);
  throwsTessera(() => parseIdx(idxBytes(0x08, [1, 1, 1, 1, 1], [0]), 'x.idx'), 'format', /IDX ndim expected 1\.\.4, got 5/);
  throwsTessera(() => parseIdx(idxBytes(0x08, [1, 1, 1]).subarray(0, 10), 'x.idx'), 'format', /expected 16 header bytes for 3 dimensions, got a 10-byte file/);
});

test('truncated payloads, trailing bytes and lying dimensions', () => {
  throwsTessera(() => parseIdx(idxBytes(0x08, [2, 3], [1, 2, 3, 4, 5]), 'x.idx'), 'format',
    /x\.idx: expected 18 bytes \(12-byte header \+ \[2, 3\] × u8\), got 17 \(truncated\)/);
  throwsTessera(() => parseIdx(idxBytes(0x0c, [2], [0, 0, 0, 1, 0, 0, 0, 2, 9]), 'x.idx'), 'format', /expected 16 bytes .* got 17 \(trailing bytes\)/);
  // Dimensions claiming 60000×28×28 in a 20-byte file: the size check comes first, nothing is allocated.
  throwsTessera(() => parseIdx(idxBytes(0x08, [60000, 28, 28], [1, 2, 3, 4]), 'x.idx'), 'format', /expected 47040016 bytes .* got 20 \(truncated\)/);
  // Dimensions beyond any sensible size (2^32-1 cubed × 8 bytes) fail on the size cap.
  throwsTessera(() => parseIdx(idxBytes(0x0e, [0xffffffff, 0xffffffff, 0xffffffff]), 'x.idx'), 'format',
    /dimensions \[4294967295, 4294967295, 4294967295\] × f64 expected at most 2147483647 bytes in all/);
  throwsTessera(() => parseIdx(idxBytes(0x08, [100], new Array(100).fill(0)), 'x.idx', { maxBytes: 64 }), 'format', /expected at most 64 bytes in all, got 108/);
});

test('gzip: lying header, truncated stream, short and long payloads, bombs', () => {
  const gz = (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b));
  // The header claims far more than the compressed bytes could ever inflate to: rejected before inflating.
  throwsTessera(() => parseIdx(gz(idxBytes(0x08, [60000, 28, 28], [1, 2, 3])), 'lie.gz'), 'format',
    /lie\.gz: dimensions \[60000, 28, 28\] claim 47040016 bytes, more than \d+ gzip bytes can hold/);
  const good = gz(idxBytes(0x08, [1000], new Array(1000).fill(3)));
  throwsTessera(() => parseIdx(good.subarray(0, good.length - 12), 'cut.gz'), 'format', /cut\.gz: gzip data expected to decompress, got unexpected end of file/);
  throwsTessera(() => parseIdx(gz(idxBytes(0x08, [1000], new Array(999).fill(3))), 'short.gz'), 'format', /expected 1008 bytes .* got 1007 \(truncated\)/);
  throwsTessera(() => parseIdx(gz(idxBytes(0x08, [1000], new Array(1001).fill(3))), 'long.gz'), 'format', /long\.gz: expected 1008 bytes .* got 1009 \(trailing bytes\)/);
  throwsTessera(() => parseIdx(gz(idxBytes(0x08, [1000], new Array(1100).fill(3))), 'longer.gz'), 'format',
    /longer\.gz: decompressed size expected 1008 bytes \(header \[1000\] × u8\), got more \(trailing data\)/);
  // A bomb: a 10-byte array followed by 64 MB of zeros (~65 KB compressed). Inflation stops at 19 bytes.
  const bomb = new Uint8Array(zlib.gzipSync(Buffer.concat([idxBytes(0x08, [10], new Array(10).fill(1)), Buffer.alloc(64 << 20)]), { level: 9 }));
  const before = process.memoryUsage().arrayBuffers;
  throwsTessera(() => parseIdx(bomb, 'bomb.gz'), 'format', /bomb\.gz: decompressed size expected 18 bytes .* got more \(trailing data\)/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 8 << 20, 'the bomb was not inflated');
  // The header itself comes from a bounded prefix: a bad magic inside gzip is reported as such.
  throwsTessera(() => parseIdx(gz(new Uint8Array([1, 2, 3, 4, 5])), 'magic.gz'), 'format', /magic\.gz \(gunzipped\): IDX magic expected/);
});

test('readIdx names a missing file', () => {
  throwsTessera(() => readIdx('/nonexistent/train-images-idx3-ubyte.gz'), 'value', /readIdx: file \/nonexistent\/train-images-idx3-ubyte\.gz expected to exist/);
  const dir = tempDir();
  const file = path.join(dir, 'labels'); // no extension: gzip is found by its magic, not its name
  fs.writeFileSync(file, zlib.gzipSync(idxBytes(0x08, [2], [4, 5])));
  assert.deepEqual(Array.from(readIdx(file).data), [4, 5]);
  fs.rmSync(dir, { recursive: true });
});

function parsesOrThrowsTessera(bytes: Uint8Array): void {
  try {
    const out = parseIdx(bytes, 'fuzzed');
    assert.equal(out.data.length, out.shape.reduce((a, b) => a * b, 1));
  } catch (e) {
    if (!(e instanceof TesseraError)) throw new Error(`expected a TesseraError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

test('fuzz: truncations and byte mutations of valid raw and gzipped files', () => {
  const raw = idxBytes(0x0b, [2, 3, 2], be((v, a, x) => v.setInt16(a, x), 2, Array.from({ length: 12 }, (_, i) => i * 1000 - 6000)));
  const gzipped = new Uint8Array(zlib.gzipSync(raw));
  for (const valid of [raw, gzipped]) {
    for (let n = 0; n <= valid.length; n++) parsesOrThrowsTessera(valid.slice(0, n));
    const mutation = fc.array(fc.record({ at: fc.nat({ max: valid.length - 1 }), byte: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(mutation, (changes) => {
      const bytes = valid.slice();
      for (const { at, byte } of changes) bytes[at] = byte;
      parsesOrThrowsTessera(bytes);
    }), { numRuns: 1500, seed: 99 });
  }
});
