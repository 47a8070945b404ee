// The errors every transport raises when a rank dies or goes quiet, so they read the same
// whichever transport ran the program: each names the rank at fault and the collective.
import { TesseraError } from '../../core/errors.js';

/** A peer threw: the waiting rank gives up at once. */
export function peerFailedError(failedRank: number, reason: string, context: string): TesseraError {
  return new TesseraError('value', 'parallel', `rank ${failedRank} failed (${reason}); gave up in ${context}`);
}

/**
 * A peer did not answer in time. `waitingFor[r]` is the rank r is blocked on (or −1): following it
 * from the peer finds the rank that is really stuck (it waits for no one), so a ring of blocked
 * ranks reports the culprit, not its neighbour.
 */
export function peerTimeoutError(peer: number, timeoutMs: number, context: string, waitingFor?: (rank: number) => number): TesseraError {
  const chain = [peer];
  if (waitingFor) {
    for (let next = waitingFor(peer); next >= 0 && !chain.includes(next); next = waitingFor(next)) chain.push(next);
  }
  const culprit = chain[chain.length - 1]!;
  const cycle = waitingFor && chain.length > 1 && waitingFor(culprit) >= 0;
  const why = cycle ? `ranks ${chain.join(' → ')} wait on each other (deadlock)` : `rank ${culprit} is not responding${chain.length > 1 ? ` (waiting chain ${chain.join(' → ')})` : ''}`;
  return new TesseraError('value', 'parallel', `timed out after ${timeoutMs} ms waiting for rank ${peer} in ${context}: ${why}`);
}

/** A rank made no progress at all (the run's watchdog). */
export function rankStalledError(rank: number, timeoutMs: number, lastCall: string): TesseraError {
  return new TesseraError('value', 'parallel', `rank ${rank} stopped responding (no progress for ${timeoutMs} ms; its last call: ${lastCall})`);
}

export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
