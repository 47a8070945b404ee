// `tessera robust eval`: a checkpoint written by `tessera train`, attacked on its dataset's test set in
// pixel units ([0, 1]) with the training standardisation inside the classifier, with the sanity checks.
import { foldIn, key as makeKey } from '../core/random.js';
import { take, toTensors } from '../data/index.js';
import { evaluateRobustness, makeAttack, withPreprocessing, UNIT_BOX, type AttackLoss, type RobustEvalResult, type SanityCheck } from '../robust/index.js';
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

export function robustEvalCheckpoint(path: string, o: RobustEvalCheckpointOptions): { config: ClassifierConfig; n: number; result: RobustEvalResult } {
  const { model, config, preprocessing } = loadClassifierCheckpoint(path);
  const data = loadDataset({ dataset: config.dataset, ...(o.dataDir ?? config.dataDir ? { dataDir: o.dataDir ?? config.dataDir } : {}) });
  const stats = { mean: preprocessing.mean, std: preprocessing.std }; // the training standardisation, stored in the checkpoint
  const limit = o.testLimit ?? 1000;
  const testSet = limit > 0 ? take(data.test, limit) : data.test;
  const t = toTensors(testSet, { normalize: 'unit', flatten: config.model === 'mlp' });
  const key = makeKey(o.seed ?? 0);
  const named = makeAttack(o.attack, {
    box: UNIT_BOX, key: foldIn(key, 1), ...(o.steps !== undefined && { steps: o.steps }), ...(o.restarts !== undefined && { restarts: o.restarts }), ...(o.loss && { loss: o.loss }),
  });
  const result = evaluateRobustness({
    model: withPreprocessing((x) => model.forward(x), stats), module: model, x: t.x, y: t.y, box: UNIT_BOX, norm: named.norm, epsilons: o.epsilons,
    attack: named.attack, strongerAttack: named.stronger().attack, eotIter: named.eotIter, key: foldIn(key, 2), ...(o.onWarning && { onWarning: o.onWarning }),
    ...(o.blackBoxQueries && named.norm === 'linf' && { blackBoxAttack: makeAttack('square-linf', { box: UNIT_BOX, key: foldIn(key, 3), steps: o.blackBoxQueries }).attack }),
  });
  return { config, n: testSet.n, result };
}
