// The README's library example, runnable: gradients w.r.t. inputs and weights, then a few SGD
// steps of the MLP on random data. `node dist/examples/quickstart.js` (tested in test/examples).
import { tensor, matmul, relu, sum, valueAndGrad, crossEntropy, random, backward } from '../src/index.js';
import { mlp } from '../src/nn/index.js';
import { sgd } from '../src/optim/index.js';

// Functional gradients w.r.t. inputs and weights (jax.value_and_grad style)
const x = tensor([[1, 2], [3, 4]], undefined, 'f64');
const w = random.normal(random.key(0), [2, 3], { dtype: 'f64' });
const [loss, [dx, dw]] = valueAndGrad((a, b) => sum(relu(matmul(a, b))))(x, w);
console.log(`loss ${loss.item().toFixed(4)}, dx [${dx!.shape}], dw [${dw!.shape}]`);

// Modules with named parameters (PyTorch style), backward() accumulating into .grad
const net = mlp([784, 300, 100, 10], random.key(1));
const opt = sgd({ lr: 0.05, momentum: 0.9 });
const images = random.normal(random.key(2), [32, 784]);
const labels = random.randint(random.key(3), [32], 0, 10);
const losses: number[] = [];
for (let step = 0; step < 5; step++) {
  const params = net.namedParameters();
  for (const p of Object.values(params)) p.grad = null;
  const l = crossEntropy(net.forward(images), labels);
  backward(l);
  opt.step(params, Object.fromEntries(Object.entries(params).map(([k, p]) => [k, p.grad!])));
  losses.push(l.item());
}
console.log(`MLP loss over 5 steps: ${losses.map((v) => v.toFixed(3)).join(' → ')}`);
