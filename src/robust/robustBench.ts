// Results in RobustBench's layout (RobustBench/robustbench, robustbench/utils.py): `update_json` writes one
// `model_info/<dataset>/<threat model>/<model name>.json` per model with the fields of its ModelInfo
// dataclass — every field present, null where unknown; accuracies as strings of percentages rounded to 2
// decimals (`str(round(acc * 100, 2))`), ε as the float it was run with. The ℓp threat models are "Linf"
// and "L2" (RobustBench has no ℓ1 leaderboard; "L1" is written for ℓ1 runs in the same shape).
import { rangeError } from '../core/errors.js';
import type { Norm } from './geometry.js';

/** RobustBench's ModelInfo, field for field, in its order. */
export interface RobustBenchModelInfo {
  link: string | null;
  name: string | null;
  authors: string | null;
  additional_data: boolean | null;
  number_forward_passes: number | null;
  dataset: string | null;
  venue: string | null;
  architecture: string | null;
  eps: number | null;
  clean_acc: string | null;
  reported: string | null;
  corruptions_acc: string | null;
  corruptions_acc_3d: string | null;
  corruptions_mce: string | null;
  corruptions_mce_3d: string | null;
  autoattack_acc: string | null;
  footnote: string | null;
}

export interface RobustBenchEntry {
  /** Where RobustBench would keep the file, relative to its repository. */
  path: string;
  info: RobustBenchModelInfo;
}

/** Python's `str(round(v * 100, 2))` for an accuracy in [0, 1] ("87.5", "0.0", "100.0"). */
export function robustBenchPercent(accuracy: number): string {
  if (!(accuracy >= 0 && accuracy <= 1)) throw rangeError('robustBenchPercent', 'accuracy', 'a fraction in [0, 1]', accuracy);
  const v = Math.round(accuracy * 100 * 100) / 100;
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

export const robustBenchThreatModel = (norm: Norm): string => (norm === 'linf' ? 'Linf' : norm === 'l2' ? 'L2' : 'L1');

export function robustBenchEntry(o: {
  dataset: string; norm: Norm; eps: number; cleanAccuracy: number; robustAccuracy: number;
  name?: string; architecture?: string; footnote?: string;
}): RobustBenchEntry {
  const modelName = o.name ?? 'tessera';
  const info: RobustBenchModelInfo = {
    link: null, name: modelName, authors: null, additional_data: false, number_forward_passes: 1, dataset: o.dataset, venue: null,
    architecture: o.architecture ?? null, eps: o.eps, clean_acc: robustBenchPercent(o.cleanAccuracy), reported: null,
    corruptions_acc: null, corruptions_acc_3d: null, corruptions_mce: null, corruptions_mce_3d: null,
    autoattack_acc: robustBenchPercent(o.robustAccuracy), footnote: o.footnote ?? null,
  };
  return { path: `model_info/${o.dataset}/${robustBenchThreatModel(o.norm)}/${modelName}.json`, info };
}
