// The convolutional part of `tessera repro bn-vulnerability` (research note robustness.md §A: the paper's
// evidence is convolutional networks): a VGG-style CNN — two blocks of [conv3×3 → (BN) → ReLU] × 2 → max-pool
// 2×2, then a linear readout — trained three ways (BN; no normalisation; no normalisation + weight decay
// 5e-4), on Fashion-MNIST and MNIST, evaluated on clean inputs, AWGN, PGD-ℓ∞ and PGD-ℓ2 (20 steps, with
// the sanity checks' stronger PGD), and the input-dimension study (inputs upsampled ×k, BN vs weight decay).
// Grid trials: one per (dataset, seed) — the three variants, since BN is matched to the unnormalised
// model's clean accuracy — and one per (upsampling factor, variant).
//   input rows [N, side²] in pixel units → viewed as images [N, 1, side, side] → logits [N, 10]
import { foldIn, key as makeKey, type Key } from '../core/random.js';
import { paperDataset } from './paperDatasets.js';
import { BatchNorm, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Module } from '../nn/index.js';
import { reshape, type Tensor } from '../tensor/index.js';
import { accuracyOn, makeAttack, withPreprocessing, UNIT_BOX } from '../robust/index.js';
import { linePlot } from '../report/index.js';
import type { ExperimentResult } from './experiment.js';
import { batchedSuccess, evaluateVariant, mean, prepare, pts, trainVariant, type NormVariant, type Prepared, type VariantNetwork, type VariantResult } from './bnVulnerability.js';

export interface CnnStudySettings {
  datasets: ('fashion-mnist' | 'mnist')[];
  seeds: number;
  trainImages: number;
  testImages: number;
  epochs: number;
  channels: [number, number];
  lr: number;
  weightDecay: number;
  sigmas: number[];
  linfEps: number[];
  l2Eps: number[];
  pgdSteps: number;
  upsampleFactors: number[];
  dimensionTrainImages: number;
  dimensionEpochs: number;
  dimensionEps: number;
}

export const CNN_QUICK: CnnStudySettings = {
  datasets: ['fashion-mnist', 'mnist'], seeds: 1, trainImages: 2_000, testImages: 200, epochs: 2, channels: [8, 16], lr: 0.05, weightDecay: 5e-4,
  sigmas: [0.1, 0.2], linfEps: [0.02, 0.05], l2Eps: [0.5, 1], pgdSteps: 20, upsampleFactors: [1, 2], dimensionTrainImages: 1_000, dimensionEpochs: 2, dimensionEps: 0.02,
};
export const CNN_FULL: CnnStudySettings = {
  ...CNN_QUICK, seeds: 3, trainImages: 0, testImages: 1_000, epochs: 10, channels: [16, 32], upsampleFactors: [1, 2, 3, 4], dimensionTrainImages: 10_000, dimensionEpochs: 5,
};

/** The VGG-style CNN of one variant: He-normal conv weights (std √(2/fan_in), torchvision's VGG init) and zero
 *  biases for every variant; no conv bias under BN (BN's shift replaces it). */
export function vggCnn(batchNorm: boolean, key: Key, o: { channels: [number, number]; side: number }): Sequential {
  const layers: Module[] = [];
  let cin = 1, i = 0;
  for (const c of o.channels) {
    for (let r = 0; r < 2; r++, i++) {
      layers.push(new Conv2d(cin, c, 3, { key: foldIn(key, i), padding: 1, bias: !batchNorm, wStd: Math.SQRT2, bStd: 0 }));
      if (batchNorm) layers.push(new BatchNorm(c, 2));
      layers.push(ReLU());
      cin = c;
    }
    layers.push(new MaxPool2d({ kernelSize: 2 }));
  }
  const spatial = Math.floor(Math.floor(o.side / 2) / 2);
  return new Sequential(...layers, new Flatten(), new Linear(cin * spatial * spatial, 10, { key: foldIn(key, 99) }));
}

const cnnNetwork = (p: Prepared, s: CnnStudySettings): VariantNetwork => ({
  build: (v, k) => vggCnn(v === 'bn', k, { channels: s.channels, side: p.side }),
  view: (x: Tensor) => reshape(x, [x.shape[0]!, 1, p.side, p.side]),
});


export type CnnVariantResult = Omit<VariantResult, 'warnings'> & { warnings: string[] };
export type CnnTrialResult = Record<NormVariant | 'bn-final', CnnVariantResult>;

/** The three variants on one dataset and seed (BN matched to the unnormalised model's clean accuracy). */
export async function runCnnTrial(s: CnnStudySettings, dataset: 'fashion-mnist' | 'mnist', seed: number, base: number, o: { dataDir?: string; log(line: string): void }): Promise<CnnTrialResult> {
  const p = prepare(paperDataset(dataset, o.dataDir), s.trainImages, s.testImages, 1);
  const net = cnnNetwork(p, s);
  const key = foldIn(foldIn(foldIn(makeKey(base), 31), dataset === 'mnist' ? 2 : 1), seed);
  const out: Partial<CnnTrialResult> = {};
  const lite = (r: VariantResult, epoch: number): CnnVariantResult => ({ ...r, epoch, warnings: r.warnings.map((w) => `${w.name}: ${w.message}`) });
  for (const variant of ['none', 'none+wd', 'bn'] as const) {
    const target = variant === 'bn' ? out.none!.clean : undefined;
    const { model, epoch, finalState } = await trainVariant(p, variant, s, s.lr, foldIn(key, variant.length), target, net);
    const r = evaluateVariant(model, p, s, foldIn(key, 9), net);
    out[variant] = lite(r, epoch);
    o.log(`CNN ${dataset} ${variant} seed ${seed} (epoch ${epoch}): clean ${pts(r.clean)}%, AWGN ${r.noise.map(pts).join(' / ')}%, PGD-ℓ∞ ${r.linf.map(pts).join(' / ')}%, PGD-ℓ2 ${r.l2.map(pts).join(' / ')}%`);
    if (variant === 'bn') {
      if (epoch !== s.epochs) {
        model.loadStateDict(finalState);
        out['bn-final'] = lite(evaluateVariant(model.eval(), p, s, foldIn(key, 9), net), s.epochs);
      } else out['bn-final'] = out.bn;
    }
  }
  return out as CnnTrialResult;
}

export interface CnnDimensionResult { inputs: number; clean: number; robust: number }

/** One variant on Fashion-MNIST upsampled ×factor: clean and PGD-ℓ∞ accuracy at dimensionEps. */
export async function runCnnDimensionTrial(s: CnnStudySettings, factor: number, variant: 'bn' | 'none+wd', base: number, o: { dataDir?: string; log(line: string): void }): Promise<CnnDimensionResult> {
  const p = prepare(paperDataset('fashion-mnist', o.dataDir), s.dimensionTrainImages, Math.min(s.testImages, 500), factor);
  const net = cnnNetwork(p, s);
  const key = foldIn(foldIn(makeKey(base), 77_000), factor);
  const { model } = await trainVariant(p, variant, { ...s, epochs: s.dimensionEpochs }, s.lr, key, undefined, net);
  const classifier = withPreprocessing((x) => model.forward(net.view(x)), p.stats);
  const clean = accuracyOn(classifier, p.testX, p.testY);
  const attack = makeAttack('pgd-linf', { box: UNIT_BOX, steps: s.pgdSteps, key: foldIn(key, 5) }).attack;
  const robust = 1 - mean(batchedSuccess(classifier, attack, p.testX, p.testY, s.dimensionEps));
  o.log(`CNN input ${p.inputs} (×${factor}) ${variant}: clean ${pts(clean)}%, PGD-ℓ∞ ε=${s.dimensionEps} ${pts(robust)}%`);
  return { inputs: p.inputs, clean, robust };
}

/** Tables, metrics (prefixed cnn_), notes and plots of the CNN trials that are done. */
export function assembleCnnStudy(s: CnnStudySettings, trials: { dataset: string; seed: number; result: CnnTrialResult }[], dims: { factor: number; variant: string; result: CnnDimensionResult }[]): Pick<ExperimentResult, 'metrics' | 'tables' | 'notes' | 'plots'> {
  const metrics: Record<string, number> = {};
  const rows: (string | number)[][] = [], dropRows: (string | number)[][] = [], notes: string[] = [];
  const curve: { dataset: string; model: string; eps: number; accuracy: number }[] = [];
  for (const dataset of s.datasets) {
    const mine = trials.filter((t) => t.dataset === dataset);
    if (mine.length === 0) continue;
    const tagD = dataset === 'mnist' ? 'mnist' : 'fmnist';
    const avg = (v: NormVariant | 'bn-final', f: (r: CnnVariantResult) => number) => mean(mine.map((t) => f(t.result[v])));
    for (const variant of ['bn', 'none', 'none+wd', 'bn-final'] as const) {
      rows.push([dataset, variant, avg(variant, (r) => r.epoch ?? s.epochs), pts(avg(variant, (r) => r.clean)), ...s.sigmas.map((_, k) => pts(avg(variant, (r) => r.noise[k]!))), ...s.linfEps.map((_, k) => pts(avg(variant, (r) => r.linf[k]!))), ...s.l2Eps.map((_, k) => pts(avg(variant, (r) => r.l2[k]!))), mine.length]);
      const tag = `cnn_${tagD}_${variant.replace('+', '_').replace('-', '_')}`;
      metrics[`${tag}_clean`] = avg(variant, (r) => r.clean);
      s.linfEps.forEach((e, k) => { metrics[`${tag}_pgd_linf_${e}`] = avg(variant, (r) => r.linf[k]!); curve.push({ dataset, model: variant, eps: e, accuracy: avg(variant, (r) => r.linf[k]!) }); });
      s.l2Eps.forEach((e, k) => { metrics[`${tag}_pgd_l2_${e}`] = avg(variant, (r) => r.l2[k]!); });
      s.sigmas.forEach((e, k) => { metrics[`${tag}_awgn_${e}`] = avg(variant, (r) => r.noise[k]!); });
      curve.push({ dataset, model: variant, eps: 0, accuracy: avg(variant, (r) => r.clean) });
    }
    const loss = (v: NormVariant, f: (r: CnnVariantResult) => number) => 100 * (avg(v, (r) => r.clean - f(r)));
    const extra = (f: (r: CnnVariantResult) => number) => [loss('bn', f) - loss('none', f), loss('bn', f) - loss('none+wd', f)];
    for (const [kind, list, get] of [['AWGN σ', s.sigmas, (k: number) => (r: CnnVariantResult) => r.noise[k]!], ['PGD-ℓ∞ ε', s.linfEps, (k: number) => (r: CnnVariantResult) => r.linf[k]!], ['PGD-ℓ2 ε', s.l2Eps, (k: number) => (r: CnnVariantResult) => r.l2[k]!]] as const) {
      list.forEach((e, k) => {
        const [vsNone, vsWd] = extra(get(k));
        dropRows.push([dataset, `${kind}=${e}`, Number(vsNone!.toFixed(2)), Number(vsWd!.toFixed(2)), pts(avg('bn', (r) => r.clean) - avg('none', (r) => r.clean))]);
        if (kind === 'PGD-ℓ∞ ε') metrics[`cnn_${tagD}_bn_extra_linf_loss_${e}`] = vsNone!;
      });
    }
    metrics[`cnn_${tagD}_bn_extra_linf_loss_max`] = Math.max(...s.linfEps.map((e) => metrics[`cnn_${tagD}_bn_extra_linf_loss_${e}`]!));
    for (const t of mine) for (const v of ['bn', 'none', 'none+wd'] as const) for (const w of t.result[v].warnings) notes.push(`SANITY WARNING (CNN ${dataset}, ${v}, seed ${t.seed}): ${w}`);
  }
  const dimRows = dims.map((d) => [d.factor, d.result.inputs, d.variant, pts(d.result.clean), pts(d.result.robust), pts(d.result.clean - d.result.robust)]);
  for (const d of dims) metrics[`cnn_dim_x${d.factor}_${d.variant.replace('+', '_')}_pgd_linf`] = d.result.robust;
  const plots: NonNullable<ExperimentResult['plots']> = [];
  if (curve.length) plots.push({ file: 'cnn-pgd-linf-vs-eps.svg', caption: 'CNN: PGD-ℓ∞ accuracy vs ε per normalisation', spec: { data: { values: curve }, facet: { column: { field: 'dataset', type: 'nominal' } }, spec: { width: 260, height: 200, mark: { type: 'line', point: true }, encoding: { x: { field: 'eps', type: 'quantitative', title: 'ε (pixel units)' }, y: { field: 'accuracy', type: 'quantitative' }, color: { field: 'model', type: 'nominal' } } } } });
  if (dims.length) plots.push({ file: 'cnn-dimension.svg', caption: 'CNN: PGD-ℓ∞ accuracy vs input dimension, BN vs weight decay', spec: linePlot({ title: 'CNN vulnerability vs input dimension', x: { field: 'inputs', title: 'input dimension', scale: 'log' }, y: { field: 'accuracy', title: `PGD-ℓ∞ accuracy (ε=${s.dimensionEps})` }, series: 'model', data: dims.map((d) => ({ model: d.variant, inputs: d.result.inputs, accuracy: d.result.robust })), points: true }) });
  notes.push(`CNN study: VGG-style [conv3×3 → (BN) → ReLU]×2 → max-pool, channels ${s.channels.join(', ')}, linear readout, He-normal conv init; SGD momentum 0.9, cosine learning rate from ${s.lr}, batch 128, ${s.epochs} epochs on ${s.trainImages || 'all'} training images, ${s.testImages} test images; weight decay ${s.weightDecay} for none+wd; BN matched to the unnormalised model's clean accuracy (the epoch closest to it), bn-final = BN after the last epoch. PGD ${s.pgdSteps} steps with a uniform random start; ℓ∞ evaluations also run the stronger PGD of the sanity checks.`);
  return {
    metrics, notes,
    tables: [
      { title: `CNN: accuracy (%) by normalisation (mean over seeds)`, columns: ['dataset', 'model', 'epoch', 'clean', ...s.sigmas.map((v) => `AWGN σ=${v}`), ...s.linfEps.map((e) => `PGD-ℓ∞ ε=${e}`), ...s.l2Eps.map((e) => `PGD-ℓ2 ε=${e}`), 'seeds'], rows },
      { title: 'CNN: BN-induced extra loss of accuracy (points): (clean − perturbed)_BN − (clean − perturbed)_other, matched BN', columns: ['dataset', 'perturbation', 'BN vs no norm', 'BN vs no norm + wd', 'clean: BN − none'], rows: dropRows },
      { title: `CNN input dimension (Fashion-MNIST upsampled ×k, ${s.dimensionTrainImages} training images, ${s.dimensionEpochs} epochs): PGD-ℓ∞ ε=${s.dimensionEps}`, columns: ['×k', 'inputs', 'model', 'clean %', 'PGD-ℓ∞ %', 'drop'], rows: dimRows },
    ],
    plots,
  };
}
