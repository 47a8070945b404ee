// MI estimators and the input-compression bound against research/kernels-bounds.md "Checks": the
// deterministic MI case (S matrix, InfoNCE 0.763091 nats, LOO 3.959801 nats = 5.712786 bits), the expected
// values over ε (≈ 0.821, ≈ 4.50), the ICB table (ln(1/δ) | ln(2/δ)), options and the collapse guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withBackend } from '../../src/backend/registry.js';
import { engineBackends } from '../support/backends.js';
import { key } from '../../src/core/random.js';
import { ensembleInformation, generalizationRecord, icbCalculation, inputCompressionBound, mutualInformationBounds, signAccuracy } from '../../src/bounds/index.js';
import { dense, erf, kernelFn, serial } from '../../src/infinite/index.js';
import { random } from '../../src/tensor/index.js';

const close = (a: number, e: number, tol: number, what: string) => assert.ok(Math.abs(a - e) <= tol, `${what}: got ${a}, expected ${e} ± ${tol}`);
const toy = { mean: Float64Array.from([0, 1, 3]), n: 3, outputs: 1, covariance: Float64Array.from([0.25, 0.25, 0.25]) };

const backends = await engineBackends();

test('deterministic case: μ = [0, 1, 3], var 0.25, ε = [0.5, −1, 0.2] → S, InfoNCE 0.763091, LOO 3.959801 nats (5.712786 bits)', () => {
  const r = mutualInformationBounds(toy, { noise: Float64Array.from([0.5, -1, 0.2]) });
  const S = [[-0.350791, -1.350791, -15.350791], [-0.725791, -0.725791, -12.725791], [-19.445791, -9.045791, -0.245791]];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(r.scores[i * 3 + j]!, S[i]![j]!, 1e-6, `S[${i}][${j}]`);
  close(r.lowerNats, 0.763091, 1e-6, 'InfoNCE');
  close(r.upperNats, 3.959801, 1e-6, 'LOO');
  close(r.upperBits, 5.712786, 1e-6, 'LOO bits');
  close(r.logN, Math.log(3), 1e-15, 'log N');
  assert.ok(r.lowerNats <= r.logN && r.upperNats > r.logN, 'InfoNCE ≤ log N < LOO here');
});

test('expected values over ε: ≈ 0.821 (InfoNCE) and ≈ 4.50 (LOO), from 4000 seeded draws', () => {
  let lo = 0, up = 0;
  const draws = 4000;
  for (let s = 0; s < draws; s++) {
    const r = mutualInformationBounds(toy, { key: key(s) });
    lo += r.lowerNats / draws;
    up += r.upperNats / draws;
  }
  close(lo, 0.821, 0.01, 'E[InfoNCE]');
  close(up, 4.50, 0.08, 'E[LOO]');
});

for (const backend of backends) test(`[${backend.name}] options: noise floor, variance-as-std quirk, full covariance equals diagonal for diagonal matrices, bits = nats/ln 2`, () => withBackend(backend, () => {
  const noise = Float64Array.from([0.5, -1, 0.2]);
  const floored = mutualInformationBounds({ ...toy, covariance: Float64Array.from([0.15, 0.15, 0.15]) }, { noise, noiseFloor: 0.1 });
  const plain = mutualInformationBounds(toy, { noise });
  close(floored.upperNats, plain.upperNats, 1e-12, 'floor 0.1 on 0.15 = 0.25');
  // Quirk: variance 0.5 used as a standard deviation is variance 0.25 with std 0.5 → the same numbers.
  const quirk = mutualInformationBounds({ ...toy, covariance: Float64Array.from([0.5, 0.5, 0.5]) }, { noise, varianceAsStd: true });
  close(quirk.lowerNats, plain.lowerNats, 1e-12, 'quirk');
  // 2 outputs with a full diagonal covariance vs per-output variances.
  const mean = Float64Array.from([0, 1, 1, 0, 3, 2]);
  const diag = Float64Array.from([0.2, 0.3, 0.25, 0.4, 0.1, 0.5]);
  const full = new Float64Array(12);
  for (let i = 0; i < 3; i++) { full[i * 4] = diag[2 * i]!; full[i * 4 + 3] = diag[2 * i + 1]!; }
  const eps = Float64Array.from([0.1, -0.3, 1.2, 0.4, -0.8, 0.05]);
  const a = mutualInformationBounds({ mean, n: 3, outputs: 2, covariance: diag }, { noise: eps });
  const b = mutualInformationBounds({ mean, n: 3, outputs: 2, covariance: full, covarianceKind: 'full' }, { noise: eps });
  close(a.upperNats, b.upperNats, 1e-12, 'full = diagonal');
  close(a.lowerBits, a.lowerNats / Math.LN2, 1e-15, 'bits');
  // A correlated full covariance changes the answer (it is not silently diagonalised).
  full[1] = full[2] = 0.1;
  assert.notEqual(mutualInformationBounds({ mean, n: 3, outputs: 2, covariance: full, covarianceKind: 'full' }, { noise: eps }).upperNats, b.upperNats);
}));

for (const backend of backends) test(`[${backend.name}] collapse guard: t → ∞ with diag_reg = 0 collapses the train covariance → a clear error; finite t, diag_reg or a floor work`, () => withBackend(backend, () => {
  const X = random.normal(key(1), [12, 5], { dtype: 'f64' });
  const net = serial(dense(8, { wStd: 1.5, bStd: 0.1 }), erf(), dense(1, { wStd: 1.5, bStd: 0.1 }));
  const trainTrain = kernelFn(net, X);
  const yTrain = Float64Array.from({ length: 12 }, (_, i) => (i % 2 ? 1 : -1));
  const base = { trainTrain, yTrain, n: 12, get: 'ntk' as const, key: key(2) };
  assert.throws(() => ensembleInformation({ ...base, t: null }), /collapsed.*finite t, diagReg > 0 or a noiseFloor/);
  const finite = ensembleInformation({ ...base, t: 10 });
  assert.ok(Number.isFinite(finite.upperBits) && finite.lowerNats <= Math.log(12) + 1e-12);
  assert.ok(Number.isFinite(ensembleInformation({ ...base, t: null, noiseFloor: 1e-3 }).upperBits));
  assert.ok(Number.isFinite(ensembleInformation({ ...base, t: null, diagReg: 1e-2 }).upperBits));
  // Longer training → smaller train variances → more information (upper bound), in expectation; check the variances.
  const later = ensembleInformation({ ...base, t: 100 });
  assert.ok(later.variance.every((v, i) => v < finite.variance[i]!), 'variances shrink with t');
}));

test('ICB table: N = 1000 at I = 0, 2, 5, 8 bits; N = 100 and 2000 at I = 5; ln(1/δ) | ln(2/δ), δ = 0.05', () => {
  const rows: [number, number, number, number][] = [
    [1000, 0, 0.04470, 0.04842], [1000, 2, 0.05914, 0.06200], [1000, 5, 0.13228, 0.13358], [1000, 8, 0.35986, 0.36034],
    [100, 5, 0.41830, 0.42243], [2000, 5, 0.09354, 0.09446],
  ];
  for (const [m, I, c1, c2] of rows) {
    close(inputCompressionBound(I, m), c1, 5e-6, `N=${m} I=${I} ln(1/δ)`);
    close(inputCompressionBound(I, m, { c: 2 }), c2, 5e-6, `N=${m} I=${I} ln(2/δ)`);
  }
  const r = generalizationRecord({ trainAccuracy: 0.99, testAccuracy: 0.9, miBits: 5, m: 1000 });
  close(r.ge, 0.09, 1e-12, 'GE');
  assert.equal(r.held, true);
  assert.equal(generalizationRecord({ trainAccuracy: 1, testAccuracy: 0.5, miBits: 5, m: 1000 }).held, false);
  assert.equal(signAccuracy([0.3, -2, 0.1, 0], [1, -1, -1, 1]), 0.5);
});

test('bad input: NaN mean, wrong sizes, one point, bad δ, non-finite MI', () => {
  assert.throws(() => mutualInformationBounds({ ...toy, mean: Float64Array.from([0, NaN, 1]) }, { key: key(0) }), /mean\[1\] expected a finite number/);
  assert.throws(() => mutualInformationBounds({ ...toy, covariance: Float64Array.from([1, 1]) }, { key: key(0) }), /variances \[3\] or \[3, 1\]/);
  assert.throws(() => mutualInformationBounds({ ...toy, n: 1, mean: Float64Array.from([0]), covariance: Float64Array.from([1]) }, { key: key(0) }), /at least 2 points/);
  assert.throws(() => mutualInformationBounds(toy), /a random key/);
  assert.throws(() => inputCompressionBound(1, 100, { delta: 1.5 }), /delta expected a confidence parameter/);
  assert.throws(() => inputCompressionBound(Infinity, 100), /miBits expected a finite/);
});

test('icbCalculation: the bound alone, or with both accuracies GE and whether it holds; one accuracy alone is an error', () => {
  assert.deepEqual(icbCalculation({ miBits: 4, m: 50 }), { miBits: 4, m: 50, delta: 0.05, c: 1, bound: inputCompressionBound(4, 50) });
  const r = icbCalculation({ miBits: 5, m: 1000, delta: 0.1, c: 2, trainAccuracy: 1, testAccuracy: 0.5 });
  assert.deepEqual(r, { miBits: 5, m: 1000, delta: 0.1, c: 2, bound: inputCompressionBound(5, 1000, { delta: 0.1, c: 2 }), trainAccuracy: 1, testAccuracy: 0.5, ge: 0.5, held: false });
  assert.throws(() => icbCalculation({ miBits: 5, m: 10, testAccuracy: 0.5 }), /trainAccuracy expected an accuracy beside testAccuracy/);
});
