// A bump allocator over the shared wasm memory, plus long-lived "resident" arrays below it.
// Layout: [0, start) reserved | resident arrays [start, baseline) | per-call scratch [baseline, top) | free.
// Every kernel call takes mark() first and release(mark) last, so `top` returns to `baseline` after each call.
// The memory grows on demand up to its maximum; past that, alloc throws an error naming the kernel and sizes.
import { TesseraError } from '../../core/errors.js';
import { PAGE_BYTES } from './module.js';

export interface HeapStats {
  /** Bytes from the heap start to the bump pointer (resident arrays + live scratch). */
  usedBytes: number;
  /** Bytes from the heap start to the end of the resident arrays: usedBytes between kernel calls. */
  baselineBytes: number;
  /** Current size of the wasm memory. */
  memoryBytes: number;
}

export type ResidentDType = 'f32' | 'u16' | 'i32';
export type ResidentArray = Float32Array | Uint16Array | Int32Array;
const RESIDENT_TYPES = { f32: Float32Array, u16: Uint16Array, i32: Int32Array } as const;

const ALIGN = 64;
const alignUp = (x: number): number => Math.ceil(x / ALIGN) * ALIGN;

export class WasmHeap {
  private top: number;
  private baseline: number;
  private readonly resident = new Map<number, number>();
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private bytes!: Uint8Array;
  private floats!: Float32Array;
  private ints!: Int32Array;

  constructor(readonly memory: WebAssembly.Memory, private readonly start: number, private readonly maxBytes: number) {
    this.top = this.baseline = start;
    this.refreshViews();
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    this.bytes = new Uint8Array(buffer);
    this.floats = new Float32Array(buffer);
    this.ints = new Int32Array(buffer);
  }

  stats(): HeapStats {
    return { usedBytes: this.top - this.start, baselineBytes: this.baseline - this.start, memoryBytes: this.memory.buffer.byteLength };
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Byte address of `bytes` fresh bytes (64-byte aligned). `what` names the kernel and sizes for the error. */
  alloc(bytes: number, what: () => string): number {
    const at = alignUp(this.top);
    const end = at + alignUp(Math.max(bytes, 1));
    this.ensure(end, what);
    this.top = end;
    return at;
  }

  private ensure(end: number, what: () => string): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const limit = Math.min(this.maxBytes, 2 ** 32);
    const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
    if (end > limit) {
      throw new TesseraError('range', what(), `needs ${mib(end - this.start)} MiB of wasm memory, more than the ${mib(limit)} MiB maximum; split the call into smaller ones`);
    }
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    } catch (err) {
      throw new TesseraError('range', what(), `could not grow wasm memory to ${mib(end)} MiB (${String(err)})`);
    }
    this.refreshViews();
  }

  /** Whether `array` is a view on this heap's memory (then kernels use it in place, without copies). */
  isResident(array: ArrayBufferView): boolean {
    return this.buffers.has(array.buffer);
  }

  /** Byte address of `array` inside the memory: itself if resident, else a scratch copy. */
  place(array: ArrayBufferView, what: () => string): number {
    if (this.isResident(array)) return array.byteOffset;
    const at = this.alloc(array.byteLength, what);
    this.bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    return at;
  }

  /** Byte address for an output of `array`'s size: itself if resident, else uninitialised scratch. */
  placeOutput(array: ArrayBufferView, what: () => string): number {
    return this.isResident(array) ? array.byteOffset : this.alloc(array.byteLength, what);
  }

  /** Copy `length` f32 from address `at` into `out` unless `out` is the resident array at `at`. */
  copyOut(at: number, out: Float32Array, length: number): void {
    if (this.isResident(out) && out.byteOffset === at) return;
    // Through a private copy: V8's TypedArray.set from a SharedArrayBuffer source into an array that is
    // not in cache takes a slow relaxed-atomic path (~12 ms for 4 MB here); slice() + set is ~0.6 ms.
    out.set(this.floats.slice(at >> 2, (at >> 2) + length));
  }

  /** Scratch i32 array filled by `value(t)` for t < count; returns its address. */
  int32s(count: number, value: (t: number) => number, what: () => string): number {
    const at = this.alloc(count * 4, what);
    const base = at >> 2;
    for (let t = 0; t < count; t++) this.ints[base + t] = value(t);
    return at;
  }

  f32View(): Float32Array {
    return this.floats;
  }

  u32At(at: number): number {
    return this.ints[at >> 2]! >>> 0;
  }

  /** A typed array living in wasm memory until freeResident; kernels read and write it without copies. */
  allocResident(length: number, dtype: ResidentDType): ResidentArray {
    if (this.top !== this.baseline) throw new Error('wasm heap: allocResident during a kernel call');
    const at = this.alloc(length * RESIDENT_TYPES[dtype].BYTES_PER_ELEMENT, () => `allocResident(${length}, ${dtype})`);
    this.resident.set(at, this.top - at);
    this.baseline = this.top;
    const buffer = this.memory.buffer;
    if (dtype === 'u16') return new Uint16Array(buffer, at, length);
    return dtype === 'i32' ? new Int32Array(buffer, at, length) : new Float32Array(buffer, at, length);
  }

  /** Release a resident array; its space is reused once every resident array above it is freed too. */
  freeResident(array: ResidentArray): void {
    if (!this.isResident(array) || !this.resident.delete(array.byteOffset)) {
      throw new Error('wasm heap: freeResident expects a live array from allocResident');
    }
    let end = this.start;
    for (const [at, bytes] of this.resident) end = Math.max(end, at + bytes);
    this.baseline = this.top = end;
  }
}
