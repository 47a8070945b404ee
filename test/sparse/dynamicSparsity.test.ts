// The dynamic sparse training driver in real training runs of the 784-300-100-10 MLP (the training
// loop's own hooks, SGD with momentum and weight decay): invariants after every step and update, masked
// weights / gradients / momentum zero, grown weights start at 0, neuron ablation in a constructed case,
// dense-gradient accumulation, the sparse init variance, and errors that name the broken layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import * as T from '../../src/tensor/index.js';
import { Linear, mlp, smallCnn, type Module } from '../../src/nn/index.js';
import { sgd, type Optimizer } from '../../src/optim/index.js';
import { train } from '../../src/train/index.js';
import { createDynamicSparsity, type DynamicSparsity, type DynamicSparsityOptions, type LayerStats } from '../../src/sparse/index.js';

const data = { x: T.random.normal(key(11), [128, 784]), y: T.random.randint(key(12), [128], 0, 10) };
const STEPS = 16; // 8 batches of 16 × 2 epochs

interface RunLog {
  updates: number[];
  changed: number;
  grown: number;
  maxAblated: Record<string, number>;
  stats: LayerStats[];
}

/** Train with the driver's hooks; after every step check the invariants and, on update steps, the grown weights. */
async function run(model: Module, opt: Optimizer, ds: DynamicSparsity): Promise<RunLog> {
  const params = model.namedParameters();
  const log: RunLog = { updates: [], changed: 0, grown: 0, maxAblated: {}, stats: [] };
  await train({
    model, optimizer: opt, train: data, epochs: 2, batchSize: 16, key: key(13),
    onGradients: (g, s) => ds.onGradients(g, s),
    afterStep: (step) => {
      const before = ds.masks();
      ds.afterStep(step);
      ds.checkInvariants();
      const after = ds.masks(), momentum = opt.state();
      for (const [name, m] of Object.entries(after)) {
        const old = before[name]!, w = params[name]!.data, buf = momentum[name]!.momentum!.data;
        for (let i = 0; i < m.length; i++) {
          if (m[i] !== old[i]) log.changed++;
          if (m[i] && !old[i]) {
            log.grown++;
            assert.equal(w[i], 0, `grown weight ${name}[${i}] starts at 0`);
            assert.equal(buf[i], 0, `grown weight ${name}[${i}] starts with zero momentum`);
          }
        }
      }
      if (ds.schedule.isUpdateStep(step)) log.updates.push(step);
      for (const s of ds.stats()) log.maxAblated[s.name] = Math.max(log.maxAblated[s.name] ?? 0, s.ablatedRows);
    },
  });
  log.stats = ds.stats();
  // After the run: masked weights, their last gradients and momentum are exactly zero.
  const masks = ds.masks(), state = opt.state();
  for (const [name, m] of Object.entries(masks)) {
    const w = params[name]!.data, g = params[name]!.grad!.data, mom = state[name]!.momentum!.data;
    for (let i = 0; i < m.length; i++) if (!m[i]) assert.ok(w[i] === 0 && g[i] === 0 && mom[i] === 0, `${name}[${i}]: w ${w[i]}, g ${g[i]}, momentum ${mom[i]}`);
  }
  return log;
}

function setup(options: Partial<DynamicSparsityOptions>): { model: Module; opt: Optimizer; ds: DynamicSparsity } {
  const model = mlp([784, 300, 100, 10], key(10));
  const opt = sgd({ lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const ds = createDynamicSparsity(model, opt, { method: 'rigl', sparsity: 0.9, distribution: 'erk', totalSteps: STEPS, deltaT: 3, key: key(14), ...options });
  return { model, opt, ds };
}

test('RigL on the MLP: the layer budgets hold after every update, the topology changes, grown weights start at 0', async () => {
  const { model, opt, ds } = setup({ method: 'rigl' });
  // ERK at 90%: the 100×10 readout overflows and is dense; the others share the rest (research note §A).
  assert.deepEqual(ds.distribution.layers.map((l) => l.dense), [false, false, true]);
  assert.deepEqual(Object.keys(ds.masks()), ['0.weight', '2.weight']);
  const budgets = ds.stats().map((s) => s.budget);
  const log = await run(model, opt, ds);
  assert.deepEqual(log.updates, [3, 6, 9]); // T_end = floor(0.75·16) = 12
  assert.ok(log.changed > 0 && log.grown > 0, `topology changed (${log.changed} positions)`);
  assert.deepEqual(log.stats.map((s) => s.nnz), budgets);
  assert.deepEqual(log.stats.map((s) => s.updates), [3, 3, 0]);
});

test('SRigL on the MLP: constant fan-in k\' on every active row after every update, readout never ablated', async () => {
  const { model, opt, ds } = setup({ method: 'srigl', distribution: 'uniform' });
  const k0 = ds.stats().map((s) => s.fanIn);
  assert.deepEqual(k0, [78, 30, 10]); // floor(floor(N·0.1)/n_out): 23520/300, 3000/100, 100/10
  const log = await run(model, opt, ds);
  assert.equal(log.updates.length, 3);
  assert.ok(log.grown > 0);
  assert.equal(log.maxAblated['4.weight'], 0);
  for (const s of log.stats) {
    assert.equal(s.fanIn, Math.floor(s.budget / s.activeRows), s.name);
    assert.equal(s.nnz, s.fanIn! * s.activeRows, s.name);
    assert.ok(s.nnz <= s.budget);
  }
});

test('SRigL ablates rows with no salient weights (dead, tiny units) and redistributes their budget as k\' = floor(M/(rows − ablated))', async () => {
  const { model, opt, ds } = setup({ method: 'srigl', distribution: 'uniform' });
  // Rows 0–49 of the first layer: tiny weights (never in the top-n_keep |W|) and a ReLU that never fires
  // (zero gradient, so never in the top-n_prune |g|) — they must be ablated at the first update.
  const params = model.namedParameters(), w = params['0.weight']!.data, b = params['0.bias']!.data;
  for (let i = 0; i < 50 * 784; i++) w[i]! *= 1e-4;
  for (let r = 0; r < 50; r++) b[r] = -1e3;
  const log = await run(model, opt, ds);
  const first = log.stats[0]!;
  assert.ok(first.ablatedRows >= 50, `${first.ablatedRows} ablated rows`);
  assert.equal(first.fanIn, Math.floor(23520 / (300 - first.ablatedRows)));
  assert.ok(first.fanIn! > 78);
  const m = ds.masks()['0.weight']!;
  assert.equal(m.subarray(0, 50 * 784).reduce((a, x) => a + x, 0), 0);
  assert.equal(log.maxAblated['4.weight'], 0);
});

test('SRigL without ablation keeps k on every row; static keeps its masks fixed', async () => {
  const a = setup({ method: 'srigl', distribution: 'uniform', ablation: false });
  const log = await run(a.model, a.opt, a.ds);
  assert.deepEqual(log.stats.map((s) => [s.fanIn, s.ablatedRows]), [[78, 0], [30, 0], [10, 0]]);
  assert.ok(log.grown > 0);
  const s = setup({ method: 'static' });
  const before = s.ds.masks();
  const slog = await run(s.model, s.opt, s.ds);
  assert.equal(slog.changed, 0);
  assert.deepEqual(s.ds.masks(), before);
});

test('sparse init: per-row variance 2/k by default, std 2/k with the std-quirk option', () => {
  const variance = (init: 'variance' | 'std-quirk'): number => {
    const { model, ds } = setup({ method: 'srigl', distribution: 'uniform', init });
    const w = model.namedParameters()['0.weight']!.data, m = ds.masks()['0.weight']!;
    let s2 = 0, n = 0;
    for (let i = 0; i < m.length; i++) if (m[i]) { s2 += w[i]! ** 2; n++; }
    return s2 / n;
  };
  const k = 78;
  assert.ok(Math.abs(variance('variance') / (2 / k) - 1) < 0.03);
  assert.ok(Math.abs(variance('std-quirk') / (2 / k) ** 2 - 1) < 0.03);
});

test('dense gradients are averaged over gradAccumulation mini-batches before an update', () => {
  const grownWith = (n: number): number => {
    const model = new Linear(4, 2, { key: key(20) }), opt = sgd({ lr: 0.1, momentum: 0.9 });
    const ds = createDynamicSparsity(model, opt, { method: 'rigl', sparsity: 0.5, distribution: 'uniform', totalSteps: 1000, deltaT: 4, alpha: 0.5, gradAccumulation: n, key: key(21) });
    const mask = ds.masks()['weight']!;
    const [a, b] = [...mask.keys()].filter((i) => !mask[i]);
    const grad = (va: number, vb: number): T.Tensor => {
      const g = new Float32Array(8);
      g[a!] = va;
      g[b!] = vb;
      return new T.Tensor(g, [2, 4]);
    };
    for (const [s, g] of [[2, grad(10, 0)], [3, grad(-10, 6)]] as const) ds.onGradients({ weight: g }, s);
    ds.afterStep(4); // n_prune = floor(4·f(4)) = 1
    const next = ds.masks()['weight']!;
    return next[a!] ? a! : next[b!] ? b! : -1;
  };
  // Alone, the last batch favours a (|−10| > 6); averaged over two batches a cancels to 0 and b (3) wins.
  const one = grownWith(1), two = grownWith(2);
  assert.notEqual(one, two);
  assert.ok(one >= 0 && two >= 0);
});

test('a broken mask, weight or momentum makes checkInvariants throw naming the layer', () => {
  const { model, opt, ds } = setup({ method: 'srigl', distribution: 'uniform' });
  ds.checkInvariants();
  const m = ds.masks()['2.weight']!;
  const row5 = m.subarray(5 * 300, 6 * 300), row6 = m.subarray(6 * 300, 7 * 300);
  row5[row5.indexOf(0)] = 1; // row 5 now has k + 1 = 31 (and row 6 k − 1, so the layer stays in budget)
  row6[row6.indexOf(1)] = 0;
  ds.loadMasks({ '2.weight': m });
  assert.throws(() => ds.checkInvariants(), /layer '2\.weight' \(srigl\): row 5 has 31 active weights, expected the constant fan-in k' = 30/);

  const r = setup({ method: 'rigl' });
  const w = r.model.namedParameters()['0.weight']!.data, rm = r.ds.masks()['0.weight']!;
  const masked = rm.indexOf(0);
  w[masked] = 0.5;
  assert.throws(() => r.ds.checkInvariants(), /layer '0\.weight' \(rigl\): masked weight at \d+ \(row \d+\) is 0\.5, expected 0/);
  w[masked] = 0;
  r.ds.checkInvariants();
  const extra = rm.slice();
  extra[masked] = 1;
  r.ds.loadMasks({ '0.weight': extra });
  assert.throws(() => r.ds.checkInvariants(), /layer '0\.weight' \(rigl\): \d+ active weights, more than the budget/);

  // Momentum at a masked position.
  const params = model.namedParameters();
  const grads = Object.fromEntries(Object.entries(params).map(([k, p]) => [k, T.ones(p.shape)]));
  opt.step(params, grads);
  assert.throws(() => ds.checkInvariants(), /layer '0\.weight' \(srigl\): (masked weight|optimizer state 'momentum')/);
  assert.throws(() => createDynamicSparsity(model, opt, { method: 'rigl', sparsity: 0.9, totalSteps: 10, key: key(1), lastLayer: 'nope' }), /lastLayer/);
  assert.throws(() => createDynamicSparsity(model, opt, { method: 'set' as 'rigl', sparsity: 0.9, totalSteps: 10, key: key(1) }), /method/);
});

test('SRigL on a small CNN: conv rows are output channels with fan-in in·kh·kw', async () => {
  const model = smallCnn(key(30), { channels: [4, 8], batchNorm: false });
  const opt = sgd({ lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const ds = createDynamicSparsity(model, opt, { method: 'srigl', sparsity: 0.5, distribution: 'uniform', totalSteps: 4, deltaT: 1, key: key(31) });
  assert.deepEqual(ds.stats().map((s) => [s.name, s.fanIn]), [['0.weight', 4], ['3.weight', 18], ['7.weight', 196]]); // 18/4, 144/8, 1960/10
  const cnnData = { x: T.random.normal(key(32), [8, 1, 28, 28]), y: T.random.randint(key(33), [8], 0, 10) };
  let updates = 0;
  await train({
    model, optimizer: opt, train: cnnData, epochs: 2, batchSize: 4, key: key(34),
    onGradients: (g, s) => ds.onGradients(g, s),
    afterStep: (step) => {
      ds.afterStep(step);
      ds.checkInvariants();
      if (ds.schedule.isUpdateStep(step)) updates++;
    },
  });
  assert.equal(updates, 2); // T_end = 3
  assert.deepEqual(ds.stats().map((s) => s.updates), [2, 2, 2]);
  for (const s of ds.stats()) assert.equal(s.nnz, s.fanIn! * s.activeRows, s.name);
});
