// Attack objectives, per example, all to be MAXIMISED by the attacker, on logits z [N, C]:
//   ce      untargeted  CE(z, y)                     targeted  −CE(z, t)
//   margin  untargeted  max_{i≠y} z_i − z_y           targeted  z_t − max_{i≠t} z_i
//   dlr     untargeted  −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3 + 1e−12)
//           targeted    −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2 + 1e−12)   (Croce & Hein 2020; π sorts z descending)
// Index choices (argmax over i≠y, the sort order π) are made on the values and held fixed, as the
// subgradient of max/sort; the chosen logits are gathered with takeAlongAxis so gradients flow.
import { shapeError, valueError } from '../core/errors.js';
import { Tensor, add, crossEntropy, div, mul, neg, reshape, sub, takeAlongAxis } from '../tensor/index.js';

export type AttackLoss = 'ce' | 'margin' | 'dlr';

/** Column indices [N, k] as an i32 tensor. */
function columns(rows: number, k: number, pick: (row: number) => number[]): Tensor {
  const out = new Int32Array(rows * k);
  for (let i = 0; i < rows; i++) out.set(pick(i), i * k);
  return new Tensor(out, [rows, k]);
}

/** Logits z[i, idx[i]] as [N]. */
function gather(z: Tensor, idx: Tensor): Tensor {
  return reshape(takeAlongAxis(z, reshape(idx, [idx.shape[0]!, 1]), 1), [idx.shape[0]!]);
}

/** Per row, the column of the largest logit other than `exclude[row]`. */
function argmaxExcluding(z: Tensor, exclude: Tensor): Tensor {
  const [n, c] = z.shape as [number, number];
  return columns(n, 1, (i) => {
    let best = -Infinity, arg = exclude.data[i] === 0 ? 1 : 0;
    for (let j = 0; j < c; j++) if (j !== exclude.data[i] && z.data[i * c + j]! > best) { best = z.data[i * c + j]!; arg = j; }
    return [arg];
  });
}

/** Per row, the columns of the k largest logits, descending. */
function topColumns(z: Tensor, k: number): Tensor {
  const [n, c] = z.shape as [number, number];
  return columns(n, k, (i) => Array.from({ length: c }, (_, j) => j).sort((a, b) => z.data[i * c + b]! - z.data[i * c + a]! || a - b).slice(0, k));
}

const column = (t: Tensor, j: number): Tensor => {
  const [n, k] = t.shape as [number, number];
  return new Tensor(Int32Array.from({ length: n }, (_, i) => t.data[i * k + j]!), [n]);
};

/**
 * The attacker's objective per example [N] for logits z [N, C] and true labels y [N]; with `targets`
 * the attack is targeted (move every example to its target class).
 */
export function attackObjective(z: Tensor, y: Tensor, loss: AttackLoss, targets?: Tensor): Tensor {
  if (z.rank !== 2) throw shapeError('attackObjective', 'logits', '[N, C]', z.shape);
  const [n, c] = z.shape as [number, number];
  if (y.rank !== 1 || y.shape[0] !== n) throw shapeError('attackObjective', 'y', `[${n}]`, y.shape);
  if (targets && (targets.rank !== 1 || targets.shape[0] !== n)) throw shapeError('attackObjective', 'targets', `[${n}]`, targets.shape);
  if (loss === 'ce') return targets ? neg(crossEntropy(z, targets, { reduction: 'none' })) : crossEntropy(z, y, { reduction: 'none' });
  if (loss === 'margin') {
    const cls = targets ?? y;
    const other = gather(z, reshape(argmaxExcluding(z, cls), [n]));
    const own = gather(z, cls);
    return targets ? sub(own, other) : sub(other, own);
  }
  if (loss === 'dlr') {
    if (c < (targets ? 4 : 3)) throw valueError('attackObjective', 'logits', `at least ${targets ? 4 : 3} classes for the DLR loss`, c);
    const top = topColumns(z, 4);
    const z1 = gather(z, column(top, 0)), z3 = gather(z, column(top, 2)), zy = gather(z, y);
    if (targets) {
      const z4 = gather(z, column(top, 3)), zt = gather(z, targets);
      const scale = add(sub(z1, mul(add(z3, z4), 0.5)), 1e-12);
      return neg(div(sub(zy, zt), scale));
    }
    const other = gather(z, reshape(argmaxExcluding(z, y), [n]));
    return neg(div(sub(zy, other), add(sub(z1, z3), 1e-12)));
  }
  throw valueError('attackObjective', 'loss', "'ce', 'margin' or 'dlr'", loss);
}
