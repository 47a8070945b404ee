// safetensors: hand-built files parse to the right values; every dtype round-trips; the layout we
// write is aligned and readable by partial reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tensor } from '../../src/tensor/tensor.js';
import {
  parseSafetensors, readSafetensors, readSafetensorsHeader, serializeSafetensors, writeSafetensors,
} from '../../src/io/safetensors.js';
import { safetensorsBytes, sameElements, tempDir, throwsTessera } from './helpers.js';

const t = (data: Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array, shape: number[]) => new Tensor(data, shape);

test('a hand-built file (as torch would write it) parses to the known values', () => {
  const header = {
    __metadata__: { format: 'pt' },
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'I64', shape: [2], data_offsets: [8, 24] },
    c: { dtype: 'F16', shape: [2], data_offsets: [24, 28] },
    d: { dtype: 'BF16', shape: [1], data_offsets: [28, 30] },
    e: { dtype: 'U8', shape: [1, 2], data_offsets: [30, 32] },
  };
  const data = [
    0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, // F32 1.0, -2.5
    0x05, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // I64 5, -1
    0x00, 0x3c, 0xff, 0x7b, // F16 1.0, 65504
    0x20, 0xc0, // BF16 -2.5
    7, 255, // U8
  ];
  const { tensors, metadata } = parseSafetensors(safetensorsBytes(header, data), 'fixture.safetensors');
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual(Object.keys(tensors).sort(), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual([tensors.a!.dtype, tensors.a!.shape, tensors.a!.toArray()], ['f32', [2], [1, -2.5]]);
  assert.deepEqual([tensors.b!.dtype, tensors.b!.toArray()], ['i32', [5, -1]]);
  assert.deepEqual([tensors.c!.dtype, tensors.c!.toArray()], ['f32', [1, 65504]]);
  assert.deepEqual([tensors.d!.dtype, tensors.d!.toArray()], ['f32', [-2.5]]);
  assert.deepEqual([tensors.e!.dtype, tensors.e!.shape, tensors.e!.toArray()], ['u8', [1, 2], [7, 255]]);
});

test('header padding with spaces, scalars, empty tensors and odd names are accepted', () => {
  const header = `{"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"empty":{"dtype":"F32","shape":[3,0],"data_offsets":[8,8]},` +
    `"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[8,9]},"λ/ünï":{"dtype":"U8","shape":[1],"data_offsets":[9,10]}}     `;
  const data = [...new Uint8Array(new Float64Array([Math.PI]).buffer), 42, 43];
  const { tensors } = parseSafetensors(safetensorsBytes(header, data));
  assert.deepEqual(tensors.s!.shape, []);
  assert.equal(tensors.s!.item(), Math.PI);
  assert.deepEqual(tensors.empty!.shape, [3, 0]);
  assert.ok(Object.prototype.hasOwnProperty.call(tensors, '__proto__'));
  assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(tensors, '__proto__')!.value.toArray(), [42]);
  assert.deepEqual(tensors['λ/ünï']!.toArray(), [43]);
});

test('I8, I16 and BOOL read as exact i32 / u8', () => {
  const header = {
    i8: { dtype: 'I8', shape: [3], data_offsets: [0, 3] },
    i16: { dtype: 'I16', shape: [2], data_offsets: [3, 7] },
    bool: { dtype: 'BOOL', shape: [2], data_offsets: [7, 9] },
  };
  const { tensors } = parseSafetensors(safetensorsBytes(header, [0x80, 0x7f, 0xff, 0x00, 0x80, 0xfe, 0xff, 1, 0]));
  assert.deepEqual([tensors.i8!.dtype, tensors.i8!.toArray()], ['i32', [-128, 127, -1]]);
  assert.deepEqual([tensors.i16!.dtype, tensors.i16!.toArray()], ['i32', [-32768, -2]]);
  assert.deepEqual([tensors.bool!.dtype, tensors.bool!.toArray()], ['u8', [1, 0]]);
  throwsTessera(() => parseSafetensors(safetensorsBytes({ b: { dtype: 'BOOL', shape: [1], data_offsets: [0, 1] } }, [2]), 'b.st'),
    'format', /b\.st: tensor "b" element 0 expected a BOOL 0 or 1, got 2/);
});

test('I64: i32 by default with a range error naming the element; f64 on request, exact to 2^53', () => {
  const big = safetensorsBytes({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } },
    [...new Uint8Array(new BigInt64Array([-7n, 2n ** 31n]).buffer)]);
  throwsTessera(() => parseSafetensors(big, 'ids.safetensors'), 'format',
    /ids\.safetensors: tensor "ids" element 1 expected an I64 value in \[-2\^31, 2\^31\) to read as i32, got 2147483648/, /i64: 'f64'/);
  const asF64 = parseSafetensors(big, 'ids.safetensors', { i64: 'f64' }).tensors.ids!;
  assert.deepEqual([asF64.dtype, asF64.toArray()], ['f64', [-7, 2 ** 31]]);
  const minI32 = parseSafetensors(safetensorsBytes({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } },
    [...new Uint8Array(new BigInt64Array([-(2n ** 31n)]).buffer)])).tensors.x!;
  assert.deepEqual(minI32.toArray(), [-(2 ** 31)]);
  const huge = safetensorsBytes({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [...new Uint8Array(new BigInt64Array([2n ** 53n + 1n]).buffer)]);
  throwsTessera(() => parseSafetensors(huge, 'h', { i64: 'f64' }), 'format', /expected an I64 value in \[-2\^53, 2\^53\) to read as f64, got 9007199254740993/);
});

test('every tessera dtype round-trips through serialize → parse with its values, shape and dtype', () => {
  const tensors = {
    f32: t(new Float32Array([1, -2.5, 3.1415927, -0, Infinity, NaN]), [2, 3]),
    f64: t(new Float64Array([Math.PI, -1e-300, 1e300]), [3]),
    i32: t(new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1, 5]), [2, 2]),
    u8: t(new Uint8Array([0, 1, 255]), [3, 1]),
    u16: t(new Uint16Array([0, 65535, 1234]), [1, 3]),
    scalar: t(new Float32Array([7]), []),
    empty: t(new Float64Array(0), [0, 4]),
  };
  const back = parseSafetensors(serializeSafetensors(tensors, { metadata: { note: 'hello', step: '12' } }));
  assert.deepEqual(back.metadata, { note: 'hello', step: '12' });
  for (const [name, orig] of Object.entries(tensors)) {
    const got = back.tensors[name]!;
    assert.equal(got.dtype, orig.dtype, name);
    assert.deepEqual(got.shape, orig.shape, name);
    assert.ok(sameElements(got.data, orig.data), `${name}: ${got} vs ${orig}`);
  }
});

test('f32 written as F16 / BF16 reads back rounded to nearest even', () => {
  const values = new Float32Array([1, -2.5, 65504, 2 ** -24, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, 1 + 2 ** -8]);
  const x = t(values, [8]);
  const f16 = parseSafetensors(serializeSafetensors({ x }, { f32As: 'F16' }));
  assert.deepEqual(f16.tensors.x!.toArray(), [1, -2.5, 65504, 2 ** -24, 1, 1 + 2 ** -9, Infinity, 1 + 2 ** -8]);
  const bf16 = parseSafetensors(serializeSafetensors({ x }, { f32As: 'BF16' }));
  assert.deepEqual(bf16.tensors.x!.toArray(), [1, -2.5, 65536, 2 ** -24, 1, 1, 70144, 1]);
  // Per tensor by a function; the header says which storage was used.
  const bytes = serializeSafetensors({ a: x, b: x }, { f32As: (name) => (name === 'a' ? 'BF16' : 'F32') });
  const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
  assert.match(headerText, /"a":\{"dtype":"BF16"/);
  assert.match(headerText, /"b":\{"dtype":"F32"/);
});

test('written files: header padded to 8 bytes, each tensor aligned to its item size, metadata first', () => {
  const dir = tempDir();
  const file = path.join(dir, 'model.safetensors');
  const tensors = {
    'layer.0/bias': t(new Uint8Array([1, 2, 3]), [3]),
    'layer.0/weight': t(new Float64Array([1, 2]), [2]),
    z: t(new Uint16Array([9]), [1]),
    a: t(new Float32Array([0.5, 0.25, 0.125]), [3]),
  };
  writeSafetensors(file, tensors, { metadata: { format: 'tessera' } });
  const header = readSafetensorsHeader(file);
  assert.equal(header.dataStart % 8, 0);
  assert.deepEqual(header.entries.map((e) => e.name), ['layer.0/weight', 'a', 'z', 'layer.0/bias']); // item size desc, then name
  for (const e of header.entries) assert.equal((header.dataStart + e.begin) % ({ F64: 8, F32: 4, U16: 2, U8: 1 } as Record<string, number>)[e.dtype]!, 0);
  assert.equal(fs.statSync(file).size, header.dataStart + header.dataLength);
  const all = readSafetensors(file);
  assert.deepEqual(all.metadata, { format: 'tessera' });
  for (const [name, orig] of Object.entries(tensors)) assert.deepEqual(all.tensors[name]!.toArray(), orig.toArray(), name);
  const some = readSafetensors(file, { only: (name) => name.startsWith('layer.0/') });
  assert.deepEqual(Object.keys(some.tensors).sort(), ['layer.0/bias', 'layer.0/weight']);
  assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']); // no temp file left behind
  fs.rmSync(dir, { recursive: true });
});

test('readSafetensors: tensors own aligned buffers; parseSafetensors never aliases the input bytes', () => {
  const bytes = serializeSafetensors({ w: t(new Float32Array([1, 2, 3]), [3]) });
  const parsed = parseSafetensors(bytes).tensors.w!;
  assert.notEqual(parsed.data.buffer, bytes.buffer);
  bytes.fill(0);
  assert.deepEqual(parsed.toArray(), [1, 2, 3]);
});

test('writing rejects bad names, metadata and options with clear errors', () => {
  const x = t(new Float32Array([1]), [1]);
  throwsTessera(() => serializeSafetensors({ __metadata__: x }), 'value', /reserved "__metadata__"/);
  throwsTessera(() => serializeSafetensors({ x: [1, 2] as unknown as Tensor }), 'value', /tensors\["x"\] expected a Tensor/);
  throwsTessera(() => serializeSafetensors({ x }, { metadata: { n: 3 as unknown as string } }), 'value', /metadata\["n"\] expected a string, got number/);
  throwsTessera(() => serializeSafetensors({ x }, { f32As: 'F8' as 'F16' }), 'option', /f32As for "x" expected 'F32', 'F16' or 'BF16', got F8/);
  throwsTessera(() => readSafetensors('/nonexistent/dir/m.safetensors'), 'value', /file \/nonexistent\/dir\/m\.safetensors expected to exist/);
});

test('Node Buffers at an unaligned offset parse the same as plain byte arrays', () => {
  const bytes = serializeSafetensors({ w: t(new Float32Array([1, 2, 3]), [3]), u: t(new Uint8Array([5]), [1]), d: t(new Float64Array([0.1]), [1]) });
  const buffer = Buffer.concat([Buffer.alloc(3, 0xee), Buffer.from(bytes)]).subarray(3); // byteOffset 3 in a larger buffer
  const { tensors } = parseSafetensors(buffer);
  assert.deepEqual([tensors.w!.toArray(), tensors.u!.toArray(), tensors.d!.toArray()], [[1, 2, 3], [5], [0.1]]);
  assert.equal(tensors.u!.data.buffer.byteLength, 1);
});
