// A network from a one-line spec, as `tessera ntk kernel --arch` takes it: space-separated layers
//   dense:W_STD:B_STD[:WIDTH]   B_STD may be "none" (no bias); WIDTH (default 1) matters only for the
//                               standard parameterisation, where the NTK grows with the input width
//   relu | erf | gelu | identity | leaky_relu:ALPHA | abrelu:A:B | erf:A:B:C | sin[:A:B:C] | cos[:A:B:C] |
//   rbf:GAMMA | exp[:A:B] | gaussian:A:B | sign | abs
//   attention:QK_STD:OV_STD:B_STD[:MECHANISM[:SCALING]]   global self-attention over the positions of
//                               sequences (attention.ts): σ_QK = W_query_std·W_key_std, σ_OV = W_out_std·W_value_std,
//                               MECHANISM softmax (default) | identity | abs | relu, SCALING linear (default, 1/d_k)
//                               | sqrt (1/√d_k, identity only); its finite sizes are 1 head of 1 channel (the
//                               kernel does not depend on them)
//   global_avg_pool | flatten   sequences → vectors (mean over positions, or all positions' channels)
// e.g. "dense:1.4:0.1 relu dense:1.4:0.1 relu dense:1.4:0.1", or on sequences
// "attention:2:1.2:0.1 relu attention:2:1.2:0.1 global_avg_pool dense:1:0". Unknown layers and bad numbers are errors
// that name the token.
import { TesseraError } from '../core/errors.js';
import { abRelu, abs, cos, erf, exp, gaussian, gelu, leakyRelu, rbf, relu, sign, sin } from './activations.js';
import { globalSelfAttention } from './attention.js';
import { flatten, globalAvgPool } from './conv.js';
import { dense, type Parameterization } from './dense.js';
import { identity, serial, type Layer } from './layer.js';

const LAYERS = 'dense:W_STD:B_STD[:WIDTH], relu, erf, gelu, identity, leaky_relu:ALPHA, abrelu:A:B, erf:A:B:C, sin[:A:B:C], cos[:A:B:C], rbf:GAMMA, exp[:A:B], gaussian:A:B, sign, abs, attention:QK_STD:OV_STD:B_STD[:MECHANISM[:SCALING]], global_avg_pool, flatten';

export function parseArchitecture(spec: string, o: { parameterization?: Parameterization } = {}): Layer {
  const op = 'parseArchitecture';
  const tokens = spec.trim().split(/\s+/).filter((t) => t.length > 0);
  if (tokens.length === 0) throw new TesseraError('value', op, `--arch expected space-separated layers (${LAYERS}), got an empty spec`);
  const layers = tokens.map((token, at) => {
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
        const width = args.length === 3 ? num(2, 'WIDTH')! : 1;
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
      case 'global_avg_pool': arity([0]); return globalAvgPool();
      case 'flatten': arity([0]); return flatten();
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
  });
  return layers.length === 1 ? layers[0]! : serial(...layers);
}
