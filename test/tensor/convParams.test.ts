// conv2d's and pooling's shape rules validate every parameter, on every backend: each bad stride, padding,
// dilation, groups, kernel or weight shape is a TesseraError naming the op and the argument, raised before
// any kernel runs — through the public op and through apply(primitives.…) with resolved parameters alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import type { Tensor } from '../../src/tensor/index.js';
import { TesseraError, type ErrorKind } from '../../src/core/errors.js';
import { withBackend } from '../../src/backend/registry.js';
import { engineBackends } from '../support/backends.js';
import { randomTensor } from '../support/random.js';

const backends = await engineBackends();

function rejects(fn: () => unknown, kind: ErrorKind, op: string, arg: string, what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TesseraError, `${what}: expected a TesseraError, got ${String(e)}`);
    assert.equal(e.kind, kind, `${what}: ${e.message}`);
    assert.equal(e.op, op, `${what}: ${e.message}`);
    assert.ok(e.message.startsWith(`${op}: ${arg} expected`), `${what}: the message names ${arg}: ${e.message}`);
    return true;
  }, what);
}

const x = randomTensor(1, [2, 4, 6, 6], -1, 1, 'f32'); // [N, Cin, H, W]
const w = randomTensor(2, [6, 2, 3, 3], -1, 1, 'f32'); // [Cout, Cin/groups, kH, kW] for groups = 2
const base = { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 2 } as const;
type Resolved = T.PrimitiveParams['conv2d'];

/** [what, run, kind, argument]; each case differs from a valid call in one parameter or shape. */
const convCases: [string, () => Tensor, ErrorKind, string][] = [
  ['stride 0', () => T.conv2d(x, w, { groups: 2, stride: 0 }), 'range', 'stride'],
  ['stride 1.5', () => T.conv2d(x, w, { groups: 2, stride: 1.5 }), 'range', 'stride'],
  ['stride [1, -1]', () => T.conv2d(x, w, { groups: 2, stride: [1, -1] }), 'range', 'stride'],
  ['stride NaN', () => T.conv2d(x, w, { groups: 2, stride: NaN }), 'range', 'stride'],
  ['stride of three entries', () => T.conv2d(x, w, { groups: 2, stride: [1, 1, 1] as unknown as [number, number] }), 'range', 'stride'],
  ['dilation 0', () => T.conv2d(x, w, { groups: 2, dilation: 0 }), 'range', 'dilation'],
  ['dilation [2, 0.5]', () => T.conv2d(x, w, { groups: 2, dilation: [2, 0.5] }), 'range', 'dilation'],
  ['padding -1', () => T.conv2d(x, w, { groups: 2, padding: -1 }), 'range', 'padding'],
  ['padding 0.5', () => T.conv2d(x, w, { groups: 2, padding: 0.5 }), 'range', 'padding'],
  ['padding [1, 2, 3]', () => T.conv2d(x, w, { groups: 2, padding: [1, 2, 3] as unknown as [number, number] }), 'range', 'padding'],
  ['padding 2³¹ (beyond 32-bit kernel indices)', () => T.conv2d(x, w, { groups: 2, padding: 2 ** 31 }), 'range', 'padding'],
  ['padding 2³⁰ (an output beyond 32-bit indices)', () => T.conv2d(x, w, { groups: 2, padding: 2 ** 30 }), 'range', 'output'],
  ['groups 0', () => T.conv2d(x, w, { groups: 0 }), 'range', 'groups'],
  ['groups 1.5', () => T.conv2d(x, w, { groups: 1.5 }), 'range', 'groups'],
  ['groups 3 (not a divisor of Cin = 4)', () => T.conv2d(x, w, { groups: 3 }), 'shape', 'groups'],
  ['groups 4 (not a divisor of Cout = 6)', () => T.conv2d(x, randomTensor(3, [6, 1, 3, 3], -1, 1, 'f32'), { groups: 4 }), 'shape', 'groups'],
  ['weight dimension 1 ≠ Cin/groups', () => T.conv2d(x, w, { groups: 1 }), 'shape', 'weight'],
  ['a 0×3 kernel', () => T.conv2d(x, T.zeros([6, 2, 0, 3]), { groups: 2 }), 'shape', 'weight'],
  ['kernel larger than the padded input', () => T.conv2d(x, T.zeros([6, 2, 7, 7]), { groups: 2, padding: [0, 0] }), 'shape', 'x'],
  ['dilated kernel larger than the input', () => T.conv2d(x, w, { groups: 2, dilation: 3 }), 'shape', 'x'],
  ['x of rank 3', () => T.conv2d(T.zeros([4, 6, 6]), w, { groups: 2 }), 'shape', 'x'],
  ['weight of rank 3', () => T.conv2d(x, T.zeros([6, 2, 3]), { groups: 2 }), 'shape', 'weight'],
  ['integer x', () => T.conv2d(T.zeros([2, 4, 6, 6], 'i32'), T.zeros([6, 2, 3, 3], 'i32'), { groups: 2 }), 'dtype', 'x'],
  ['weight f64 for x f32', () => T.conv2d(x, T.zeros([6, 2, 3, 3], 'f64'), { groups: 2 }), 'dtype', 'weight'],
  // Resolved parameters given straight to the primitive: the shape rule is the only check.
  ['apply with stride [0, 1]', () => T.apply(T.primitives.conv2d, [x, w], { ...base, stride: [0, 1] } as Resolved), 'range', 'stride'],
  ['apply with padding [-2, 0, 0, 0]', () => T.apply(T.primitives.conv2d, [x, w], { ...base, padding: [-2, 0, 0, 0] } as Resolved), 'range', 'padding'],
  ['apply with dilation [1, 0]', () => T.apply(T.primitives.conv2d, [x, w], { ...base, dilation: [1, 0] } as Resolved), 'range', 'dilation'],
  ['apply with groups -2', () => T.apply(T.primitives.conv2d, [x, w], { ...base, groups: -2 } as Resolved), 'range', 'groups'],
  ['apply with a padding of two entries', () => T.apply(T.primitives.conv2d, [x, w], { ...base, padding: [1, 1] } as unknown as Resolved), 'range', 'padding'],
];

const p = randomTensor(4, [2, 3, 5, 5], -1, 1, 'f32');
type PoolResolved = T.PrimitiveParams['maxPool2d'];
const poolBase: PoolResolved = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] };
const poolCases = (name: 'maxPool2d' | 'avgPool2d', pool: typeof T.maxPool2d): [string, () => Tensor, ErrorKind, string][] => [
  ['kernelSize 0', () => pool(p, { kernelSize: 0 }), 'range', 'kernelSize'],
  ['kernelSize [2, 1.5]', () => pool(p, { kernelSize: [2, 1.5] }), 'range', 'kernelSize'],
  ['no kernelSize', () => pool(p, {} as { kernelSize: number }), 'range', 'kernelSize'],
  ['stride 0', () => pool(p, { kernelSize: 2, stride: 0 }), 'range', 'stride'],
  ['stride -1', () => pool(p, { kernelSize: 2, stride: [1, -1] }), 'range', 'stride'],
  ['padding -1', () => pool(p, { kernelSize: 2, padding: -1 }), 'range', 'padding'],
  ['padding more than half the kernel', () => pool(p, { kernelSize: 2, padding: 2 }), 'range', 'padding'],
  ['kernel larger than the input', () => pool(p, { kernelSize: 6 }), 'shape', 'x'],
  ['x of rank 3', () => pool(T.zeros([3, 5, 5]), { kernelSize: 2 }), 'shape', 'x'],
  ['integer x', () => pool(T.zeros([2, 3, 5, 5], 'i32'), { kernelSize: 2 }), 'dtype', 'x'],
  ['apply with stride [2, 0]', () => T.apply(T.primitives[name], [p], { ...poolBase, stride: [2, 0] }), 'range', 'stride'],
  ['apply with padding [0, -1]', () => T.apply(T.primitives[name], [p], { ...poolBase, padding: [0, -1] }), 'range', 'padding'],
  ['apply with kernel [NaN, 2]', () => T.apply(T.primitives[name], [p], { ...poolBase, kernel: [NaN, 2] }), 'range', 'kernelSize'],
];

for (const backend of backends) {
  test(`conv2d: every bad parameter is a TesseraError naming conv2d and the argument (${backend.name})`, () => {
    withBackend(backend, () => {
      for (const [what, run, kind, arg] of convCases) rejects(run, kind, 'conv2d', arg, what);
    });
  });

  for (const [name, pool] of [['maxPool2d', T.maxPool2d], ['avgPool2d', T.avgPool2d]] as const) {
    test(`${name}: every bad parameter is a TesseraError naming ${name} and the argument (${backend.name})`, () => {
      withBackend(backend, () => {
        for (const [what, run, kind, arg] of poolCases(name, pool)) rejects(run, kind, name, arg, what);
      });
    });
  }

  test(`conv1d names itself and its own option forms (${backend.name})`, () => {
    withBackend(backend, () => {
      const x1 = T.zeros([1, 2, 8]), w1 = T.zeros([2, 1, 3]);
      rejects(() => T.conv1d(x1, w1, { groups: 2, stride: 0 }), 'range', 'conv1d', 'stride', 'stride 0');
      rejects(() => T.conv1d(x1, w1, { groups: 2, padding: [2, -1] }), 'range', 'conv1d', 'padding', 'padding [2, -1]');
      rejects(() => T.conv1d(x1, w1, { groups: 2, dilation: 1.5 }), 'range', 'conv1d', 'dilation', 'dilation 1.5');
      rejects(() => T.conv1d(x1, w1, { groups: 0 }), 'range', 'conv1d', 'groups', 'groups 0');
    });
  });
}

test('the valid neighbours of the bad cases run, with equal results on every backend', () => {
  const reference = T.conv2d(x, w, { groups: 2, stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2] });
  const pooled = T.maxPool2d(p, { kernelSize: 3, stride: 2, padding: 1 });
  assert.deepEqual(reference.shape, [2, 6, 3, 5]);
  assert.deepEqual(pooled.shape, [2, 3, 3, 3]);
  for (const backend of backends) {
    withBackend(backend, () => {
      const y = T.conv2d(x, w, { groups: 2, stride: [2, 1], padding: [1, 0, 2, 1], dilation: [1, 2] });
      y.data.forEach((v, i) => assert.ok(Math.abs(v - reference.data[i]!) <= 1e-5 * (1 + Math.abs(reference.data[i]!)), `${backend.name} conv2d[${i}]`));
      assert.deepEqual(T.maxPool2d(p, { kernelSize: 3, stride: 2, padding: 1 }).toArray(), pooled.toArray(), `${backend.name} maxPool2d`);
    });
  }
});
