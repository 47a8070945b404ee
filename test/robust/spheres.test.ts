// On-manifold PGD and the adversarial-spheres MLP: iterates stay on each sample's sphere, the attack finds
// the error cap of a deliberately bad classifier and none for the exact radial classifier; the reference
// MLP's layer order and size; a smaller-than-quick run of the spheres task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import { adversarialSpheres } from '../../src/data/index.js';
import { BatchNorm, Linear } from '../../src/nn/index.js';
import { Tensor, add, matmul, mul, sum, tensor } from '../../src/tensor/index.js';
import { accuracyOn, adversarialSpheresMlp, onManifoldPgd, projectToSpheres, rowNorms, type Classifier } from '../../src/robust/index.js';
import { useBackend } from '../../src/cli/backend.js';
import { runSpheresTask, spheresReport, SPHERES_QUICK } from '../../src/experiments/spheresTask.js';

/** Two logits [−f/2, f/2] with f = a(‖x‖² − c) + b·x₀ (class 1 = outer sphere when f > 0). */
function sphereClassifier(d: number, a: number, b: number, c = 1.15 ** 2): Classifier {
  const e0 = tensor(Float64Array.from({ length: d }, (_, j) => (j === 0 ? b : 0)), [d, 1]);
  const halves = tensor(Float64Array.from([-0.5, 0.5]), [1, 2]);
  return (x) => mul(add(add(mul(sum(mul(x, x), 1, true), a), -a * c), matmul(x, e0)), halves);
}

test('on-manifold PGD: every iterate stays on the sample’s own sphere to 1e-9 (f64)', () => {
  const { x, y } = adversarialSpheres(key(11), { n: 40, dim: 10, dtype: 'f64' });
  const radii = rowNorms(x.data, 40, 'l2');
  let calls = 0;
  onManifoldPgd(sphereClassifier(10, 2, 1), x, y, {
    steps: 25, keep: 'final',
    onStep: (k, it) => {
      calls++;
      assert.equal(k, calls);
      rowNorms(it, 40, 'l2').forEach((r, i) => assert.ok(Math.abs(r - radii[i]!) < 1e-9, `step ${k} row ${i}: ${r} vs ${radii[i]}`));
    },
  });
  assert.equal(calls, 25);
});

test('on-manifold PGD finds the error caps of a deliberately bad classifier, and no error of the exact one', () => {
  const n = 100, d = 10;
  const { x, y } = adversarialSpheres(key(5), { n, dim: d, dtype: 'f64' });
  // errors only where x₀ > 0.645 on the inner sphere or x₀/1.3 < −0.38 on the outer: rare among random points
  const bad = sphereClassifier(d, 2, 1);
  const clean = accuracyOn(bad, x, y);
  assert.ok(clean >= 0.85, `clean accuracy of the bad classifier ${clean}`);
  const r = onManifoldPgd(bad, x, y, { steps: 300 });
  const after = 1 - r.success.reduce((a, v) => a + v, 0) / n;
  assert.ok(after <= 0.05, `accuracy under on-manifold PGD ${after} (clean ${clean})`);
  // the returned points are genuine errors on the true sphere
  rowNorms(r.x.data, n, 'l2').forEach((rad, i) => assert.ok(Math.abs(rad - (y.data[i] === 1 ? 1.3 : 1)) < 1e-9, `row ${i} radius ${rad}`));
  assert.equal(accuracyOn(bad, r.x, y), after);
  // the exact classifier (threshold between the radii) has no tangential gradient and no error on the spheres
  const exact = sphereClassifier(d, 2, 0);
  assert.equal(accuracyOn(exact, x, y), 1);
  assert.equal(onManifoldPgd(exact, x, y, { steps: 50 }).success.reduce((a, v) => a + v, 0), 0);
});

test('on-manifold PGD: more steps never raise accuracy; the final iterate (reference scoring) is no stronger; clear errors', () => {
  const { x, y } = adversarialSpheres(key(8), { n: 60, dim: 10, dtype: 'f64' });
  const bad = sphereClassifier(10, 2, 1);
  const errs = (steps: number, keep?: 'final') => onManifoldPgd(bad, x, y, { steps, ...(keep && { keep }) }).success.reduce((a, v) => a + v, 0);
  assert.ok(errs(20) <= errs(60) && errs(60) <= errs(200), `${errs(20)} ${errs(60)} ${errs(200)}`);
  assert.ok(errs(60, 'final') <= errs(60));
  assert.equal(errs(0), Math.round(60 * (1 - accuracyOn(bad, x, y))));
  assert.throws(() => onManifoldPgd(bad, x, y, { stepSize: 0 }), /stepSize/);
  assert.throws(() => onManifoldPgd(bad, x, y, { radii: [1, 2] }), /radii/);
  assert.throws(() => projectToSpheres(new Float64Array(4), 2, [1, 1]), /nonzero norm/);
});

test('adversarial-spheres MLP: Linear, then [BN →] Linear → ReLU blocks, Linear to 2; reference size', () => {
  const bn = adversarialSpheresMlp(10, { key: key(0), batchNorm: true }), plain = adversarialSpheresMlp(10, { key: key(0), batchNorm: false });
  const count = (m: typeof bn) => Object.values(m.namedParameters()).reduce((a, p) => a + p.size, 0);
  // 10·1000+1000 + 2·(2·1000 + 1000·1000+1000) + 1000·2+2 (PyTorch ReLUNetwork(10, 2, 1000, 2, do_batch_norm=True))
  assert.equal(count(bn), 2_019_002);
  assert.equal(count(plain), 2_015_002);
  const kinds = bn.layers.map((l) => (l instanceof BatchNorm ? 'bn' : l instanceof Linear ? 'linear' : 'act'));
  assert.deepEqual(kinds, ['linear', 'bn', 'linear', 'act', 'bn', 'linear', 'act', 'linear']);
  assert.ok(bn.layers.filter((l) => l instanceof BatchNorm).every((l) => (l as BatchNorm).momentum === null));
});

test('spheres task (smaller than --quick): three variants, PGD never above clean, a verdict and settings note', { timeout: 120_000 }, async () => {
  const dispose = await useBackend('wasm');
  try {
    const s = { ...SPHERES_QUICK, dim: 5, trainPoints: 600, valPoints: 100, testPoints: 300, width: 32, learningRates: [0.05], epochs: 3, pgdSteps: 10 };
    const results = await runSpheresTask(s, key(0), () => {});
    assert.deepEqual(results.map((r) => r.variant), ['bn', 'none', 'none+wd']);
    for (const r of results) assert.ok(r.pgd[0]! <= r.cleanVal[0]!, `${r.variant}: PGD ${r.pgd[0]} > clean ${r.cleanVal[0]}`);
    const rep = spheresReport(results, s, true);
    assert.equal(rep.rows.length, 3);
    assert.ok(Number.isFinite(rep.metrics.spheres_bn_extra_pgd_loss));
    assert.match(rep.notes[0]!, /HOLDS here|does NOT hold here/);
    assert.match(rep.notes[1]!, /Quick mode/);
  } finally {
    await dispose();
  }
});
