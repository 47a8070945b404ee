// Module: a layer with named parameters, buffers and child modules, kept as a plain tree.
// Names are dot-joined paths ("features.0.weight"), the names checkpoints and optimizers use.
// Parameters are leaf tensors that require grad; optimizers update their storage in place.
import { shapeError, valueError } from '../core/errors.js';
import type { Key } from '../core/random.js';
import { foldIn } from '../core/random.js';
import { shapesEqual } from '../core/shape.js';
import { Tensor, cast, mul, noGrad } from '../tensor/index.js';

/** Per-call context: the random key for stochastic layers (dropout) in training mode. */
export interface ForwardContext {
  key?: Key;
}

/** The key for child `index` of a container, or undefined when the caller gave none. */
export function childKey(ctx: ForwardContext | undefined, index: number): ForwardContext | undefined {
  return ctx?.key ? { key: foldIn(ctx.key, index) } : ctx;
}

export abstract class Module {
  /** Training mode (batch statistics, dropout active) or evaluation mode. */
  training = true;
  protected readonly params: Record<string, Tensor> = {};
  protected readonly buffers: Record<string, Tensor> = {};
  protected readonly children: Record<string, Module> = {};
  /** Fixed or changing 0/1 masks on parameters (u8, same shape), applied to the value and so to its gradient. */
  protected readonly masks: Record<string, Tensor> = {};

  abstract forward(x: Tensor, ctx?: ForwardContext): Tensor;

  /** A parameter as the forward pass should use it: masked when a mask is set. */
  protected param(name: string): Tensor {
    const p = this.params[name];
    if (!p) throw valueError(this.constructor.name, 'parameter', `one of ${Object.keys(this.params).join(', ')}`, name);
    const m = this.masks[name];
    return m ? mul(p, cast(m, p.dtype)) : p;
  }

  protected addParameter(name: string, value: Tensor): Tensor {
    const p = value.requiresGrad && !value.node ? value : new Tensor(value.data, value.shape, { requiresGrad: true });
    this.params[name] = p;
    return p;
  }

  protected addBuffer(name: string, value: Tensor): Tensor {
    this.buffers[name] = value;
    return value;
  }

  protected addChild<M extends Module>(name: string, child: M): M {
    this.children[name] = child;
    return child;
  }

  /** All parameters of this module and its children, by dotted path. */
  namedParameters(prefix = ''): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(this.params)) out[prefix + k] = v;
    for (const [k, c] of Object.entries(this.children)) Object.assign(out, c.namedParameters(`${prefix}${k}.`));
    return out;
  }

  /** All buffers (running statistics, counters), by dotted path. */
  namedBuffers(prefix = ''): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(this.buffers)) out[prefix + k] = v;
    for (const [k, c] of Object.entries(this.children)) Object.assign(out, c.namedBuffers(`${prefix}${k}.`));
    return out;
  }

  /** All parameter masks, by the dotted path of the parameter they mask. */
  namedMasks(prefix = ''): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(this.masks)) out[prefix + k] = v;
    for (const [k, c] of Object.entries(this.children)) Object.assign(out, c.namedMasks(`${prefix}${k}.`));
    return out;
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [k, c] of Object.entries(this.children)) out.push(...c.namedModules(`${prefix}${k}.`));
    return out;
  }

  /** Set (or with null remove) the 0/1 mask of the parameter at `path`; masked entries are zeroed in storage. */
  setMask(path: string, mask: Tensor | null): void {
    const [owner, name] = this.locate(path);
    const p = owner.params[name];
    if (!p) throw valueError('setMask', 'path', 'a parameter path', path);
    if (mask === null) {
      delete owner.masks[name];
      return;
    }
    if (!shapesEqual(mask.shape, p.shape)) throw shapeError('setMask', path, `a mask of shape [${p.shape.join(', ')}]`, mask.shape);
    if (mask.dtype !== 'u8') throw valueError('setMask', path, 'a u8 0/1 mask', mask.dtype);
    owner.masks[name] = mask;
    noGrad(() => {
      for (let i = 0; i < p.size; i++) if (!mask.data[i]) p.data[i] = 0;
    });
  }

  /** Training (true) or evaluation (false) mode, recursively. Returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const c of Object.values(this.children)) c.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers together (parameters by path, buffers by path), the checkpointed state. */
  stateDict(): Record<string, Tensor> {
    return { ...this.namedParameters(), ...this.namedBuffers() };
  }

  /** Copy values into parameters and buffers by path; every entry must exist with the same shape. */
  loadStateDict(state: Record<string, Tensor>, options: { strict?: boolean } = {}): void {
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in state));
    const extra = Object.keys(state).filter((k) => !(k in own));
    if ((options.strict ?? true) && (missing.length || extra.length)) {
      throw valueError('loadStateDict', 'state', 'exactly the module\'s parameters and buffers', `missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
    }
    for (const [k, v] of Object.entries(state)) {
      const target = own[k];
      if (!target) continue;
      if (!shapesEqual(target.shape, v.shape)) throw shapeError('loadStateDict', k, `shape [${target.shape.join(', ')}]`, v.shape);
      target.data.set(v.data);
    }
  }

  private locate(path: string): [Module, string] {
    const parts = path.split('.');
    let m: Module = this;
    for (const p of parts.slice(0, -1)) {
      const c: Module | undefined = m.children[p];
      if (!c) throw valueError('Module', 'path', `a path through child modules (${Object.keys(m.children).join(', ')})`, path);
      m = c;
    }
    return [m, parts.at(-1)!];
  }

  /** Number of parameter elements (unmasked ones only when `countMasked` is false). */
  parameterCount(countMasked = true): number {
    let n = 0;
    const masks = this.namedMasks();
    for (const [k, p] of Object.entries(this.namedParameters())) {
      const m = masks[k];
      if (!m || countMasked) n += p.size;
      else for (let i = 0; i < m.size; i++) n += m.data[i] ? 1 : 0;
    }
    return n;
  }
}
