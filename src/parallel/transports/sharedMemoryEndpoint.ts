// The Endpoint of one worker thread: point-to-point mailboxes in one SharedArrayBuffer.
// Layout: an Int32 control block [abort, doorbell per rank, progress, slot state and chunk length
// per (src, dst) pair], a failure-reason area, then a data slot of `slotBytes` per pair.
// A message travels in chunks through its pair's one-deep slot: the sender writes a chunk and
// sets state 1, the receiver copies it out and sets state 0; each side rings the other's doorbell.
// `exchange` progresses its send and its receive together, so rings of large messages never
// deadlock. Waiting blocks on the rank's doorbell (Atomics.wait, allowed in workers) with a deadline.
import type { FloatArray } from '../../core/dtype.js';
import { rangeError } from '../../core/errors.js';
import type { Endpoint, FloatKind } from '../communicator.js';
import { peerFailedError, peerTimeoutError } from './failure.js';

const REASON_BYTES = 1024;

/** Byte layout of the shared buffer for `size` ranks. */
export function sharedLayout(size: number, slotBytes: number) {
  const ints = 3 + 2 * size + 2 * size * size; // abort, progress, reason length, doorbells, waiting-for per rank, (state, length) per pair
  const controlBytes = Math.ceil((ints * 4) / 8) * 8;
  const reasonOffset = controlBytes;
  const dataOffset = reasonOffset + REASON_BYTES;
  return { ints, reasonOffset, dataOffset, totalBytes: dataOffset + size * size * slotBytes };
}

const ABORT = 0, PROGRESS = 1, REASON_LEN = 2, BELLS = 3;

export class SharedMemoryEndpoint implements Endpoint {
  private readonly ctrl: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly layout: ReturnType<typeof sharedLayout>;

  constructor(readonly sab: SharedArrayBuffer, readonly rank: number, readonly size: number, readonly slotBytes: number, readonly timeoutMs: number) {
    this.layout = sharedLayout(size, slotBytes);
    this.ctrl = new Int32Array(sab, 0, this.layout.ints);
    this.bytes = new Uint8Array(sab);
  }

  private state(src: number, dst: number): number {
    return BELLS + 2 * this.size + 2 * (src * this.size + dst);
  }

  /** Slot holding 1 + the rank `rank` is blocked on (0: not blocked). */
  private waitSlot(rank: number): number {
    return BELLS + this.size + rank;
  }

  private slot(src: number, dst: number): number {
    return this.layout.dataOffset + (src * this.size + dst) * this.slotBytes;
  }

  private ring(peer: number): void {
    Atomics.add(this.ctrl, BELLS + peer, 1);
    Atomics.notify(this.ctrl, BELLS + peer);
  }

  /** Mark the world failed by `rank` with `reason` and wake everyone (used by the worker on an error). */
  static abort(sab: SharedArrayBuffer, size: number, slotBytes: number, rank: number, reason: string): void {
    const layout = sharedLayout(size, slotBytes);
    const ctrl = new Int32Array(sab, 0, layout.ints);
    if (Atomics.compareExchange(ctrl, ABORT, 0, -1) !== 0) return; // claim, write the reason, then publish
    const text = new TextEncoder().encode(reason).subarray(0, REASON_BYTES);
    new Uint8Array(sab, layout.reasonOffset, REASON_BYTES).set(text);
    Atomics.store(ctrl, REASON_LEN, text.length);
    Atomics.store(ctrl, ABORT, rank + 1);
    for (let r = 0; r < size; r++) { Atomics.add(ctrl, BELLS + r, 1); Atomics.notify(ctrl, BELLS + r); }
  }

  /** The total number of exchange steps taken by all ranks (the main thread's watchdog reads it). */
  static progress(sab: SharedArrayBuffer, size: number, slotBytes: number): number {
    return Atomics.load(new Int32Array(sab, 0, sharedLayout(size, slotBytes).ints), PROGRESS);
  }

  private checkAbort(context: string): void {
    const failed = Atomics.load(this.ctrl, ABORT);
    if (failed <= 0) return; // 0: fine; −1: a failure is being recorded (seen on the next wake-up)
    const len = Atomics.load(this.ctrl, REASON_LEN);
    const reason = new TextDecoder().decode(this.bytes.slice(this.layout.reasonOffset, this.layout.reasonOffset + len));
    throw peerFailedError(failed - 1, reason, context);
  }

  async exchange(to: number | null, data: FloatArray | null, from: number | null, recvLength: number, kind: FloatKind, context: string): Promise<FloatArray | null> {
    const out = data ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    const result = from === null ? null : kind === 'f64' ? new Float64Array(recvLength) : new Float32Array(recvLength);
    const into = result ? new Uint8Array(result.buffer) : null;
    let sentBytes = 0, sentChunks = 0, gotBytes = 0, gotChunks = 0;
    const sendDone = (): boolean => to === null || (sentChunks > 0 && sentBytes >= out!.length);
    const recvDone = (): boolean => from === null || (gotChunks > 0 && gotBytes >= into!.length);
    let deadline = Date.now() + this.timeoutMs;
    while (!sendDone() || !recvDone()) {
      const bell = Atomics.load(this.ctrl, BELLS + this.rank);
      this.checkAbort(context);
      let progressed = false;
      if (!sendDone() && Atomics.load(this.ctrl, this.state(this.rank, to!)) === 0) {
        const n = Math.min(this.slotBytes, out!.length - sentBytes);
        this.bytes.set(out!.subarray(sentBytes, sentBytes + n), this.slot(this.rank, to!));
        Atomics.store(this.ctrl, this.state(this.rank, to!) + 1, n);
        Atomics.store(this.ctrl, this.state(this.rank, to!), 1);
        this.ring(to!);
        sentBytes += n;
        sentChunks++;
        progressed = true;
      }
      if (!recvDone() && Atomics.load(this.ctrl, this.state(from!, this.rank)) === 1) {
        const n = Atomics.load(this.ctrl, this.state(from!, this.rank) + 1);
        if (gotBytes + n > into!.length) throw rangeError('parallel', `message from rank ${from} in ${context}`, `${into!.length} bytes`, `at least ${gotBytes + n}`);
        const at = this.slot(from!, this.rank);
        into!.set(this.bytes.subarray(at, at + n), gotBytes);
        Atomics.store(this.ctrl, this.state(from!, this.rank), 0);
        this.ring(from!);
        gotBytes += n;
        gotChunks++;
        progressed = true;
      }
      if (progressed) {
        Atomics.add(this.ctrl, PROGRESS, 1);
        deadline = Date.now() + this.timeoutMs;
        continue;
      }
      const left = deadline - Date.now();
      const peer = !recvDone() ? from! : to!;
      if (left <= 0) {
        // The wait slot stays set, so ranks that time out later still trace the chain through this one.
        throw peerTimeoutError(peer, this.timeoutMs, context, (r) => Atomics.load(this.ctrl, this.waitSlot(r)) - 1);
      }
      Atomics.store(this.ctrl, this.waitSlot(this.rank), peer + 1);
      Atomics.wait(this.ctrl, BELLS + this.rank, bell, Math.min(left, 100));
    }
    Atomics.store(this.ctrl, this.waitSlot(this.rank), 0);
    return result;
  }
}
