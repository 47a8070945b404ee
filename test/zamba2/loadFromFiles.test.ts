// The loader over a model directory's files in memory (loadZamba2FromFiles, what the web app uses) against the
// loader by path (loadZamba2Checkpoint, what the CLI uses): the same checkpoint — config, every tensor's values,
// tokenizer files, info — from the same directory, and the same error text, word for word, on bad directories.
// And the attention-only baseline's cache formula against its cache after a forward pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttentionBaseline, baselineCacheBytes, baselineLayerCount, loadZamba2Checkpoint, loadZamba2FromFiles, parseZamba2Config, tinyZamba2ConfigJson,
  writeTinyZamba2Checkpoint, type Zamba2Checkpoint,
} from '../../src/models/zamba2/index.js';
import { isHalfWeight } from '../../src/nn/storedWeight.js';
import { Tensor } from '../../src/tensor/tensor.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-zamba2-files-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `ck${n++}`);

/** The directory's files as the browser hands them over: name → bytes. */
const filesOf = (dir: string) => new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));

const valuesOf = (ck: Zamba2Checkpoint) => new Map([...ck.weights.named].map(([name, w]) => [name, isHalfWeight(w) ? [w.format, ...w.words.data] : Array.from((w as Tensor).data)]));

function errorText(load: () => unknown): string {
  try {
    load();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

test('loadZamba2FromFiles gives the checkpoint loadZamba2Checkpoint gives: f32, bf16 words kept, 3 shards, the blocks layout', () => {
  for (const [variant, weights] of [[{}, 'f32'], [{ dtype: 'BF16' as const }, 'stored'], [{ shards: 3 }, 'f32'], [{ layout: 'blocks' as const, duplicateShared: false }, 'f32']] as const) {
    const dir = fresh();
    writeTinyZamba2Checkpoint(dir, { seed: 3, ...variant });
    const byPath = loadZamba2Checkpoint(dir, { weights });
    const byFiles = loadZamba2FromFiles(dir, filesOf(dir), { weights });
    const what = JSON.stringify(variant);
    assert.deepEqual(byFiles.config, byPath.config, what);
    assert.deepEqual(byFiles.info, byPath.info, what);
    assert.deepEqual(byFiles.tokenizerJson, byPath.tokenizerJson, what);
    assert.deepEqual(byFiles.tokenizerConfig, byPath.tokenizerConfig, what);
    const a = valuesOf(byFiles), b = valuesOf(byPath);
    assert.deepEqual([...a.keys()], [...b.keys()], what);
    for (const [name, v] of b) assert.deepEqual(a.get(name), v, `${what} ${name}`);
    if (weights === 'stored') assert.ok(isHalfWeight(byFiles.weights.embed), 'bf16 embedding kept as words');
  }
});

test('bad directories: the in-memory loader\'s error text equals the path loader\'s', () => {
  const cases: [string, (dir: string) => void][] = [
    ['a config.json of another model', (dir) => writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', hidden_size: 32 }))],
    ['config.json that is not JSON', (dir) => writeFileSync(join(dir, 'config.json'), '{"model_type": ')],
    ['no config.json', (dir) => rmSync(join(dir, 'config.json'))],
    ['a truncated header', (dir) => truncateSync(join(dir, 'model.safetensors'), 100)],
    ['truncated tensor data', (dir) => truncateSync(join(dir, 'model.safetensors'), statSync(join(dir, 'model.safetensors')).size - 100)],
    ['no weights', (dir) => rmSync(join(dir, 'model.safetensors'))],
    ['a missing shard', (dir) => rmSync(join(dir, readdirSync(dir).find((f) => f.startsWith('model-00002'))!))],
  ];
  for (const [what, spoil] of cases) {
    const dir = fresh();
    writeTinyZamba2Checkpoint(dir, what === 'a missing shard' ? { shards: 3 } : {});
    spoil(dir);
    const expected = errorText(() => loadZamba2Checkpoint(dir));
    assert.notEqual(expected, 'no error', what);
    assert.equal(errorText(() => loadZamba2FromFiles(dir, filesOf(dir))), expected, what);
  }
});

test('a memory limit is checked before reading, in memory as on disk', () => {
  const dir = fresh();
  writeTinyZamba2Checkpoint(dir, {});
  const expected = errorText(() => loadZamba2Checkpoint(dir, { memoryLimitBytes: 1000 }));
  assert.match(expected, /needs 0\.00 GB for its weights/);
  assert.equal(errorText(() => loadZamba2FromFiles(dir, filesOf(dir), { memoryLimitBytes: 1000 })), expected);
});

test('baselineCacheBytes equals the attention-only baseline\'s cache after a forward pass', () => {
  const c = parseZamba2Config(tinyZamba2ConfigJson(64));
  const baseline = new AttentionBaseline(c, 1);
  const cache = baseline.newCache();
  baseline.forwardLast([1, 5, 9, 3, 7], cache);
  assert.equal(baselineCacheBytes(c, 5, 4), baseline.cacheBytes(cache));
  baseline.forwardLast([2], cache);
  assert.equal(baselineCacheBytes(c, 6, 4), baseline.cacheBytes(cache));
  assert.equal(baselineCacheBytes(c, 6, 4), 2 * baselineLayerCount(c) * c.hidden * 6 * 4);
});
