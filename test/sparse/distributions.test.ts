// Sparsity distributions and fan-in arithmetic: the research note's check numbers, an ERK hand
// example with densification, kernel-aware raw probabilities, and a property test of the global budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key, randintValues, uniformValues } from '../../src/core/random.js';
import { constantFanIn, formatDistribution, keptCount, layerDensities } from '../../src/sparse/index.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('fan-in arithmetic: 768×3072 at 90% keeps 235,929 weights, k = 307; 80/95/99% give 614/153/30; 100 ablated rows give k\' = 353', () => {
  const shape = [768, 3072];
  assert.equal(keptCount(768 * 3072, 1 - 0.9), 235_929);
  assert.equal(constantFanIn(shape, 1 - 0.9), 307);
  assert.deepEqual([0.8, 0.95, 0.99].map((s) => constantFanIn(shape, 1 - s)), [614, 153, 30]);
  assert.equal(constantFanIn(shape, 1 - 0.9, 100), 353); // 235,929 // 668
  assert.equal(keptCount(100, 1 - 0.9), 10); // float error in 1 − 0.9 does not lose a weight
  assert.throws(() => constantFanIn(shape, 0.1, 768), /ablated/);
});

test('ERK hand example: two overflowing layers are densified and the third takes the rest of the budget', () => {
  // raw = Σshape/Πshape: A 104/400 = 0.26, B 200/10000 = 0.02, C 110/1000 = 0.11. Global density 0.5 →
  // budget 5700. Round 1: ε = 5700/414 = 13.77 → A (3.58) and C (1.51) overflow. Round 2: ε = (5000 −
  // 200 − 500)/200 = 21.5 → B density 0.43, so 400 + 1000 + 4300 = 5700.
  const layers = [{ name: 'A', shape: [4, 100] }, { name: 'B', shape: [100, 100] }, { name: 'C', shape: [10, 100] }];
  const r = layerDensities(layers, { sparsity: 0.5, distribution: 'erk' });
  assert.deepEqual(r.layers.map((l) => l.dense), [true, false, true]);
  close(r.layers[1]!.density, 0.43);
  assert.deepEqual(r.layers.map((l) => l.nnz), [400, 4300, 1000]);
  assert.equal(r.nnz, 5700);
  close(r.density, 0.5);
  assert.deepEqual(r.layers.map((l) => l.fanIn), [100, 43, 100]);
  assert.match(formatDistribution(r), /B\s+\[100×100\]\s+10000\s+0\.4300\s+4300\s+43\s+100/);
});

test('ERK is kernel-aware: a conv layer\'s density is ε·(Σshape/Πshape) including kh, kw', () => {
  const layers = [{ name: 'conv', shape: [16, 8, 3, 3] }, { name: 'fc', shape: [10, 400] }];
  const r = layerDensities(layers, { sparsity: 0.9, distribution: 'erk' });
  const raw = [(16 + 8 + 3 + 3) / (16 * 8 * 9), (10 + 400) / 4000];
  close(r.layers[0]!.density / r.layers[1]!.density, raw[0]! / raw[1]!, 1e-12);
  // The budget is Σ floor(N_l·d) (CS counts n_ones per layer), here 115 + 400 of 5152.
  close(r.density, (115 + 400) / 5152);
  assert.equal(r.layers[0]!.denseFanIn, 72);
  // erkPower 0 makes every raw probability 1: uniform.
  const flat = layerDensities(layers, { sparsity: 0.9, distribution: 'erk', erkPower: 0 });
  close(flat.layers[0]!.density, 515 / 5152);
  close(flat.layers[1]!.density, 515 / 5152);
});

test('uniform with the first layer dense keeps the global budget; an impossible budget is an error', () => {
  const layers = [{ name: 'a', shape: [20, 10] }, { name: 'b', shape: [30, 10] }, { name: 'c', shape: [5, 30] }];
  const r = layerDensities(layers, { sparsity: 0.5, distribution: 'uniform', firstLayerDense: true });
  assert.equal(r.layers[0]!.density, 1);
  close(r.layers[1]!.density, 125 / 450); // (650·0.5 − 200) / 450
  close(r.layers[2]!.density, 125 / 450);
  close(r.density, 0.5);
  const plain = layerDensities(layers, { sparsity: 0.5, distribution: 'uniform' });
  assert.ok(plain.layers.every((l) => l.density === 0.5));
  assert.throws(() => layerDensities(layers, { sparsity: 0.8, distribution: 'uniform', firstLayerDense: true }), /covers the dense layers/);
  assert.throws(() => layerDensities(layers, { sparsity: 0.5, distribution: 'gaussian' as 'erk' }), /distribution/);
  assert.throws(() => layerDensities(layers, { sparsity: 1, distribution: 'erk' }), /sparsity/);
  assert.throws(() => layerDensities(layers, { sparsity: 0.5, distribution: 'erk', bogus: 1 } as never), /unknown option 'bogus'/);
});

test('property: for random layer shapes and sparsities, ERK and uniform hit the global budget and every density is in (0, 1]', () => {
  for (let trial = 0; trial < 200; trial++) {
    const k = key(1000 + trial);
    const n = 1 + (randintValues(k, 1, 0, 5)[0]!);
    const dims = randintValues(key(2000 + trial), n * 4, 1, 60);
    const layers = Array.from({ length: n }, (_, i) => {
      const conv = dims[i * 4]! % 2 === 0;
      return { name: `l${i}`, shape: conv ? [dims[i * 4]!, dims[i * 4 + 1]!, 1 + (dims[i * 4 + 2]! % 5), 1 + (dims[i * 4 + 3]! % 5)] : [dims[i * 4]!, dims[i * 4 + 1]!] };
    });
    const sparsity = 0.5 + 0.49 * uniformValues(key(3000 + trial), 1, 'f64')[0]!;
    const sizes = layers.map((l) => l.shape.reduce((p, d) => p * d, 1)), total = sizes.reduce((a, b) => a + b, 0);
    const firstLayerDense = n > 1 && trial % 3 === 0 && sizes[0]! < 0.5 * total * (1 - sparsity);
    for (const distribution of ['erk', 'uniform'] as const) {
      const r = layerDensities(layers, { sparsity, distribution, firstLayerDense });
      if (firstLayerDense) assert.equal(r.layers[0]!.density, 1);
      // ERK's budget is Σ floor(N_l·d) (the note's n_ones), uniform's is N_total·d.
      const budget = distribution === 'erk' ? sizes.reduce((a, m) => a + keptCount(m, 1 - sparsity), 0) : total * (1 - sparsity);
      close(r.density * total, budget, 1e-9);
      for (const l of r.layers) assert.ok(l.density > 0 && l.density <= 1 + 1e-12, `${distribution} ${l.name} density ${l.density}`);
      const target = r.size * (1 - sparsity);
      // Flooring the budget and then each layer's count loses at most one weight per layer each time.
      assert.ok(r.nnz <= target + 1e-6 && r.nnz > target - 2 * n - 1e-6, `nnz ${r.nnz} vs ${target}`);
    }
  }
});
