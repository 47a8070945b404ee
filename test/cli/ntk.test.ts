// `tessera ntk kernel`: the §C value through the CLI, symmetric PSD Gram matrices for a 4-layer ReLU spec,
// x2 and --param standard, the same matrices on --backend cpu and native, and clear errors for ragged rows,
// NaN, unknown layers and mismatched dims. `tessera ntk bench`: its JSON on small Gaussian and Fashion-MNIST
// problems (a prediction that beats chance), and its option errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createNativeBackend } from '../../src/backend/native/index.js';
import { symmetricEigen } from '../../src/core/linalg.js';
import { key, normalValues } from '../../src/core/random.js';
import { kernelFn, parseArchitecture } from '../../src/infinite/index.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
const dir = mkdtempSync(join(tmpdir(), 'tessera-ntk-'));
const file = (name: string, content: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
const RELU4 = 'dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1';

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('ntk kernel: §C value K12 = 1/π, NTK diagonal 2', () => {
  const r = run('ntk', 'kernel', '--arch', `dense:${Math.SQRT2}:0 relu dense:${Math.SQRT2}:0`, '--x1', file('a.json', [[1, 0], [0, 1]]));
  assert.equal(r.status, 0, r.stderr);
  const k = JSON.parse(r.stdout) as { nngp: number[][]; ntk: number[][] };
  assert.ok(Math.abs(k.nngp[0]![1]! - 1 / Math.PI) < 1e-12);
  assert.ok(Math.abs(k.ntk[1]![1]! - 2) < 1e-12);
  assert.deepEqual(Object.keys(k), ['nngp', 'ntk']);
});

test('ntk kernel on a 4-layer ReLU spec: symmetric positive semi-definite Gram matrices; --x2 gives the cross block', () => {
  const n = 60, d = 30;
  const v = normalValues(key(4), n * d, 'f64');
  const rows = Array.from({ length: n }, (_, i) => Array.from(v.subarray(i * d, (i + 1) * d)));
  const x1 = file('x1.json', rows);
  const r = run('ntk', 'kernel', '--arch', RELU4, '--x1', x1, '--batch-size', '16');
  assert.equal(r.status, 0, r.stderr);
  const k = JSON.parse(r.stdout) as { nngp: number[][]; ntk: number[][] };
  for (const m of [k.nngp, k.ntk]) {
    assert.equal(m.length, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(m[i]![j], m[j]![i], 'symmetric');
    const { values } = symmetricEigen(Float64Array.from(m.flat()), n);
    assert.ok(values[0]! >= -1e-10 * values[n - 1]!, `PSD: smallest eigenvalue ${values[0]}`);
  }
  const cross = run('ntk', 'kernel', '--arch', RELU4, '--x1', file('x1a.json', rows.slice(0, 5)), '--x2', x1);
  assert.equal(cross.status, 0, cross.stderr);
  const c = JSON.parse(cross.stdout) as { nngp: number[][]; ntk: number[][] };
  assert.equal(c.ntk.length, 5);
  assert.equal(c.ntk[0]!.length, n);
  for (let i = 0; i < 5; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(c.ntk[i]![j]! - k.ntk[i]![j]!) < 1e-12 * Math.abs(k.ntk[i]![j]!) + 1e-15);
  const std = run('ntk', 'kernel', '--arch', 'dense:2:0.5:5', '--param', 'standard', '--x1', file('s.json', [[1, 2, 3]]));
  assert.equal(std.status, 0, std.stderr);
  assert.ok(Math.abs((JSON.parse(std.stdout) as { ntk: number[][] }).ntk[0]![0]! - 15) < 1e-12, 'standard: Θ = d·K⁰ + 1 = 3·14/3 + 1');
});

test('ntk kernel bad input: ragged rows, NaN, unknown layer, mismatched dims, bad numbers, unknown --param', () => {
  const good = file('g.json', [[1, 2], [3, 4]]);
  const expectError = (args: string[], pattern: RegExp) => {
    const r = run('ntk', 'kernel', ...args);
    assert.notEqual(r.status, 0, `${args.join(' ')} should fail`);
    assert.match(r.stderr, pattern);
  };
  expectError(['--arch', 'relu', '--x1', file('ragged.json', [[1, 2], [3]])], /rows\[1\] expected an array of length 2 \(all rows the same length\), got length 1/);
  expectError(['--arch', 'relu', '--x1', file('nan.json', '[[1, NaN]]')], /nan\.json expected JSON .*parse error/);
  expectError(['--arch', 'relu', '--x1', file('nanstr.json', [[1, 'NaN']])], /rows\[0\]\[1\] expected a number, got "NaN"/);
  expectError(['--arch', 'relu', '--x1', file('null.json', [[1, null]])], /rows\[0\]\[1\] expected a number, got null/);
  expectError(['--arch', 'dense:1:0 softmax', '--x1', good], /layer 2 "softmax": unknown layer "softmax", expected one of dense/);
  expectError(['--arch', 'dense:x:0', '--x1', good], /layer 1 "dense:x:0": W_STD expected a number/);
  expectError(['--arch', 'relu', '--x1', good, '--x2', file('three.json', [[1, 2, 3]])], /--x2 expected rows of length 2 .* got 3/);
  expectError(['--arch', 'relu', '--x1', join(dir, 'missing.json')], /missing\.json/);
  expectError(['--arch', 'relu', '--x1', good, '--param', 'mean-field'], /Allowed choices are ntk, standard/);
});

test('ntk kernel --input-shape: rows read as images for conv / pooling specs, equal to the library', () => {
  const rows = Array.from({ length: 3 }, (_, i) => Array.from(normalValues(key(40 + i), 16, 'f64')));
  const arch = 'conv:1:3:1.3:0.1:1:circular relu ( avg_pool:2 | sum_pool:2 ) fanin_sum global_avg_pool dense:1:0';
  // --backend cpu: the library call below runs on cpu, and the native image kernels differ from it by rounding
  // (their parity is test/backend/native.positions.test.ts's); here the rows must be read as the same images
  const r = run('ntk', 'kernel', '--arch', arch, '--input-shape', '1,4,4', '--x1', file('img.json', rows), '--backend', 'cpu');
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { nngp: number[][]; ntk: number[][] };
  const lib = kernelFn(parseArchitecture(arch), { data: Float64Array.from(rows.flat()), shape: [3, 1, 4, 4] });
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    assert.equal(got.nngp[i]![j], lib.nngp[i * 3 + j]);
    assert.equal(got.ntk[i]![j], lib.ntk[i * 3 + j]);
  }
  const bad = run('ntk', 'kernel', '--arch', arch, '--input-shape', '1,3,4', '--x1', file('img2.json', rows));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--input-shape 1,3,4 expected rows of length 12, got 16/);
  const malformed = run('ntk', 'kernel', '--arch', arch, '--input-shape', '4x4', '--x1', file('img3.json', rows));
  assert.match(malformed.stderr, /--input-shape expects C,H,W/);
});

const nativeOk = createNativeBackend().ok;

test('ntk kernel: --backend cpu and --backend native give the same matrices (1e-12 relative)', { skip: nativeOk ? false : 'native addon not built' }, () => {
  const n = 40, d = 25;
  const v = normalValues(key(5), n * d, 'f64');
  const x1 = file('xb.json', Array.from({ length: n }, (_, i) => Array.from(v.subarray(i * d, (i + 1) * d))));
  const get = (backend: string) => {
    const r = run('ntk', 'kernel', '--arch', RELU4, '--x1', x1, '--batch-size', '16', '--backend', backend, '--threads', '2');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`backend ${backend}`));
    return JSON.parse(r.stdout) as { nngp: number[][]; ntk: number[][] };
  };
  const cpu = get('cpu'), native = get('native');
  for (const m of ['nngp', 'ntk'] as const) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const a = cpu[m][i]![j]!, b = native[m][i]![j]!;
      assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(a), `${m}[${i}][${j}]: cpu ${a}, native ${b}`);
    }
  }
});

interface BenchJson {
  n: number; d: number; kernel_s: number; predict_s: number; total_s: number; backend: string; threads: number; test: number; data: string;
  kernel_train_s: number; kernel_test_s: number; load_s: number; test_accuracy: number; peak_rss_mib: number; kernels_mib: number;
}

const bench = (...args: string[]): BenchJson => {
  const r = run('ntk', 'bench', '--json', ...args);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one JSON line');
  return JSON.parse(lines[0]!) as BenchJson;
};

test('ntk bench --json: the required keys, consistent times, and a t = ∞ NTK prediction that beats chance on Gaussian inputs', () => {
  for (const backend of nativeOk ? ['cpu', 'native'] : ['cpu']) {
    const j = bench('--n', '150', '--test', '60', '--inputs', 'gaussian', '--d', '16', '--backend', backend, '--batch-size', '64');
    for (const k of ['n', 'd', 'kernel_s', 'predict_s', 'total_s', 'backend']) assert.ok(k in j, `key ${k}`);
    assert.equal(j.n, 150);
    assert.equal(j.d, 16);
    assert.equal(j.test, 60);
    assert.equal(j.backend, backend);
    assert.match(j.data, /^gaussian/);
    assert.ok(Math.abs(j.kernel_s - (j.kernel_train_s + j.kernel_test_s)) < 1e-9, 'kernel_s = train + test kernels');
    assert.ok(j.total_s >= j.kernel_s + j.predict_s + j.load_s - 1e-9, 'total covers the parts');
    assert.ok(j.test_accuracy > 0.3, `test accuracy ${j.test_accuracy} (chance 0.1, linear-teacher labels)`);
    assert.ok(j.peak_rss_mib > 10 && j.kernels_mib === (2 * (150 * 150 + 60 * 150) * 8) / 2 ** 20);
  }
});

test('ntk bench --layers --json: one row per newer layer with its family baseline, ratios consistent', () => {
  const j = bench('--layers', '--n', '40', '--image-n', '6', '--image-side', '4') as unknown as { rows: { family: string; layer: string; arch: string; n: number; input_shape: number[]; kernel_s: number; baseline_s: number; ratio: number }[]; backend: string };
  const families = new Set(j.rows.map((r) => r.family));
  assert.deepEqual([...families], ['vectors', 'images']);
  for (const f of families) {
    const rows = j.rows.filter((r) => r.family === f);
    assert.match(rows[0]!.layer, /baseline/);
    assert.ok(rows.length >= 5, `${f}: ${rows.length} layers`);
    for (const r of rows) {
      assert.ok(r.kernel_s > 0 && r.baseline_s === rows[0]!.kernel_s, `${r.layer}: times`);
      assert.ok(Math.abs(r.ratio - r.kernel_s / r.baseline_s) < 1e-12);
      assert.equal(r.n, f === 'vectors' ? 40 : 6);
      assert.deepEqual(r.input_shape, f === 'vectors' ? [784] : [1, 4, 4]);
    }
  }
  assert.ok(j.rows.some((r) => r.arch.includes('fanin_prod')) && j.rows.some((r) => r.arch.includes('sum_pool')));
});

test('ntk bench on real Fashion-MNIST (when installed): d = 784, well above chance', { skip: existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') ? false : 'Fashion-MNIST not installed' }, () => {
  const j = bench('--n', '300', '--test', '100', '--backend', 'cpu');
  assert.match(j.data, /^fashion-mnist/);
  assert.equal(j.d, 784);
  assert.ok(j.test_accuracy > 0.6, `test accuracy ${j.test_accuracy}`);
});

test('ntk bench bad options: --d with Fashion-MNIST, a missing data directory, a non-positive --n, an unknown --inputs', () => {
  const expectError = (args: string[], pattern: RegExp) => {
    const r = run('ntk', 'bench', ...args);
    assert.notEqual(r.status, 0, `${args.join(' ')} should fail`);
    assert.match(r.stderr, pattern);
  };
  expectError(['--inputs', 'fashion-mnist', '--d', '100', '--n', '10', '--test', '5'], /--d expected 784 with Fashion-MNIST inputs/);
  expectError(['--inputs', 'fashion-mnist', '--data', join(dir, 'nowhere'), '--n', '10', '--test', '5'], /nowhere.*train-images-idx3-ubyte/);
  expectError(['--data', join(dir, 'nowhere'), '--n', '10', '--test', '5'], /nowhere.*train-images-idx3-ubyte/); // --data: no silent Gaussian fallback
  expectError(['--n', '0'], /--n expects a positive integer, got "0"/);
  expectError(['--inputs', 'mnist'], /Allowed choices are auto, fashion-mnist, gaussian/);
  expectError(['--inputs', 'gaussian', '--n', '10', '--test', '5', '--diag-reg', '-1'], /--diag-reg expects a non-negative number/);
});
