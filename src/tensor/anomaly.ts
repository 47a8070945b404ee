// NaN/Inf anomaly detection (torch.autograd.detect_anomaly): when enabled, every primitive's
// output — and every cotangent a VJP returns — is checked, and the first op that turns finite
// inputs into NaN or ±∞ raises an error naming the op, the position and the input values there.
import { isFloat, type TypedArray } from '../core/dtype.js';
import { TesseraError } from '../core/errors.js';

let enabled = 0;

export function isAnomalyDetectionEnabled(): boolean {
  return enabled > 0;
}

/** Run `fn` with anomaly detection on (nested calls are fine). Slows every op by one scan of its output. */
export function detectAnomaly<T>(fn: () => T): T {
  enabled++;
  try {
    return fn();
  } finally {
    enabled--;
  }
}

function firstNonFinite(data: TypedArray): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

/**
 * Throw when `out` holds a NaN/±∞ although every float input is finite. `what` names the op
 * ('exp' or 'exp (vjp)'); the message shows the offending element and the inputs' values at the
 * same flat position where shapes allow it.
 */
export function checkFinite(what: string, inputs: readonly { data: TypedArray; dtype: string; shape: readonly number[] }[], out: TypedArray): void {
  const bad = firstNonFinite(out);
  if (bad < 0) return;
  if (inputs.some((t) => isFloat(t.dtype as 'f32') && firstNonFinite(t.data) >= 0)) return; // propagated, not produced here
  const at = inputs.map((t, k) => `input ${k} [${t.shape.join(', ')}]${t.data.length === out.length ? ` = ${t.data[bad]}` : t.data.length === 1 ? ` = ${t.data[0]}` : ''}`);
  throw new TesseraError('value', what, `produced ${out[bad]} at flat index ${bad} from finite inputs (${at.join('; ')}). Check the input's domain (log/sqrt/div of non-positive values, overflow in exp).`);
}
