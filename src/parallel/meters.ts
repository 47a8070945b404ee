// Meters that every rank carries while a schedule runs: bytes moved (per collective and per
// layer) and bytes held (per memory category), both live and at their peak.

/** What a communication call moved, from one rank's point of view. */
export interface TrafficRecord {
  collective: string;
  layer: string;
  calls: number;
  bytesSent: number;
  bytesRecv: number;
}

/** Bytes sent and received by one rank, keyed by collective and by the layer label active at the time. */
export class CommMeter {
  private readonly records = new Map<string, TrafficRecord>();
  /** The layer label new traffic is filed under (set by Communicator.inLayer). */
  layer = '-';

  /** Count one call's traffic. */
  record(collective: string, bytesSent: number, bytesRecv: number, countCall: boolean): void {
    const key = `${collective}\u0000${this.layer}`;
    let r = this.records.get(key);
    if (!r) {
      r = { collective, layer: this.layer, calls: 0, bytesSent: 0, bytesRecv: 0 };
      this.records.set(key, r);
    }
    if (countCall) r.calls++;
    r.bytesSent += bytesSent;
    r.bytesRecv += bytesRecv;
  }

  /** Every (collective, layer) row, in first-seen order. */
  rows(): TrafficRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  get bytesSent(): number {
    let s = 0;
    for (const r of this.records.values()) s += r.bytesSent;
    return s;
  }

  get bytesRecv(): number {
    let s = 0;
    for (const r of this.records.values()) s += r.bytesRecv;
    return s;
  }

  /** Totals per collective name (all layers). */
  byCollective(): Record<string, { bytesSent: number; bytesRecv: number; calls: number }> {
    const out: Record<string, { bytesSent: number; bytesRecv: number; calls: number }> = {};
    for (const r of this.records.values()) {
      const o = (out[r.collective] ??= { bytesSent: 0, bytesRecv: 0, calls: 0 });
      o.bytesSent += r.bytesSent;
      o.bytesRecv += r.bytesRecv;
      o.calls += r.calls;
    }
    return out;
  }

  /** Totals per layer label (all collectives). */
  byLayer(): Record<string, { bytesSent: number; bytesRecv: number }> {
    const out: Record<string, { bytesSent: number; bytesRecv: number }> = {};
    for (const r of this.records.values()) {
      const o = (out[r.layer] ??= { bytesSent: 0, bytesRecv: 0 });
      o.bytesSent += r.bytesSent;
      o.bytesRecv += r.bytesRecv;
    }
    return out;
  }
}

export const MEMORY_CATEGORIES = ['weights', 'activations', 'gradients', 'comm'] as const;
export type MemoryCategory = (typeof MEMORY_CATEGORIES)[number];

export interface MemorySnapshot {
  live: Record<MemoryCategory, number>;
  peak: Record<MemoryCategory, number>;
  /** Peak of the sum over categories (not the sum of the per-category peaks). */
  peakTotal: number;
}

const zeroByCategory = (): Record<MemoryCategory, number> => ({ weights: 0, activations: 0, gradients: 0, comm: 0 });

/**
 * Live and peak bytes of one rank by category. Schedules `hold` a buffer when it comes into
 * existence and `release` it when it is no longer needed; the meter keeps the running peaks.
 */
export class MemoryMeter {
  private readonly live = zeroByCategory();
  private readonly peak = zeroByCategory();
  private total = 0;
  private peakTotal = 0;
  private readonly handles = new Map<number, { category: MemoryCategory; bytes: number }>();
  private nextHandle = 1;

  /** Record `bytes` coming into existence; returns a handle for `release`. */
  hold(category: MemoryCategory, bytes: number): number {
    this.live[category] += bytes;
    this.total += bytes;
    if (this.live[category] > this.peak[category]) this.peak[category] = this.live[category];
    if (this.total > this.peakTotal) this.peakTotal = this.total;
    const h = this.nextHandle++;
    this.handles.set(h, { category, bytes });
    return h;
  }

  /** Record a held buffer being freed (each handle once). */
  release(handle: number): void {
    const entry = this.handles.get(handle);
    if (!entry) return;
    this.handles.delete(handle);
    this.live[entry.category] -= entry.bytes;
    this.total -= entry.bytes;
  }

  /** Run `fn` with `bytes` held for its duration (a transient buffer). */
  async during<T>(category: MemoryCategory, bytes: number, fn: () => Promise<T>): Promise<T> {
    const h = this.hold(category, bytes);
    try {
      return await fn();
    } finally {
      this.release(h);
    }
  }

  snapshot(): MemorySnapshot {
    return { live: { ...this.live }, peak: { ...this.peak }, peakTotal: this.peakTotal };
  }
}
