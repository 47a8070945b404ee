// The input-fault paper's CNN: 180,906 parameters, shapes, unit-norm filters, zero biases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { noGrad, zeros } from '../../src/tensor/index.js';
import { faultToleranceCnn } from '../../src/robust/index.js';

test('faultToleranceCnn: 180,906 parameters, [N, 1, 32, 32] → [N, 10], unit-norm filters and rows, zero biases', () => {
  const net = faultToleranceCnn(key(0));
  assert.equal(net.parameterCount(), 180_906);
  assert.deepEqual(noGrad(() => net.forward(zeros([2, 1, 32, 32]))).shape, [2, 10]);
  const p = net.namedParameters();
  for (const [name, w] of Object.entries(p)) {
    if (name.endsWith('bias')) { assert.ok(w.toArray().every((v) => v === 0), name); continue; }
    const rows = w.shape[0]!, d = w.size / rows;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = r * d; j < (r + 1) * d; j++) s += w.data[j]! ** 2;
      assert.ok(Math.abs(s - 1) < 1e-5, `${name} row ${r}: ‖w‖² = ${s}`);
    }
  }
  // conv filters come from a normal truncated at 2σ before normalisation: no entry beyond 2σ/‖raw‖ is possible,
  // and the same key gives the same network
  assert.deepEqual(faultToleranceCnn(key(0)).namedParameters()['0.weight']!.toArray(), p['0.weight']!.toArray());
});
