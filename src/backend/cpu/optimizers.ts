// The optimizer updates of optim/sgd.ts and optim/adam.ts (the formulas are documented there), one
// parameter at a time and in place. Float32 parameters are updated in float32 arithmetic: every
// intermediate is rounded with Math.fround (stores into a Float32Array round too), as torch computes
// in the parameter's dtype; float64 parameters in float64. Other backends must match bit for bit.
import type { FloatArray } from '../../core/dtype.js';
import type { AdamStep, SgdStep } from '../kernels.js';

type Round = (x: number) => number;
const identity: Round = (x) => x;
const roundFor = (p: FloatArray): Round => (p instanceof Float32Array ? Math.fround : identity);

/** One SGD step: p [n], g [n], momentum [n] or null (μ = 0). */
export function sgdUpdate(s: SgdStep, p: FloatArray, g: FloatArray, momentum: FloatArray | null): void {
  const r = roundFor(p);
  const { negLr, keep, l2, decay, decoupled, nesterov, first } = s, mu = s.momentum;
  const buf = momentum;
  for (let i = 0; i < p.length; i++) {
    let d = g[i]!;
    if (decoupled) p[i] = r(p[i]! * decay);
    else if (l2 !== 0) d = r(d + r(l2 * p[i]!));
    if (buf) {
      buf[i] = first ? d : r(mu * buf[i]!) + r(keep * d);
      d = nesterov ? r(d + r(mu * buf[i]!)) : buf[i]!;
    }
    p[i] = p[i]! + r(negLr * d);
  }
}

/** One Adam step: p, g, m, v [n], vMax [n] with amsgrad (else null). */
export function adamUpdate(s: AdamStep, p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | null): void {
  const r = roundFor(p);
  const { negStepSize, bc2Sqrt, beta1: b1, beta2: b2, oneMinusBeta1: c1, oneMinusBeta2: c2, eps: e, l2, decay, decoupled } = s;
  for (let i = 0; i < p.length; i++) {
    let gi = g[i]!;
    if (decoupled) p[i] = r(p[i]! * decay);
    else if (l2 !== 0) gi = r(gi + r(l2 * p[i]!));
    m[i] = r(b1 * m[i]!) + r(c1 * gi);
    v[i] = r(b2 * v[i]!) + r(r(c2 * gi) * gi);
    let vi = v[i]!;
    if (vMax) vi = vMax[i] = Math.max(vMax[i]!, vi);
    const denom = r(r(Math.sqrt(vi)) / bc2Sqrt) + e;
    p[i] = p[i]! + r(negStepSize * r(m[i]! / r(denom)));
  }
}
