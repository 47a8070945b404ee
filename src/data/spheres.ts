// The "adversarial spheres" task (Gilmer et al. 2018, as used by Galloway et al. 2019,
// AngusG/bn-adversarial-spheres: utils.generate_clean_batch): two concentric spheres in R^d, the inner
// of radius 1 (label 0) and the outer of radius R = 1.3 (label 1); a point is a standard Gaussian
// sample divided by its Euclidean norm (uniform on the unit sphere), times the radius of its class.
// Labels alternate 0, 1, 0, 1, … (the reference puts all outer points first; training shuffles anyway),
// so every prefix of the set is balanced to within one point.
import { foldIn, normalValues, type Key } from '../core/random.js';
import { rangeError } from '../core/errors.js';
import { Tensor } from '../tensor/index.js';

/** Radius of the outer sphere in the reference (`utils.R`). */
export const OUTER_SPHERE_RADIUS = 1.3;
export const INNER_SPHERE_LABEL = 0;
export const OUTER_SPHERE_LABEL = 1;

export interface SpheresOptions {
  /** Number of points. */
  n: number;
  /** Input dimension d (reference default 10). */
  dim?: number;
  /** Outer radius R (reference 1.3); the inner radius is 1. */
  outerRadius?: number;
  dtype?: 'f32' | 'f64';
}

/** x [n, d] on the two spheres and labels y [n] (i32): 0 inner (radius 1), 1 outer (radius R). */
export function adversarialSpheres(key: Key, o: SpheresOptions): { x: Tensor; y: Tensor } {
  const op = 'adversarialSpheres';
  const { n, dim = 10, outerRadius = OUTER_SPHERE_RADIUS, dtype = 'f32' } = o;
  if (!Number.isInteger(n) || n < 1) throw rangeError(op, 'n', 'an integer ≥ 1', n);
  if (!Number.isInteger(dim) || dim < 2) throw rangeError(op, 'dim', 'an integer ≥ 2', dim);
  if (!(outerRadius > 1) || !Number.isFinite(outerRadius)) throw rangeError(op, 'outerRadius', 'a finite number > 1 (the inner radius is 1)', outerRadius);
  const g = normalValues(foldIn(key, 0), n * dim, 'f64');
  const x = dtype === 'f64' ? new Float64Array(n * dim) : new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2 === 0 ? INNER_SPHERE_LABEL : OUTER_SPHERE_LABEL;
    let s = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) s += g[j]! * g[j]!;
    const scale = (y[i] === OUTER_SPHERE_LABEL ? outerRadius : 1) / Math.sqrt(s);
    for (let j = i * dim; j < (i + 1) * dim; j++) x[j] = g[j]! * scale;
  }
  return { x: new Tensor(x, [n, dim]), y: new Tensor(y, [n]) };
}
