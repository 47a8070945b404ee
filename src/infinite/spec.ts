// A network from a one-line spec, as `tessera ntk kernel --arch` takes it: space-separated layers
//   dense:W_STD:B_STD[:WIDTH]   B_STD may be "none" (no bias); WIDTH (default 1) matters only for the
//                               standard parameterisation, where the NTK grows with the input width, and
//                               for finite networks: options.width is the default WIDTH, options.outputs
//                               that of a dense layer ending the spec (the readout; default: width)
//   relu | erf | gelu | identity | leaky_relu:ALPHA | abrelu:A:B | erf:A:B:C | sin[:A:B:C] | cos[:A:B:C] |
//   rbf:GAMMA | exp[:A:B] | gaussian:A:B | sign | abs | monomial:D | rectified_monomial:D | hermite:D |
//   polynomial:C0:C1:…:CN (φ = C0 + C1·x + … + CN·x^N) | layer_norm[:EPS] | dropout:RATE[:train|test] (RATE = keep
//   probability; train by default)
//   conv:C:K:W_STD:B_STD[:STRIDE[:same|valid|circular]]   on images (inputs reshaped to --input-shape C,H,W)
//   avg_pool:W[:STRIDE[:valid|same]] | sum_pool:W[:STRIDE[:valid|same]] | flatten | global_avg_pool
//   attention:QK_STD:OV_STD:B_STD[:MECHANISM[:SCALING]]   global self-attention over the positions of
//                               images or sequences [C, 1, L] (attention.ts): σ_QK = W_query_std·W_key_std,
//                               σ_OV = W_out_std·W_value_std, MECHANISM softmax (default) | identity | abs | relu,
//                               SCALING linear (default, 1/d_k) | sqrt (1/√d_k, identity only); its finite sizes are
//                               1 head of 1 channel (the kernel does not depend on them)
//   ( A | B | … ) fanin_sum|fanin_prod|fanin_concat      branches: fanOut, each branch its own layers
//                                                         (an empty branch is the identity), then the fan-in
// e.g. "dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1" or "( dense:1:0 relu | ) fanin_sum dense:1:0".
// Unknown layers and bad numbers are errors that name the token.
import { TesseraError } from '../core/errors.js';
import { abRelu, abs, cos, erf, exp, gaussian, gelu, leakyRelu, rbf, relu, sign, sin } from './activations.js';
import { globalSelfAttention } from './attention.js';
import { conv, flatten, globalAvgPool } from './conv.js';
import { dropout } from './dropout.js';
import { layerNorm } from './layerNorm.js';
import { hermite, monomial, polynomial, rectifiedMonomial } from './polynomials.js';
import { dense, type Parameterization } from './dense.js';
import { fanInConcat, fanInProd, fanInSum } from './fanIn.js';
import { avgPool, sumPool } from './pooling.js';
import { fanOut, identity, parallel, serial, type Layer } from './layer.js';

const LAYERS = 'dense:W_STD:B_STD[:WIDTH], relu, erf, gelu, identity, leaky_relu:ALPHA, abrelu:A:B, erf:A:B:C, sin[:A:B:C], cos[:A:B:C], rbf:GAMMA, exp[:A:B], gaussian:A:B, sign, abs, monomial:D, rectified_monomial:D, hermite:D, polynomial:C0:…:CN, layer_norm[:EPS], dropout:RATE[:train|test], conv:C:K:W_STD:B_STD[:STRIDE[:PADDING]], avg_pool:W[:STRIDE[:PADDING]], sum_pool:W[:STRIDE[:PADDING]], flatten, global_avg_pool, attention:QK_STD:OV_STD:B_STD[:MECHANISM[:SCALING]], ( A | B ) fanin_sum|fanin_prod|fanin_concat';
const FAN_INS: Record<string, () => Layer> = { fanin_sum: fanInSum, fanin_prod: fanInProd, fanin_concat: fanInConcat };

export function parseArchitecture(spec: string, o: { parameterization?: Parameterization; width?: number; outputs?: number } = {}): Layer {
  const op = 'parseArchitecture';
  const tokens = spec.trim().split(/\s+/).filter((t) => t.length > 0);
  if (tokens.length === 0) throw new TesseraError('value', op, `--arch expected space-separated layers (${LAYERS}), got an empty spec`);
  for (const k of ['width', 'outputs'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new TesseraError('value', op, `${k} expected a positive integer (the default WIDTH of dense layers), got ${v}`);
  }
  const parseToken = (token: string, at: number): Layer => {
    const [name, ...args] = token.split(':');
    const num = (i: number, what: string, allowNone = false): number | null => {
      const s = args[i];
      if (allowNone && s === 'none') return null;
      const v = Number(s);
      if (s === undefined || s === '' || !Number.isFinite(v)) {
        throw new TesseraError('value', op, `layer ${at + 1} "${token}": ${what} expected a number${allowNone ? ' or "none"' : ''}, got ${s === undefined ? 'nothing' : `"${s}"`}`);
      }
      return v;
    };
    const arity = (n: number[]) => {
      if (!n.includes(args.length)) throw new TesseraError('value', op, `layer ${at + 1} "${token}": expected ${n.join(' or ')} parameter(s) after "${name}:", got ${args.length}`);
    };
    switch (name) {
      case 'dense': {
        arity([2, 3]);
        const readout = at === tokens.length - 1; // a dense layer ending the spec is the network's readout
        const width = args.length === 3 ? num(2, 'WIDTH')! : readout ? (o.outputs ?? o.width ?? 1) : (o.width ?? 1);
        if (!Number.isInteger(width) || width < 1) throw new TesseraError('value', op, `layer ${at + 1} "${token}": WIDTH expected a positive integer, got ${width}`);
        return dense(width, { wStd: num(0, 'W_STD')!, bStd: num(1, 'B_STD', true), parameterization: o.parameterization ?? 'ntk' });
      }
      case 'relu': arity([0]); return relu();
      case 'gelu': arity([0]); return gelu();
      case 'identity': arity([0]); return identity();
      case 'erf': arity([0, 3]); return args.length === 0 ? erf() : erf(num(0, 'A')!, num(1, 'B')!, num(2, 'C')!);
      case 'leaky_relu': arity([1]); return leakyRelu(num(0, 'ALPHA')!);
      case 'abrelu': arity([2]); return abRelu(num(0, 'A')!, num(1, 'B')!);
      case 'sin': arity([0, 3]); return args.length === 0 ? sin() : sin(num(0, 'A')!, num(1, 'B')!, num(2, 'C')!);
      case 'cos': arity([0, 3]); return args.length === 0 ? cos() : cos(num(0, 'A')!, num(1, 'B')!, num(2, 'C')!);
      case 'rbf': arity([1]); return rbf(num(0, 'GAMMA')!);
      case 'exp': arity([0, 2]); return args.length === 0 ? exp() : exp(num(0, 'A')!, num(1, 'B')!);
      case 'gaussian': arity([2]); return gaussian(num(0, 'A')!, num(1, 'B')!);
      case 'sign': arity([0]); return sign();
      case 'abs': arity([0]); return abs();
      case 'conv': {
        arity([4, 5, 6]);
        const padding = args[5] ?? 'same';
        if (padding !== 'same' && padding !== 'valid' && padding !== 'circular') throw new TesseraError('value', op, `layer ${at + 1} "${token}": PADDING expected same, valid or circular, got "${padding}"`);
        return conv(num(0, 'C')!, num(1, 'K')!, { wStd: num(2, 'W_STD')!, bStd: num(3, 'B_STD', true), ...(args.length > 4 && { stride: num(4, 'STRIDE')! }), padding });
      }
      case 'avg_pool':
      case 'sum_pool': {
        arity([1, 2, 3]);
        const padding = args[2] ?? 'valid';
        if (padding !== 'same' && padding !== 'valid') throw new TesseraError('value', op, `layer ${at + 1} "${token}": PADDING expected valid or same, got "${padding}"`);
        const o = { ...(args.length > 1 && { stride: num(1, 'STRIDE')! }), padding } as const;
        return name === 'avg_pool' ? avgPool(num(0, 'W')!, o) : sumPool(num(0, 'W')!, o);
      }
      case 'flatten': arity([0]); return flatten();
      case 'global_avg_pool': arity([0]); return globalAvgPool();
      case 'fanin_sum':
      case 'fanin_prod':
      case 'fanin_concat':
        throw new TesseraError('value', op, `layer ${at + 1} "${token}": a fan-in must follow branches "( A | B )" closed by ")"`);
      case 'monomial': arity([1]); return monomial(num(0, 'D')!);
      case 'rectified_monomial': arity([1]); return rectifiedMonomial(num(0, 'D')!);
      case 'hermite': arity([1]); return hermite(num(0, 'D')!);
      case 'polynomial':
        if (args.length === 0) throw new TesseraError('value', op, `layer ${at + 1} "${token}": expected coefficients C0:C1:… after "polynomial:", got none`);
        return polynomial(args.map((_, i) => num(i, `C${i}`)!));
      case 'layer_norm': arity([0, 1]); return args.length === 0 ? layerNorm() : layerNorm({ eps: num(0, 'EPS')! });
      case 'dropout': {
        arity([1, 2]);
        const mode = args[1] ?? 'train';
        if (mode !== 'train' && mode !== 'test') throw new TesseraError('value', op, `layer ${at + 1} "${token}": mode expected "train" or "test", got "${mode}"`);
        return dropout(num(0, 'RATE')!, mode);
      }
      case 'attention': {
        arity([3, 4, 5]);
        const mechanism = args[3] ?? 'softmax', scaling = args[4] ?? 'linear';
        if (!['softmax', 'identity', 'abs', 'relu'].includes(mechanism)) {
          throw new TesseraError('value', op, `layer ${at + 1} "${token}": MECHANISM expected softmax, identity, abs or relu, got "${mechanism}"`);
        }
        if (scaling !== 'linear' && scaling !== 'sqrt') throw new TesseraError('value', op, `layer ${at + 1} "${token}": SCALING expected linear or sqrt, got "${scaling}"`);
        if (scaling === 'sqrt' && mechanism !== 'identity') {
          throw new TesseraError('value', op, `layer ${at + 1} "${token}": ${mechanism} attention with sqrt scaling has no known closed form kernel (use linear scaling, or the identity mechanism)`);
        }
        return globalSelfAttention(1, 1, 1, 1, { wKeyStd: num(0, 'QK_STD')!, wValueStd: num(1, 'OV_STD')!, bStd: num(2, 'B_STD', true), attentionMechanism: mechanism, linearScaling: scaling === 'linear' });
      }
      default:
        throw new TesseraError('value', op, `layer ${at + 1} "${token}": unknown layer "${name}", expected one of ${LAYERS}`);
    }
  };
  // A sequence of layers up to `)` or `|` (or the end); `( … | … ) fanin_*` nests.
  let at = 0;
  const sequence = (nested: boolean): Layer[] => {
    const out: Layer[] = [];
    while (at < tokens.length && tokens[at] !== ')' && tokens[at] !== '|') {
      const token = tokens[at]!;
      if (token !== '(') { out.push(parseToken(token, at++)); continue; }
      const open = at++, arms: Layer[][] = [sequence(true)];
      while (tokens[at] === '|') { at++; arms.push(sequence(true)); }
      if (tokens[at] !== ')') throw new TesseraError('value', op, `layer ${open + 1} "(": expected a closing ")" for the branches opened here, got ${at < tokens.length ? `"${tokens[at]}"` : 'the end of the spec'}`);
      at++;
      const fanIn = FAN_INS[tokens[at] ?? ''];
      if (!fanIn) throw new TesseraError('value', op, `layer ${at + 1}: expected fanin_sum, fanin_prod or fanin_concat after the branches closed by ")", got ${at < tokens.length ? `"${tokens[at]}"` : 'the end of the spec'}`);
      if (arms.length < 2) throw new TesseraError('value', op, `layer ${open + 1} "(": expected at least 2 branches separated by "|", got 1`);
      at++;
      out.push(serial(fanOut(arms.length), parallel(...arms.map((a) => (a.length === 0 ? identity() : a.length === 1 ? a[0]! : serial(...a)))), fanIn()));
    }
    if (!nested && at < tokens.length) throw new TesseraError('value', op, `layer ${at + 1} "${tokens[at]}": unexpected outside branches "( A | B ) fanin_*"`);
    return out;
  };
  const layers = sequence(false);
  if (layers.length === 0) throw new TesseraError('value', op, `--arch expected at least one layer (${LAYERS}), got "${spec}"`);
  return layers.length === 1 ? layers[0]! : serial(...layers);
}
