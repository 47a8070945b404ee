// In-process simulated ranks: every rank runs the same async program in this thread, messages go
// through per-pair FIFO mailboxes. Deterministic (the event loop interleaves ranks in a fixed
// order) and fast, for tests. A rank that throws aborts every waiting rank at once; a rank that
// never answers makes its peers time out, and a watchdog catches a rank nobody is waiting for.
import type { FloatArray } from '../../core/dtype.js';
import { rangeError } from '../../core/errors.js';
import { Communicator, type CommunicatorOptions, type Endpoint, type FloatKind, type RankProgram } from '../communicator.js';
import type { MemorySnapshot, TrafficRecord } from '../meters.js';
import { describeError, peerFailedError, peerTimeoutError, rankStalledError } from './failure.js';

export interface RunOptions {
  /** How long a rank waits for a peer (and the watchdog for any progress), ms. Default 10,000. */
  timeoutMs?: number;
  comm?: CommunicatorOptions;
}

/** One rank's result and meters after a run. */
export interface RankRun<R> {
  rank: number;
  result: R;
  traffic: TrafficRecord[];
  bytesSent: number;
  bytesRecv: number;
  memory: MemorySnapshot;
}

interface Waiter {
  resolve: (x: FloatArray) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

class SimulatedWorld {
  readonly mailboxes = new Map<string, FloatArray[]>();
  readonly waiters = new Map<string, Waiter>();
  failure: Error | null = null;
  failedRank = -1;
  lastProgress = Date.now();
  readonly lastCall: string[];
  /** The rank each rank is blocked on in a receive, or −1. */
  readonly waitingFor: number[];
  constructor(readonly size: number, readonly timeoutMs: number) {
    this.lastCall = Array.from({ length: size }, () => 'none');
    this.waitingFor = new Array(size).fill(-1);
  }

  fail(rank: number, error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.failedRank = rank;
    for (const [key, w] of this.waiters) {
      clearTimeout(w.timer);
      const waiting = Number(key.split('>')[1]);
      w.reject(peerFailedError(rank, describeError(error), `${this.lastCall[waiting]}`));
    }
    this.waiters.clear();
  }

  endpoint(rank: number): Endpoint {
    return {
      rank,
      size: this.size,
      exchange: async (to, data, from, recvLength, _kind: FloatKind, context) => {
        this.lastCall[rank] = context;
        this.lastProgress = Date.now();
        if (this.failure) throw peerFailedError(this.failedRank, describeError(this.failure), context);
        if (to !== null) {
          const key = `${rank}>${to}`;
          const copy = data!.slice();
          const w = this.waiters.get(key);
          if (w) {
            this.waiters.delete(key);
            clearTimeout(w.timer);
            w.resolve(copy);
          } else {
            let q = this.mailboxes.get(key);
            if (!q) this.mailboxes.set(key, (q = []));
            q.push(copy);
          }
        }
        if (from === null) return null;
        const key = `${from}>${rank}`;
        const q = this.mailboxes.get(key);
        // All ranks share this thread, so a long computation on one rank delays everyone: the
        // timeout counts time without progress anywhere in the world, not time spent waiting.
        if (!(q && q.length > 0)) this.waitingFor[rank] = from;
        const got = q && q.length > 0 ? q.shift()! : await new Promise<FloatArray>((resolve, reject) => {
          const arm = (ms: number): ReturnType<typeof setTimeout> => setTimeout(() => {
            const quiet = Date.now() - this.lastProgress;
            if (quiet < this.timeoutMs) { this.waiters.get(key)!.timer = arm(this.timeoutMs - quiet); return; }
            this.waiters.delete(key);
            reject(peerTimeoutError(from, this.timeoutMs, context, (r) => this.waitingFor[r]!));
          }, ms);
          this.waiters.set(key, { resolve, reject, timer: arm(this.timeoutMs) });
        });
        this.waitingFor[rank] = -1;
        this.lastProgress = Date.now();
        if (got.length !== recvLength) throw rangeError('parallel', `message from rank ${from} in ${context}`, `${recvLength} elements`, got.length);
        return got;
      },
    };
  }
}

/**
 * Run `program` on `size` simulated ranks. Resolves with every rank's result and meters, or
 * rejects with the first failure (a thrown error, a peer timeout, or a stalled rank).
 */
export function runSimulated<A, R>(size: number, program: RankProgram<A, R>, args: A, options: RunOptions = {}): Promise<RankRun<R>[]> {
  if (!(Number.isInteger(size) && size >= 1)) throw rangeError('runSimulated', 'size', 'a positive integer', size);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const world = new SimulatedWorld(size, timeoutMs);
  const results: (RankRun<R> | undefined)[] = new Array(size);
  return new Promise<RankRun<R>[]>((resolve, reject) => {
    const errors: (string | null)[] = new Array(size).fill(null);
    let remaining = size;
    let firstError: Error | null = null;
    let settled = false;
    let grace: ReturnType<typeof setTimeout> | null = null;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      if (grace) clearTimeout(grace);
      if (firstError) reject(new ParallelRunError(rootCause(errors) ?? firstError.message, errors));
      else resolve(results as RankRun<R>[]);
    };
    const settle = (): void => {
      if (--remaining === 0) finish();
    };
    const failed = (rank: number, error: Error): void => {
      errors[rank] = error.message;
      if (!firstError) {
        firstError = error;
        world.fail(rank, error);
        // The others now fail at their next (or current) exchange; a rank that never settles is cut off.
        grace = setTimeout(finish, timeoutMs);
      }
    };
    const tick = Math.max(10, Math.floor(timeoutMs / 4));
    let lastTick = Date.now();
    const watchdog = setInterval(() => {
      const t = Date.now();
      if (t - lastTick > 2 * tick) world.lastProgress = t; // the thread was busy computing: that is progress
      lastTick = t;
      if (t - world.lastProgress <= timeoutMs || firstError) return;
      const stalled = results.findIndex((r, i) => r === undefined && errors[i] === null);
      failed(stalled, rankStalledError(stalled, timeoutMs, world.lastCall[stalled]!));
      finish();
    }, tick);
    for (let rank = 0; rank < size; rank++) {
      const comm = new Communicator(world.endpoint(rank), options.comm);
      Promise.resolve()
        .then(() => program(comm, args))
        .then((result) => {
          world.lastProgress = Date.now();
          results[rank] = { rank, result, traffic: comm.meter.rows(), bytesSent: comm.meter.bytesSent, bytesRecv: comm.meter.bytesRecv, memory: comm.memory.snapshot() };
          settle();
        })
        .catch((e: unknown) => {
          const error = e instanceof Error ? e : new Error(String(e));
          failed(rank, /\brank \d+/.test(error.message) ? error : new Error(`rank ${rank} failed: ${error.message}`));
          settle();
        });
    }
  });
}

/** The failure that started it all: the first rank error that is not a peer giving up. */
export function rootCause(errors: readonly (string | null)[]): string | null {
  return errors.find((e) => e !== null && !e.includes('gave up in')) ?? null;
}

/** A failed run: the first error's message, and what each rank reported (null: finished or cut off). */
export class ParallelRunError extends Error {
  constructor(message: string, readonly rankErrors: readonly (string | null)[]) {
    super(`${message}${rankErrors.some((e) => e) ? `\n${rankErrors.map((e, r) => `  rank ${r}: ${e ?? 'no error (finished or cut off)'}`).join('\n')}` : ''}`);
    this.name = 'ParallelRunError';
  }
}
