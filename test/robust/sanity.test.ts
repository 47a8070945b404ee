// The built-in sanity checks pass on a healthy evaluation and fire on deliberately broken ones:
// a softmax output, a batch-norm model left in training mode, and an attack with a sign bug.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key, normalValues, uniformValues } from '../../src/core/random.js';
import { Tensor, mul, softmax } from '../../src/tensor/index.js';
import { BatchNorm, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { sgd } from '../../src/optim/index.js';
import { train } from '../../src/train/index.js';
import {
  checkMoreSteps, evaluateRobustness, makeAttack, pgd, type Attack, type Classifier, type RobustEvalOptions, type SanityCheck,
} from '../../src/robust/index.js';

const D = 8, C = 3, UNIT = { lower: 0, upper: 1 };

/** Three Gaussian blobs in [0, 1]^8 (centres 0.3/0.5/0.7 on alternating coordinates), sorted by class. */
function blobs(seed: number, perClass: number): { x: Tensor; y: Tensor } {
  const g = normalValues(key(seed), C * perClass * D, 'f64');
  const x = new Float32Array(C * perClass * D), y = new Int32Array(C * perClass);
  for (let c = 0; c < C; c++) for (let i = 0; i < perClass; i++) {
    const row = c * perClass + i;
    y[row] = c;
    for (let j = 0; j < D; j++) {
      const centre = j % C === c ? 0.75 : 0.35;
      x[row * D + j] = Math.min(1, Math.max(0, centre + 0.08 * g[row * D + j]!));
    }
  }
  return { x: new Tensor(x, [C * perClass, D]), y: new Tensor(y, [C * perClass]) };
}

let trained: Promise<Sequential> | undefined;
/** Linear → batch norm → ReLU → Linear, trained to near 100% on the blobs. */
function bnNet(): Promise<Sequential> {
  trained ??= (async () => {
    const net = new Sequential(new Linear(D, 16, { key: key(1) }), new BatchNorm(16, 1), ReLU(), new Linear(16, C, { key: key(2) }));
    await train({ model: net, optimizer: sgd({ lr: 0.1, momentum: 0.9 }), train: blobs(3, 200), epochs: 4, batchSize: 32, key: key(4) });
    return net.eval();
  })();
  return trained;
}

function run(o: Partial<RobustEvalOptions> & Pick<RobustEvalOptions, 'model'>): { failed: string[]; warnings: SanityCheck[]; result: ReturnType<typeof evaluateRobustness> } {
  const data = blobs(5, 40);
  const named = makeAttack('pgd-linf', { box: UNIT, steps: 10 });
  const warnings: SanityCheck[] = [];
  const result = evaluateRobustness({
    x: data.x, y: data.y, box: UNIT, norm: 'linf', epsilons: [0.05, 0.15, 0.3], attack: named.attack, strongerAttack: named.stronger().attack, classes: C,
    batchSize: 40, onWarning: (w) => warnings.push(w), ...o,
  });
  return { failed: result.warnings.map((w) => w.name), warnings, result };
}

test('a healthy evaluation passes every check', async () => {
  const net = await bnNet();
  const { failed, result } = run({ model: (x) => net.forward(x), module: net });
  assert.deepEqual(failed, []);
  assert.ok(result.cleanAccuracy > 0.95, `clean ${result.cleanAccuracy}`);
  assert.equal(result.points[0]!.eps, 0);
  assert.equal(result.points[0]!.robustAccuracy, result.cleanAccuracy);
  assert.ok(result.points.at(-1)!.robustAccuracy < result.cleanAccuracy);
  assert.deepEqual(result.checks.map((c) => c.name).sort(), ['eps-zero', 'eval-mode', 'gradients', 'large-eps', 'logits', 'monotone', 'more-steps', 'randomized-model', 'white-box-vs-noise', 'white-box-vs-noise', 'white-box-vs-noise']);
});

test('softmax output: the logits check fires', async () => {
  const net = await bnNet();
  const { failed, warnings } = run({ model: (x) => softmax(net.forward(x), 1), module: net });
  assert.ok(failed.includes('logits'), failed.join(', '));
  assert.match(warnings.find((w) => w.name === 'logits')!.message, /PROBABILITIES/);
});

test('eval/train mode mix-up: the eval-mode and ε = 0 checks fire for a batch-norm model left in training mode', async () => {
  const net = await bnNet();
  const saved = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, new Tensor(v.data.slice(), v.shape)]));
  try {
    net.train(true);
    const { failed } = run({ model: (x) => net.forward(x), module: net });
    assert.ok(failed.includes('eval-mode'), failed.join(', '));
    // batches of one class each: batch statistics erase the class signal, so ε = 0 ≠ clean (eval-mode) accuracy
    assert.ok(failed.includes('eps-zero'), failed.join(', '));
    assert.equal(net.training, true, 'the module is returned in the mode it came in');
  } finally {
    net.loadStateDict(saved);
    net.eval();
  }
});

test('attack with a sign bug (descending the loss): white-box-vs-noise and large-ε checks fire', async () => {
  const net = await bnNet();
  // "PGD" that minimises the true-class CE — the classic sign error
  const signBug: Attack = (m, x, y, eps) => pgd(m, x, y, { norm: 'linf', eps, box: UNIT, steps: 10, targets: y });
  const { failed } = run({ model: (x) => net.forward(x), module: net, attack: signBug, strongerAttack: undefined });
  assert.ok(failed.includes('white-box-vs-noise'), failed.join(', '));
  assert.ok(failed.includes('large-eps'), failed.join(', '));
});

test('zero gradients and "more steps help the model" are flagged', async () => {
  const constant: Classifier = (x) => new Tensor(new Float32Array(x.shape[0]! * C).fill(0).map((_, i) => (i % C === 0 ? 1 : 0)), [x.shape[0]!, C]);
  const { failed } = run({ model: constant });
  assert.ok(failed.includes('gradients'), failed.join(', '));
  assert.equal(checkMoreSteps(0.1, 0.3, 0.45, 0.01).passed, false);
  assert.equal(checkMoreSteps(0.1, 0.3, 0.29, 0.01).passed, true);
});

test('a randomized model (dropout left active at test time): the randomized-model check fires and recommends EOT', async () => {
  const net = await bnNet();
  let call = 0;
  // drop each logit of the trained net with probability 0.1, a fresh mask per call
  const dropout: Classifier = (x) => {
    const z = net.forward(x), keep = uniformValues(key(1000 + call++), z.size, 'f32');
    return mul(z, new Tensor(Float32Array.from(keep, (u) => (u < 0.1 ? 0 : 1 / 0.9)), z.shape));
  };
  const { failed, warnings } = run({ model: dropout, module: net });
  assert.ok(failed.includes('randomized-model'), failed.join(', '));
  assert.match(warnings.find((w) => w.name === 'randomized-model')!.message, /RANDOMIZED.*EOT/);
  assert.ok(!failed.includes('gradients'), 'the masked logits keep their gradients');
});
