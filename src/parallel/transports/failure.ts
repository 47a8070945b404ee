// The errors every transport raises when a rank dies or goes quiet, so they read the same
// whichever transport ran the program: each names the rank at fault and the collective.
import { TesseraError } from '../../core/errors.js';

/** A peer threw: the waiting rank gives up at once. */
export function peerFailedError(failedRank: number, reason: string, context: string): TesseraError {
  return new TesseraError('value', 'parallel', `rank ${failedRank} failed (${reason}); gave up in ${context}`);
}

/** A peer did not answer in time. */
export function peerTimeoutError(peer: number, timeoutMs: number, context: string): TesseraError {
  return new TesseraError('value', 'parallel', `timed out after ${timeoutMs} ms waiting for rank ${peer} in ${context}`);
}

/** A rank made no progress at all (the run's watchdog). */
export function rankStalledError(rank: number, timeoutMs: number, lastCall: string): TesseraError {
  return new TesseraError('value', 'parallel', `rank ${rank} stopped responding (no progress for ${timeoutMs} ms; its last call: ${lastCall})`);
}

export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
