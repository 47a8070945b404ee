// The Communicator: rank, size, point-to-point and collective operations over a transport
// Endpoint, every call metered. Transports (transports/) only move bytes between world ranks;
// the algorithms (collectives.ts) and the metering live here, so both transports run the same code.
import type { FloatArray } from '../core/dtype.js';
import { TesseraError, valueError } from '../core/errors.js';
import * as alg from './collectives.js';
import type { CollectiveAlgorithm, PointToPoint } from './collectives.js';
import { CommMeter, MemoryMeter } from './meters.js';

export type FloatKind = 'f32' | 'f64';

/** What a transport provides: one exchange between world ranks, failing fast with a named error. */
export interface Endpoint {
  readonly rank: number;
  readonly size: number;
  /**
   * Send `data` to world rank `to` and receive `recvLength` elements from world rank `from`
   * (either side may be null), progressing both at once. `context` names the collective and the
   * layer for error messages: a peer that failed, or one that does not answer within the
   * transport's timeout, rejects the promise with a TesseraError naming that rank and `context`.
   */
  exchange(to: number | null, data: FloatArray | null, from: number | null, recvLength: number, kind: FloatKind, context: string): Promise<FloatArray | null>;
}

export interface CommunicatorOptions {
  /** Algorithm for the collectives where ring and tree differ (all-reduce, broadcast, reduce). Default ring for all-reduce, tree for broadcast/reduce. */
  allReduce?: CollectiveAlgorithm;
  broadcast?: CollectiveAlgorithm;
  reduce?: CollectiveAlgorithm;
}

/**
 * One rank's view of a group of ranks. `split(ranks)` gives a sub-group (TP or SP groups of a
 * mesh) that shares this rank's meters, so all traffic lands in one place.
 */
export class Communicator {
  /** This rank's position in the group. */
  readonly rank: number;
  /** Number of ranks in the group. */
  readonly size: number;
  readonly meter: CommMeter;
  readonly memory: MemoryMeter;
  private active: string | null = null;

  constructor(
    private readonly endpoint: Endpoint,
    readonly options: CommunicatorOptions = {},
    /** World ranks of the group's members, by group rank. */
    readonly members: readonly number[] = Array.from({ length: endpoint.size }, (_, i) => i),
    meters?: { meter: CommMeter; memory: MemoryMeter },
  ) {
    const me = members.indexOf(endpoint.rank);
    if (me < 0) throw valueError('Communicator', 'members', `a list containing this rank (${endpoint.rank})`, members);
    this.rank = me;
    this.size = members.length;
    this.meter = meters?.meter ?? new CommMeter();
    this.memory = meters?.memory ?? new MemoryMeter();
  }

  /** This rank in the world (not the group). */
  get worldRank(): number {
    return this.endpoint.rank;
  }

  /** A sub-group of these ranks (group ranks of this communicator), sharing the meters. */
  split(groupRanks: readonly number[]): Communicator {
    for (const r of groupRanks) if (!(Number.isInteger(r) && r >= 0 && r < this.size)) throw valueError('Communicator.split', 'ranks', `ranks in 0..${this.size - 1}`, groupRanks);
    return new Communicator(this.endpoint, this.options, groupRanks.map((r) => this.members[r]!), { meter: this.meter, memory: this.memory });
  }

  /** Run `fn` with traffic filed under layer `name` (e.g. "attention", "mlp"). */
  async inLayer<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.meter.layer;
    this.meter.layer = name;
    try {
      return await fn();
    } finally {
      this.meter.layer = previous;
    }
  }

  private p2p(collective: string, kind: FloatKind): PointToPoint {
    return {
      rank: this.rank,
      size: this.size,
      exchange: async (to, data, from, recvLength) => {
        const context = `${collective} (layer ${this.meter.layer}, rank ${this.endpoint.rank})`;
        const got = await this.endpoint.exchange(to === null ? null : this.members[to]!, data, from === null ? null : this.members[from]!, recvLength, kind, context);
        const bytes = kind === 'f64' ? 8 : 4;
        this.meter.record(collective, to === null ? 0 : data!.length * bytes, from === null ? 0 : recvLength * bytes, false);
        return got;
      },
    };
  }

  private async collective<T>(name: string, data: FloatArray, fn: (pp: PointToPoint) => Promise<T>): Promise<T> {
    if (this.active) throw new TesseraError('value', name, `called while ${this.active} is in progress on the same rank (collectives do not nest)`);
    this.active = name;
    this.meter.record(name, 0, 0, true);
    try {
      return await fn(this.p2p(name, data instanceof Float64Array ? 'f64' : 'f32'));
    } finally {
      this.active = null;
    }
  }

  /** Send `data` to group rank `to`. */
  send(to: number, data: FloatArray): Promise<void> {
    return this.collective('send', data, async (pp) => { await pp.exchange(to, data, null, 0); });
  }

  /** Receive `length` elements of `kind` from group rank `from`. */
  recv(from: number, length: number, kind: FloatKind = 'f32'): Promise<FloatArray> {
    const probe = kind === 'f64' ? new Float64Array(0) : new Float32Array(0);
    return this.collective('recv', probe, async (pp) => (await pp.exchange(null, null, from, length))!);
  }

  /** Send to `to` while receiving `length` elements from `from` (a ring step). */
  sendRecv(to: number, data: FloatArray, from: number, length: number): Promise<FloatArray> {
    return this.collective('send-recv', data, async (pp) => (await pp.exchange(to, data, from, length))!);
  }

  broadcast(data: FloatArray, root: number): Promise<FloatArray> {
    return this.collective('broadcast', data, (pp) => alg.broadcast(pp, data, root, this.options.broadcast ?? 'tree'));
  }

  reduce(data: FloatArray, root: number): Promise<FloatArray | null> {
    return this.collective('reduce', data, (pp) => alg.reduce(pp, data, root, this.options.reduce ?? 'tree'));
  }

  allReduce(data: FloatArray): Promise<FloatArray> {
    return this.collective('all-reduce', data, (pp) => alg.allReduce(pp, data, this.options.allReduce ?? 'ring'));
  }

  reduceScatter(data: FloatArray): Promise<FloatArray> {
    return this.collective('reduce-scatter', data, (pp) => alg.reduceScatter(pp, data));
  }

  allGather(data: FloatArray): Promise<FloatArray> {
    return this.collective('all-gather', data, (pp) => alg.allGather(pp, data));
  }

  allToAll(data: FloatArray): Promise<FloatArray> {
    return this.collective('all-to-all', data, (pp) => alg.allToAll(pp, data));
  }

  barrier(): Promise<void> {
    const empty = new Float32Array(0);
    return this.collective('barrier', empty, (pp) => alg.barrier(pp, empty));
  }
}

/** A rank program: what every rank runs, SPMD style. */
export type RankProgram<A, R> = (comm: Communicator, args: A) => Promise<R>;
