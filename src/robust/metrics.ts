// Metrics of the input-fault paper and the robustness evaluations:
//   I(T;Y) in bits, exactly ft_utils.mi of uoguelph-mlrg/nips18-secml-advex-input-fault: plug-in
//     frequencies, H(Y) = −Σ_y p(y)·log2(p(y) + 1e−4), H(Y|T) = Σ_t p(t)·(−Σ_y p(y|t)·log2(p(y|t) + 1e−4)),
//     I = H(Y) − H(Y|T). (The 1e−4 inside the log is the reference's; it makes perfect prediction on
//     balanced labels 3.3206 bits, not log2 10 = 3.3219.)
//   SNR in dB, exactly ft_utils.snr: mean over examples of 20·log10(1 + ‖S_i‖₂/‖N_i‖₂), infinite values
//     (zero noise) left out.
//   margin: top-1 minus top-2 softmax probability per example.
import { rangeError, shapeError, valueError } from '../core/errors.js';
import type { Tensor } from '../tensor/index.js';

const EPSILON = 1e-4;

function checkClassIds(name: string, a: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw valueError('mutualInformation', name, `integer class ids in 0..${classes - 1}`, `${name}[${i}] = ${v}`);
  }
}

/** I(T;Y) in bits between predictions T and labels Y (see the file comment). */
export function mutualInformation(predictions: ArrayLike<number>, labels: ArrayLike<number>, classes = 10): number {
  if (predictions.length !== labels.length) throw shapeError('mutualInformation', 'predictions', `${labels.length} entries (one per label)`, predictions.length);
  if (labels.length === 0) throw valueError('mutualInformation', 'labels', 'at least one example', 0);
  if (!Number.isInteger(classes) || classes < 1) throw rangeError('mutualInformation', 'classes', 'a positive integer', classes);
  checkClassIds('predictions', predictions, classes);
  checkClassIds('labels', labels, classes);
  const n = labels.length;
  const joint = new Float64Array(classes * classes); // [t, y] counts
  const py = new Float64Array(classes), pt = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    joint[predictions[i]! * classes + labels[i]!]! += 1;
    py[labels[i]!]! += 1 / n;
    pt[predictions[i]!]! += 1 / n;
  }
  let hY = 0;
  for (let y = 0; y < classes; y++) hY -= py[y]! * Math.log2(py[y]! + EPSILON);
  let hYgT = 0;
  for (let t = 0; t < classes; t++) {
    let c = 0;
    for (let y = 0; y < classes; y++) c += joint[t * classes + y]!;
    if (c === 0) continue;
    let h = 0;
    for (let y = 0; y < classes; y++) {
      const p = joint[t * classes + y]! / c;
      h -= p * Math.log2(p + EPSILON);
    }
    hYgT += pt[t]! * h;
  }
  return hY - hYgT;
}

/** Mean over examples of 20·log10(1 + ‖signal_i‖₂/‖noise_i‖₂) in dB; rows of n examples. */
export function snrDb(signal: ArrayLike<number>, noise: ArrayLike<number>, n: number): number {
  if (signal.length !== noise.length) throw shapeError('snrDb', 'noise', `${signal.length} elements (the signal's)`, noise.length);
  if (!Number.isInteger(n) || n < 1 || signal.length % n !== 0) throw valueError('snrDb', 'n', `a divisor of ${signal.length}`, n);
  const d = signal.length / n;
  let sum = 0, count = 0;
  for (let i = 0; i < n; i++) {
    let s = 0, e = 0;
    for (let j = i * d; j < (i + 1) * d; j++) { s += signal[j]! ** 2; e += noise[j]! ** 2; }
    const v = 20 * Math.log10(1 + Math.sqrt(s) / Math.sqrt(e));
    if (Number.isFinite(v)) { sum += v; count++; }
  }
  return count ? sum / count : Infinity;
}

/** SNR of perturbed inputs xAdv against clean x (noise = xAdv − x), both [N, …]. */
export function perturbationSnrDb(x: Tensor, xAdv: Tensor): number {
  if (x.size !== xAdv.size) throw shapeError('perturbationSnrDb', 'xAdv', `${x.size} elements`, xAdv.size);
  const noise = new Float64Array(x.size);
  for (let i = 0; i < x.size; i++) noise[i] = xAdv.data[i]! - x.data[i]!;
  return snrDb(x.data, noise, x.shape[0]!);
}

/** Top-1 minus top-2 softmax probability per row of logits [N, C]. */
export function predictionMargins(logits: Tensor): Float64Array {
  if (logits.rank !== 2 || logits.shape[1]! < 2) throw shapeError('predictionMargins', 'logits', '[N, C] with C ≥ 2', logits.shape);
  const [n, c] = logits.shape as [number, number];
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, logits.data[i * c + j]!);
    let z = 0, p1 = 0, p2 = 0;
    for (let j = 0; j < c; j++) z += Math.exp(logits.data[i * c + j]! - m);
    for (let j = 0; j < c; j++) {
      const p = Math.exp(logits.data[i * c + j]! - m) / z;
      if (p > p1) { p2 = p1; p1 = p; } else if (p > p2) p2 = p;
    }
    out[i] = p1 - p2;
  }
  return out;
}

/** Fraction of equal entries. */
export function accuracyOf(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length) throw shapeError('accuracyOf', 'predictions', `${labels.length} entries`, predictions.length);
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) hits++;
  return labels.length ? hits / labels.length : NaN;
}
