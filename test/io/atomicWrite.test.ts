// Atomic writes: the target holds the old or the new contents, never a mix; no temp files remain;
// failures name the file. Reads of missing files say which file was looked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isFile, readFileChecked, writeFileAtomic } from '../../src/io/atomicWrite.js';
import { ensureDirectory, listDirectory, removeFile } from '../../src/io/files.js';
import { tempDir, throwsTessera } from './helpers.js';

test('writes strings, bytes and chunk lists; replaces an existing file and keeps its mode', () => {
  const dir = tempDir();
  const file = path.join(dir, 'out.txt');
  writeFileAtomic(file, 'héllo');
  assert.equal(fs.readFileSync(file, 'utf8'), 'héllo');
  fs.chmodSync(file, 0o600);
  writeFileAtomic(file, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...fs.readFileSync(file)], [1, 2, 3]);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  writeFileAtomic(file, [new Uint8Array([9]), new Uint8Array(0), new Uint8Array([8, 7])]);
  assert.deepEqual([...fs.readFileSync(file)], [9, 8, 7]);
  assert.deepEqual(fs.readdirSync(dir), ['out.txt']);
  fs.rmSync(dir, { recursive: true });
});

test('a failed write leaves the old file intact and no temp file', () => {
  const dir = tempDir();
  const file = path.join(dir, 'keep.bin');
  writeFileAtomic(file, 'old');
  // A chunk list whose iteration throws half-way through the write.
  const failing = [new Uint8Array([1, 2]), null as unknown as Uint8Array];
  throwsTessera(() => writeFileAtomic(file, failing), 'value', new RegExp(`could not write ${file.replace(/[.]/g, '\\.')} \\(via temp file \\.keep\\.bin\\.`));
  assert.equal(fs.readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(fs.readdirSync(dir), ['keep.bin']);
  throwsTessera(() => writeFileAtomic(path.join(dir, 'missing-dir', 'x'), 'x'), 'value', /could not write .*missing-dir\/x .*ENOENT/);
  throwsTessera(() => writeFileAtomic(dir, 'x'), 'value', /expected a file path, got a directory/);
  fs.rmSync(dir, { recursive: true });
});

test('concurrent-looking writes in one process use distinct temp files and the last one wins', () => {
  const dir = tempDir();
  const file = path.join(dir, 'f');
  for (let i = 0; i < 50; i++) writeFileAtomic(file, String(i));
  assert.equal(fs.readFileSync(file, 'utf8'), '49');
  assert.deepEqual(fs.readdirSync(dir), ['f']);
  fs.rmSync(dir, { recursive: true });
});

test('readFileChecked: missing files, directories, and the hint', () => {
  const dir = tempDir();
  throwsTessera(() => readFileChecked(path.join(dir, 'nope.idx'), 'loadThing', 'run `make data`'), 'value',
    /^loadThing: file .*nope\.idx expected to exist, got no such file; run `make data`$/);
  throwsTessera(() => readFileChecked(dir, 'loadThing'), 'value', /expected a regular file, got a directory/);
  fs.writeFileSync(path.join(dir, 'a'), 'abc');
  assert.deepEqual([...readFileChecked(path.join(dir, 'a'), 'op')], [97, 98, 99]);
  assert.equal(isFile(path.join(dir, 'a')), true);
  assert.equal(isFile(dir), false);
  fs.rmSync(dir, { recursive: true });
});

test('directory helpers: ensureDirectory is idempotent, listDirectory of a missing dir is empty, removeFile tolerates absence', () => {
  const dir = tempDir();
  const nested = path.join(dir, 'a', 'b');
  ensureDirectory(nested);
  ensureDirectory(nested);
  assert.deepEqual(listDirectory(path.join(dir, 'a')), ['b']);
  assert.deepEqual(listDirectory(path.join(dir, 'missing')), []);
  fs.writeFileSync(path.join(nested, 'x'), '1');
  removeFile(path.join(nested, 'x'));
  removeFile(path.join(nested, 'x'));
  assert.deepEqual(listDirectory(nested), []);
  fs.writeFileSync(path.join(dir, 'file'), '');
  throwsTessera(() => ensureDirectory(path.join(dir, 'file', 'sub')), 'value', /directory .*file\/sub could not be created/);
  fs.rmSync(dir, { recursive: true });
});
