// An append-only key/value cache for one attention invocation (batch 1): rows [T, width], width = kvHeads·d,
// held in buffers that grow by doubling, so a decode step appends one row instead of copying the cache.
// extend(k, v) appends the new rows and returns the keys and values attention should read:
//   - on an empty cache, k and v themselves (autograd flows through a prefill or a training forward);
//   - otherwise [1, T, width] Tensors over the buffers (constants: a continued call does not differentiate
//     into earlier calls' keys, as a truncated backpropagation through time).
// The views alias the buffers but stay valid: later appends write past their end, and a grown buffer is a
// new array (tensors are immutable, and these are too in effect).
import type { FloatDType } from '../../core/dtype.js';
import { shapeError } from '../../core/errors.js';
import { Tensor } from '../../tensor/index.js';

export class KeyValueCache {
  private keyBuffer: Float32Array | Float64Array;
  private valueBuffer: Float32Array | Float64Array;
  length = 0;

  constructor(readonly width: number, capacity = 16, readonly dtype: FloatDType = 'f32') {
    this.keyBuffer = this.make(capacity * width);
    this.valueBuffer = this.make(capacity * width);
  }

  private make(n: number): Float32Array | Float64Array {
    return this.dtype === 'f64' ? new Float64Array(n) : new Float32Array(n);
  }

  get capacity(): number {
    return this.keyBuffer.length / this.width;
  }

  /** Room for `total` positions. */
  reserve(total: number): void {
    if (total <= this.capacity) return;
    const cap = Math.max(total, 2 * this.capacity);
    const k = this.make(cap * this.width), v = this.make(cap * this.width);
    k.set(this.keyBuffer.subarray(0, this.length * this.width));
    v.set(this.valueBuffer.subarray(0, this.length * this.width));
    this.keyBuffer = k;
    this.valueBuffer = v;
  }

  /** Append k, v [1, S, width]; returns the keys and values of all T positions (see the header). */
  extend(k: Tensor, v: Tensor): { keys: Tensor; values: Tensor } {
    const S = k.shape[1]!;
    for (const [name, t] of [['k', k], ['v', v]] as const) {
      if (t.rank !== 3 || t.shape[0] !== 1 || t.shape[1] !== S || t.shape[2] !== this.width) throw shapeError('KeyValueCache.extend', name, `[1, ${S}, ${this.width}]`, t.shape);
      if (t.dtype !== this.dtype) throw shapeError('KeyValueCache.extend', `${name} dtype`, this.dtype, t.dtype);
    }
    const start = this.length;
    this.reserve(start + S);
    this.keyBuffer.set(k.data as Float32Array | Float64Array, start * this.width);
    this.valueBuffer.set(v.data as Float32Array | Float64Array, start * this.width);
    this.length += S;
    if (start === 0) return { keys: k, values: v };
    return { keys: this.keys(), values: this.values() };
  }

  /** The cached keys [1, T, width] (after rotary, as stored). */
  keys(): Tensor {
    return new Tensor(this.keyBuffer.subarray(0, this.length * this.width), [1, this.length, this.width]);
  }

  values(): Tensor {
    return new Tensor(this.valueBuffer.subarray(0, this.length * this.width), [1, this.length, this.width]);
  }

  /** Values held (keys and values), the quantity a cache's bytes are counted from. */
  get storedValues(): number {
    return 2 * this.length * this.width;
  }
}
