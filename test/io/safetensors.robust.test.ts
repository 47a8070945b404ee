// Bad safetensors files: each gives a TesseraError naming the file and what was expected, before
// allocating anything the file cannot back. Fuzzing: any mutation of a valid file either parses to
// something self-consistent or throws a TesseraError — never another exception type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { TesseraError } from '../../src/core/errors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { parseSafetensors, readSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { safetensorsBytes, sameElements, tempDir, throwsTessera } from './helpers.js';

const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const parse = (bytes: Uint8Array) => () => parseSafetensors(bytes, 'bad.safetensors');

test('header length: too short a file, over 100 MB, beyond the file, too small', () => {
  throwsTessera(parse(new Uint8Array(5)), 'format', /bad\.safetensors: expected at least 8 bytes \(the header length\), got a 5-byte file/);
  throwsTessera(parse(safetensorsBytes('{}', [], 100_000_001)), 'format', /header length expected ≤ 100000000 bytes, got 100000001/);
  throwsTessera(parse(safetensorsBytes('{}', [], 2 ** 60)), 'format', /header length expected ≤ 100000000 bytes, got ≥ 2\^53/);
  throwsTessera(parse(safetensorsBytes('{}', [], 50)), 'format', /header length expected ≤ 2 \(file size 10 − 8\), got 50/);
  throwsTessera(parse(safetensorsBytes('', [])), 'format', /header length expected ≥ 2/);
});

test('header text: not starting with {, invalid UTF-8, not JSON, not an object', () => {
  throwsTessera(parse(safetensorsBytes('[1,2]')), 'format', /header expected to start with '\{' \(0x7b\), got byte 0x5b/);
  throwsTessera(parse(safetensorsBytes(' {}')), 'format', /got byte 0x20/);
  const badUtf8 = safetensorsBytes('{"\u00e9":1}');
  badUtf8[10] = 0xff;
  throwsTessera(parse(badUtf8), 'format', /header expected valid UTF-8/);
  throwsTessera(parse(safetensorsBytes('{"a": {')), 'format', /header expected valid JSON, got a parse error/);
  throwsTessera(parse(safetensorsBytes('{"a":1}')), 'format', /tensor "a" expected an object \{dtype, shape, data_offsets\}, got 1/);
});

test('entries: unknown dtype, bad shapes, bad offsets, lying shapes', () => {
  throwsTessera(parse(safetensorsBytes({ w: entry('F8_E4M3', [1], [0, 1]) }, [0])), 'format',
    /tensor "w": "dtype" expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U16, U8, BOOL, got "F8_E4M3"/);
  throwsTessera(parse(safetensorsBytes({ w: entry('F32', [-1, 2], [0, 0]) })), 'format', /"shape" expected a list of non-negative integers, got \[-1,2\]/);
  throwsTessera(parse(safetensorsBytes({ w: entry('F32', [1.5], [0, 0]) })), 'format', /"shape" expected a list of non-negative integers, got \[1.5\]/);
  throwsTessera(parse(safetensorsBytes({ w: entry('F32', '4', [0, 0]) })), 'format', /"shape" expected a list/);
  throwsTessera(parse(safetensorsBytes({ w: entry('F32', [1], [0]) }, [0, 0, 0, 0])), 'format', /"data_offsets" expected \[begin, end\] with non-negative integers, got \[0\]/);
  throwsTessera(parse(safetensorsBytes({ w: entry('F32', [1], [4, 0]) }, [0, 0, 0, 0])), 'format', /"data_offsets" expected begin ≤ end, got \[4, 0\]/);
  throwsTessera(parse(safetensorsBytes({ w: entry('F32', [2], [0, 8]) }, [0, 0, 0, 0])), 'format',
    /"data_offsets" \[0, 8\] expected inside the 4-byte data section/);
  throwsTessera(parse(safetensorsBytes({ w: entry('F32', [2, 3], [0, 20]) }, new Array(20).fill(0))), 'format',
    /tensor "w": shape \[2, 3\] × F32 \(4 bytes\) expected 20 bytes \(data_offsets \[0, 20\]\), got 24 bytes/);
});

test('a header claiming a 10^12-element tensor in a tiny file fails before allocating', () => {
  const before = process.memoryUsage().arrayBuffers;
  throwsTessera(parse(safetensorsBytes({ w: entry('F32', [1e12], [0, 4e12]) }, new Array(16).fill(0))), 'format',
    /"data_offsets" \[0, 4000000000000\] expected inside the 16-byte data section/);
  throwsTessera(parse(safetensorsBytes({ w: entry('F64', [1e6, 1e6, 1e6], [0, 16]) }, new Array(16).fill(0))), 'format',
    /shape \[1000000, 1000000, 1000000\] × F64 \(8 bytes\) expected 16 bytes .* got more than 2\^53 bytes/);
  throwsTessera(parse(safetensorsBytes({ w: entry('U8', [2 ** 53 + 2], [0, 4]) }, [0, 0, 0, 0])), 'format', /"shape" expected a list of non-negative integers/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, 'no large buffers were allocated');
});

test('coverage: overlapping ranges, holes, trailing bytes', () => {
  throwsTessera(parse(safetensorsBytes({ a: entry('U8', [4], [0, 4]), b: entry('U8', [2], [2, 4]) }, [1, 2, 3, 4])), 'format',
    /tensor "b" \[2, 4\] overlaps tensor "a" \[0, 4\]; expected disjoint byte ranges/);
  throwsTessera(parse(safetensorsBytes({ a: entry('U8', [2], [0, 2]), b: entry('U8', [1], [3, 4]) }, [1, 2, 3, 4])), 'format',
    /data bytes \[2, 3\) belong to no tensor; expected tensor "b" to start at 2/);
  throwsTessera(parse(safetensorsBytes({ a: entry('U8', [2], [0, 2]) }, [1, 2, 3])), 'format',
    /data section is 3 bytes but the tensors cover only \[0, 2\); expected no trailing bytes/);
  // A duplicated name: JSON.parse keeps the last entry, so the first one's bytes become a hole.
  throwsTessera(parse(safetensorsBytes('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', [1, 2])),
    'format', /data bytes \[0, 1\) belong to no tensor/);
});

test('metadata must map strings to strings', () => {
  throwsTessera(parse(safetensorsBytes({ __metadata__: { step: 3 } })), 'format', /"__metadata__" entry "step" expected a string, got 3/);
  throwsTessera(parse(safetensorsBytes({ __metadata__: ['x'] })), 'format', /"__metadata__" expected an object of strings, got \["x"\]/);
});

test('readSafetensors names the file and validates before reading tensor data', () => {
  const dir = tempDir();
  const file = path.join(dir, 'lying.safetensors');
  fs.writeFileSync(file, safetensorsBytes({ w: entry('F32', [1e12], [0, 4e12]) }, new Array(100).fill(0)));
  throwsTessera(() => readSafetensors(file), 'format', new RegExp(`${file.replace(/[.]/g, '\\.')}: tensor "w": "data_offsets"`));
  fs.writeFileSync(file, new Uint8Array(3));
  throwsTessera(() => readSafetensors(file), 'format', /expected at least 8 bytes \(the header length\), got a 3-byte file/);
  throwsTessera(() => readSafetensors(dir), 'value', /expected a regular file, got a directory/);
  fs.rmSync(dir, { recursive: true });
});

// ------------------------------------------------------------------------------------------ fuzzing

const valid = serializeSafetensors({
  weight: new Tensor(new Float32Array([1, -2, 3.5, 0.25, 8, -16]), [2, 3]),
  bias: new Tensor(new Float64Array([0.5, -0.5]), [2]),
  ids: new Tensor(new Int32Array([7, 8, 9]), [3]),
  mask: new Tensor(new Uint8Array([1, 0, 1, 1]), [2, 2]),
  half: new Tensor(new Float32Array([1, 2]), [2]),
}, { metadata: { format: 'tessera' }, f32As: (n) => (n === 'half' ? 'F16' : 'F32') });

/** Parse; if it succeeds, the result must survive a write → read round trip unchanged. */
function parsesConsistentlyOrThrowsTessera(bytes: Uint8Array): void {
  let parsed;
  try {
    parsed = parseSafetensors(bytes, 'fuzzed.safetensors');
  } catch (e) {
    if (!(e instanceof TesseraError)) throw new Error(`expected a TesseraError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.match(e.message, /^parseSafetensors: fuzzed\.safetensors/);
    return;
  }
  const again = parseSafetensors(serializeSafetensors(parsed.tensors, { metadata: parsed.metadata }));
  assert.deepEqual(again.metadata, parsed.metadata);
  for (const [name, tensor] of Object.entries(parsed.tensors)) {
    assert.equal(tensor.size, tensor.shape.reduce((a, b) => a * b, 1));
    assert.ok(sameElements(again.tensors[name]!.data, tensor.data), name);
  }
}

test('fuzz: truncations of a valid file', () => {
  for (let length = 0; length <= valid.length; length++) parsesConsistentlyOrThrowsTessera(valid.slice(0, length));
});

test('fuzz: random byte mutations of a valid file', () => {
  const mutation = fc.array(fc.record({ at: fc.nat({ max: valid.length - 1 }), byte: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 8 });
  fc.assert(fc.property(mutation, (changes) => {
    const bytes = valid.slice();
    for (const { at, byte } of changes) bytes[at] = byte;
    parsesConsistentlyOrThrowsTessera(bytes);
  }), { numRuns: 2000, seed: 20240601 });
});

test('fuzz: header text edits (digits and structure) and appended or removed bytes', () => {
  const headerLength = Number(new DataView(valid.buffer).getBigUint64(0, true));
  const edit = fc.record({
    at: fc.nat({ max: headerLength - 1 }),
    text: fc.constantFrom('0', '9', '-1', '1e9', '"', ',', '{', '}', '[', ']', 'null', '4294967296', ' '),
    cut: fc.nat({ max: 4 }),
    tail: fc.array(fc.nat({ max: 255 }), { maxLength: 4 }),
  });
  fc.assert(fc.property(edit, ({ at, text, cut, tail }) => {
    const header = new TextDecoder().decode(valid.subarray(8, 8 + headerLength));
    const edited = header.slice(0, at) + text + header.slice(at + cut);
    parsesConsistentlyOrThrowsTessera(safetensorsBytes(edited, [...valid.subarray(8 + headerLength), ...tail]));
  }), { numRuns: 2000, seed: 7 });
});
