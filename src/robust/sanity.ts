// Built-in sanity checks of a robustness evaluation (Carlini et al. 2019 checklist; AutoAttack's flags).
// Each check is a pure function of measured numbers returning { name, passed, message }; evaluate.ts
// runs all of them with every evaluation and reports failures loudly.
import type { Tensor } from '../tensor/index.js';

export interface SanityCheck {
  name: 'eval-mode' | 'randomized-model' | 'logits' | 'gradients' | 'eps-zero' | 'monotone' | 'large-eps' | 'more-steps' | 'white-box-vs-noise' | 'black-box-vs-white-box';
  passed: boolean;
  message: string;
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/** The module evaluated must be in eval mode (batch norm with running statistics, no dropout). */
export function checkEvalMode(training: boolean | undefined): SanityCheck {
  return training
    ? { name: 'eval-mode', passed: false, message: 'the model is in TRAINING mode: batch norm uses batch statistics (and updates its running averages) and dropout is active; call model.eval() before attacking' }
    : { name: 'eval-mode', passed: true, message: training === undefined ? 'no module given; mode not inspected' : 'model in eval mode' };
}

/** AutoAttack's threshold on the ℓ2 distance between row-normalised outputs of two calls (checks.py, check_randomized: alpha). */
export const RANDOMIZED_OUTPUT_TOLERANCE = 1e-4;

/**
 * The model must give the same outputs on the same inputs (AutoAttack's check_randomized): `outputs` are the
 * logits [N, C] of several calls on one batch with labels y. Failed when the number of correct predictions
 * differs between calls or, for some row and pair of calls, ‖o/(‖o‖₂ + 1e−10) − o′/(‖o′‖₂ + 1e−10)‖₂ exceeds
 * RANDOMIZED_OUTPUT_TOLERANCE. With `eotIter` > 1 the attack already averages over the randomness (the rand
 * version), so a randomized model is expected and the check passes with a note.
 */
export function checkRandomized(outputs: readonly Tensor[], y: Tensor, eotIter = 1): SanityCheck {
  const [n, c] = outputs[0]!.shape as [number, number];
  const unit = outputs.map((o) => {
    const u = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += o.data[i * c + j]! ** 2;
      for (let j = 0; j < c; j++) u[i * c + j] = o.data[i * c + j]! / (Math.sqrt(s) + 1e-10);
    }
    return u;
  });
  const correct = outputs.map((o) => {
    let k = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < c; j++) if (o.data[i * c + j]! > o.data[i * c + best]!) best = j;
      if (best === y.data[i]) k++;
    }
    return k;
  });
  let maxDiff = 0;
  for (let a = 0; a < unit.length; a++) for (let b = a + 1; b < unit.length; b++) for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * c; j < (i + 1) * c; j++) s += (unit[a]![j]! - unit[b]![j]!) ** 2;
    maxDiff = Math.max(maxDiff, Math.sqrt(s));
  }
  const varies = maxDiff > RANDOMIZED_OUTPUT_TOLERANCE || correct.some((k) => k !== correct[0]);
  const measured = `${outputs.length} calls on the same ${n} inputs: max normalised output difference ${maxDiff.toExponential(2)} (tolerance ${RANDOMIZED_OUTPUT_TOLERANCE}), correct predictions ${[...new Set(correct)].join('/')}`;
  if (!varies) return { name: 'randomized-model', passed: true, message: `deterministic outputs (${measured})` };
  return eotIter > 1
    ? { name: 'randomized-model', passed: true, message: `randomized model, attacked with EOT over ${eotIter} passes per gradient (${measured})` }
    : { name: 'randomized-model', passed: false, message: `the model is RANDOMIZED: its outputs on the same inputs differ between calls (${measured}); single-pass gradients and predictions mislead the attack and overestimate robustness — use EOT, i.e. AutoAttack's rand version (apgd-ce-eot-* / apgd-dlr-eot-*, eotIter 20), or make the model deterministic` };
}

/** Outputs that are non-negative rows summing to 1 are probabilities, not logits. */
export function checkLogits(outputs: Tensor): SanityCheck {
  const [n, c] = outputs.shape as [number, number];
  let probabilityRows = 0;
  for (let i = 0; i < n; i++) {
    let s = 0, nonNegative = true;
    for (let j = 0; j < c; j++) { const v = outputs.data[i * c + j]!; s += v; if (v < 0) nonNegative = false; }
    if (nonNegative && Math.abs(s - 1) < 1e-3) probabilityRows++;
  }
  return probabilityRows === n && n > 0
    ? { name: 'logits', passed: false, message: `every output row is non-negative and sums to 1: the model outputs PROBABILITIES (softmax), not logits; CE/margin attacks on probabilities saturate and overestimate robustness — remove the final softmax` }
    : { name: 'logits', passed: true, message: `outputs are logits (${probabilityRows}/${n} rows look like probabilities)` };
}

/** The input gradient of the attack loss must not vanish (gradient masking, saturated outputs). */
export function checkGradients(grad: Tensor, n: number): SanityCheck {
  const d = grad.size / n;
  let zeroRows = 0;
  for (let i = 0; i < n; i++) {
    let any = false;
    for (let j = i * d; j < (i + 1) * d && !any; j++) if (grad.data[j] !== 0) any = true;
    if (!any) zeroRows++;
  }
  return zeroRows > n / 2
    ? { name: 'gradients', passed: false, message: `the input gradient is exactly zero for ${zeroRows}/${n} examples: gradient attacks cannot move them (masked or saturated gradients); use a margin/DLR loss or a gradient-free attack` }
    : { name: 'gradients', passed: true, message: `non-zero input gradients (${zeroRows}/${n} zero)` };
}

/** ε = 0 must reproduce the clean accuracy measured in eval mode. */
export function checkEpsZero(clean: number, atZero: number): SanityCheck {
  return Math.abs(clean - atZero) > 1e-9
    ? { name: 'eps-zero', passed: false, message: `accuracy at ε = 0 is ${pct(atZero)} but clean eval-mode accuracy is ${pct(clean)}: the attacked model is not the evaluated one (training mode / batch statistics? randomness? preprocessing applied twice?)` }
    : { name: 'eps-zero', passed: true, message: `ε = 0 reproduces the clean accuracy ${pct(clean)}` };
}

/** Robust accuracy must not increase with ε. */
export function checkMonotone(points: readonly { eps: number; accuracy: number }[], tolerance: number): SanityCheck {
  const sorted = [...points].sort((a, b) => a.eps - b.eps);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.accuracy > sorted[i - 1]!.accuracy + tolerance) {
      return { name: 'monotone', passed: false, message: `robust accuracy RISES with ε: ${pct(sorted[i - 1]!.accuracy)} at ε = ${sorted[i - 1]!.eps} → ${pct(sorted[i]!.accuracy)} at ε = ${sorted[i]!.eps} (a weak or wrong attack: sign bug, bad step size, projection around the wrong point)` };
    }
  }
  return { name: 'monotone', passed: true, message: 'robust accuracy is non-increasing in ε' };
}

/** At a very large ε the attack must drive accuracy to chance (or below). */
export function checkLargeEps(eps: number, accuracy: number, classes: number, slack = 0.1): SanityCheck {
  return accuracy > 1 / classes + slack
    ? { name: 'large-eps', passed: false, message: `at ε = ${eps} (the whole input box) robust accuracy is still ${pct(accuracy)}, above chance ${pct(1 / classes)}: the attack is not working (or gradients are masked)` }
    : { name: 'large-eps', passed: true, message: `ε = ${eps} drives accuracy to ${pct(accuracy)} (chance ${pct(1 / classes)})` };
}

/** More steps or restarts must not raise robust accuracy. */
export function checkMoreSteps(eps: number, base: number, stronger: number, tolerance: number): SanityCheck {
  return stronger > base + tolerance
    ? { name: 'more-steps', passed: false, message: `more steps/restarts RAISE robust accuracy at ε = ${eps}: ${pct(base)} → ${pct(stronger)} (the attack is not optimising the loss)` }
    : { name: 'more-steps', passed: true, message: `more steps/restarts at ε = ${eps}: ${pct(base)} → ${pct(stronger)}` };
}

/** A white-box attack must beat random noise of the same norm. */
export function checkWhiteBoxVsNoise(eps: number, whiteBox: number, noise: number, tolerance: number): SanityCheck {
  return whiteBox > noise + tolerance
    ? { name: 'white-box-vs-noise', passed: false, message: `random noise of the same norm is STRONGER than the white-box attack at ε = ${eps} (${pct(noise)} vs ${pct(whiteBox)} accuracy): the attack is broken (sign bug?) or gradients are masked` }
    : { name: 'white-box-vs-noise', passed: true, message: `white-box ${pct(whiteBox)} ≤ noise ${pct(noise)} at ε = ${eps}` };
}

/** A black-box (score-based) attack must not beat the white-box one: when it does, the gradients are masked. */
export function checkBlackBoxVsWhiteBox(eps: number, whiteBox: number, blackBox: number, tolerance: number): SanityCheck {
  return blackBox < whiteBox - tolerance
    ? { name: 'black-box-vs-white-box', passed: false, message: `the black-box Square attack is STRONGER than the white-box attack at ε = ${eps} (${pct(blackBox)} vs ${pct(whiteBox)} accuracy): gradient masking or obfuscation; the white-box figure overestimates robustness` }
    : { name: 'black-box-vs-white-box', passed: true, message: `black-box ${pct(blackBox)} ≥ white-box ${pct(whiteBox)} at ε = ${eps}` };
}
