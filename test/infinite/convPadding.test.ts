// conv with strides and circular padding: the finite layer's shapes; the kernel of a circular conv stack
// under global average pooling is invariant to rolling an input (a torus has no edges), which zero padding
// breaks; a 1×1 kernel is the same for every padding; bad settings are errors. Monte Carlo: monteCarlo.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { Tensor, random } from '../../src/tensor/index.js';
import { conv, flatten, globalAvgPool, kernelFn, relu, serial, StaxNetwork } from '../../src/infinite/index.js';

/** x [N, C, H, W] rolled by one pixel down and two to the right. */
function roll(x: Tensor): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const out = new Float64Array(x.size);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    out[((n * C + c) * H + (h + 1) % H) * W + (w + 2) % W] = x.data[((n * C + c) * H + h) * W + w]!;
  }
  return new Tensor(out, x.shape);
}

test('circular conv stacks under global pooling are invariant to rolling the input; zero padding is not', () => {
  const x = random.normal(key(1), [2, 2, 5, 5], { dtype: 'f64' });
  const stack = (padding: 'circular' | 'same') => serial(conv(4, 3, { padding, wStd: 1.3, bStd: 0.1 }), relu(), conv(4, 3, { padding, wStd: 1.2 }), relu(), globalAvgPool());
  const a = kernelFn(stack('circular'), x), b = kernelFn(stack('circular'), roll(x), x);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(a.nngp[i]! - b.nngp[i]!) <= 1e-12 * Math.abs(a.nngp[i]!), `NNGP ${i}`);
    assert.ok(Math.abs(a.ntk[i]! - b.ntk[i]!) <= 1e-12 * Math.abs(a.ntk[i]!), `NTK ${i}`);
  }
  const z = kernelFn(stack('same'), x), zr = kernelFn(stack('same'), roll(x), x);
  assert.ok(Math.abs(z.nngp[0]! - zr.nngp[0]!) > 1e-6, 'zero padding sees the edges');
  const one = (padding: 'circular' | 'same' | 'valid') => kernelFn(serial(conv(3, 1, { padding, wStd: 1.1, bStd: 0.2 }), relu(), globalAvgPool()), x).nngp;
  assert.deepEqual(Array.from(one('circular')), Array.from(one('same')));
  assert.deepEqual(Array.from(one('valid')), Array.from(one('same')));
});

test('strided and circular convs: output shapes of the finite layer and the kernel agree; bad settings are errors', () => {
  const x = random.normal(key(2), [2, 1, 6, 6], { dtype: 'f64' });
  for (const [padding, stride, side] of [['valid', 2, 2], ['same', 2, 3], ['circular', 2, 3], ['circular', 1, 6], ['valid', 3, 2]] as const) {
    const layer = conv(4, 3, { padding, stride });
    assert.deepEqual(new StaxNetwork(layer, key(3), [1, 6, 6]).forward(x).shape, [2, 4, side, side], `${padding} stride ${stride}`);
    const pooled = kernelFn(serial(layer, flatten()), x), net = new StaxNetwork(serial(layer, flatten()), key(3), [1, 6, 6]);
    assert.equal(net.forward(x).shape[1], 4 * side * side, `${padding} stride ${stride} flattened`);
    assert.equal(pooled.nngp.length, 4, 'a kernel over the two inputs');
  }
  assert.throws(() => conv(4, 2, { padding: 'circular' }), /odd sizes/);
  assert.throws(() => conv(4, 3, { stride: 0 }), /stride/);
});
