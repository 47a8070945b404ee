// `tessera robust eval`: a checkpoint written by `tessera train`, attacked on its dataset's test set in
// pixel units ([0, 1]) with the training standardisation inside the classifier, with the sanity checks.
import { foldIn, key as makeKey } from '../core/random.js';
import { take, toTensors } from '../data/index.js';
import { autoAttack, evaluateRobustness, makeAttack, robustBenchEntry, withPreprocessing, UNIT_BOX, type AttackLoss, type AutoAttackReport, type AutoAttackStep, type AutoAttackVersion, type Norm, type RobustBenchEntry, type RobustEvalResult, type SanityCheck } from '../robust/index.js';
import { loadClassifierCheckpoint, loadDataset, type ClassifierConfig } from '../train/index.js';

export interface RobustEvalCheckpointOptions {
  attack: string;
  epsilons: number[];
  steps?: number;
  restarts?: number;
  loss?: AttackLoss;
  /** Queries of a Square attack (ℓ∞ sweeps) run at the largest ε for the black-box-vs-white-box check; 0 = skip (default). */
  blackBoxQueries?: number;
  testLimit?: number;
  dataDir?: string;
  seed?: number;
  onWarning?: (check: SanityCheck) => void;
}

/** A checkpoint's test set and classifier in pixel units, the training standardisation inside. */
function attackableCheckpoint(path: string, o: { testLimit?: number; dataDir?: string }) {
  const { model, config, preprocessing } = loadClassifierCheckpoint(path);
  const data = loadDataset({ dataset: config.dataset, ...(o.dataDir ?? config.dataDir ? { dataDir: o.dataDir ?? config.dataDir } : {}) });
  const stats = { mean: preprocessing.mean, std: preprocessing.std }; // the training standardisation, stored in the checkpoint
  const limit = o.testLimit ?? 1000;
  const testSet = limit > 0 ? take(data.test, limit) : data.test;
  const t = toTensors(testSet, { normalize: 'unit', flatten: config.model === 'mlp' });
  return { model, config, classifier: withPreprocessing((x) => model.forward(x), stats), x: t.x, y: t.y, n: testSet.n };
}

export function robustEvalCheckpoint(path: string, o: RobustEvalCheckpointOptions): { config: ClassifierConfig; n: number; result: RobustEvalResult } {
  const { model, config, classifier, x, y, n } = attackableCheckpoint(path, o);
  const key = makeKey(o.seed ?? 0);
  const named = makeAttack(o.attack, {
    box: UNIT_BOX, key: foldIn(key, 1), ...(o.steps !== undefined && { steps: o.steps }), ...(o.restarts !== undefined && { restarts: o.restarts }), ...(o.loss && { loss: o.loss }),
  });
  const result = evaluateRobustness({
    model: classifier, module: model, x, y, box: UNIT_BOX, norm: named.norm, epsilons: o.epsilons,
    attack: named.attack, strongerAttack: named.stronger().attack, eotIter: named.eotIter, key: foldIn(key, 2), ...(o.onWarning && { onWarning: o.onWarning }),
    ...(o.blackBoxQueries && named.norm === 'linf' && { blackBoxAttack: makeAttack('square-linf', { box: UNIT_BOX, key: foldIn(key, 3), steps: o.blackBoxQueries }).attack }),
  });
  return { config, n, result };
}

export interface AutoAttackCheckpointOptions {
  version: AutoAttackVersion;
  norm: Norm;
  epsilons: number[];
  /** Also run every attack alone (the "best single attack" comparison). */
  individual?: boolean;
  steps?: number;
  squareQueries?: number;
  testLimit?: number;
  dataDir?: string;
  seed?: number;
  onStep?: (eps: number, step: AutoAttackStep) => void;
}

/** AutoAttack on a checkpoint at each ε, with RobustBench's JSON entry per ε. */
export function autoAttackCheckpoint(path: string, o: AutoAttackCheckpointOptions): { config: ClassifierConfig; n: number; reports: AutoAttackReport[]; robustbench: RobustBenchEntry[] } {
  const { model, config, classifier, x, y, n } = attackableCheckpoint(path, o);
  model.eval();
  const key = makeKey(o.seed ?? 0);
  const reports = o.epsilons.map((eps, i) => autoAttack(classifier, x, y, {
    norm: o.norm, eps, box: UNIT_BOX, version: o.version, key: foldIn(key, i), ...(o.individual && { individual: true }),
    ...(o.steps !== undefined && { steps: o.steps }), ...(o.squareQueries !== undefined && { squareQueries: o.squareQueries }),
    ...(o.onStep && { onProgress: (s: AutoAttackStep) => o.onStep!(eps, s) }),
  }).report);
  const robustbench = reports.map((r) => robustBenchEntry({
    dataset: config.dataset, norm: o.norm, eps: r.eps, cleanAccuracy: r.cleanAccuracy, robustAccuracy: r.robustAccuracy,
    name: `tessera-${config.model}`, architecture: config.model, footnote: `AutoAttack ${o.version} (tessera), ${n} test points`,
  }));
  return { config, n, reports, robustbench };
}
