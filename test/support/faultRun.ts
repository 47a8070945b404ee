// A small, fast training run shared by the fault-tolerance tests and their child process
// (faultTrainer.ts): a 16-32-4 MLP with Adam on a seeded teacher task, 256 examples, batch 32, 4 epochs
// = 32 steps, a checkpoint every 4 steps. With `sparse`, the same run under SRigL (90% sparse hidden layer,
// ablation on, a topology update every 4 steps until step 24), whose state must survive kills too.
import { key, split } from '../../src/core/random.js';
import { Tensor, crossEntropy, matmul, random } from '../../src/tensor/index.js';
import { mlp } from '../../src/nn/index.js';
import { adam } from '../../src/optim/index.js';
import { train, type TrainOptions, type TrainResult } from '../../src/train/index.js';
import { createDynamicSparsity, type DynamicSparsity } from '../../src/sparse/index.js';

export const RUN = { examples: 256, batchSize: 32, epochs: 4, every: 4, keepLast: 3 } as const;
export const TOTAL_STEPS = (RUN.examples / RUN.batchSize) * RUN.epochs;

export function faultRun(dir: string, extra: Partial<TrainOptions> = {}, options: { sparse?: boolean } = {}): Promise<TrainResult> & { model: ReturnType<typeof mlp>; sparsity: DynamicSparsity | null } {
  const [kData, kTeacher, kModel, kTrain, kSparse] = split(key(7), 5);
  const x = random.normal(kData!, [RUN.examples, 16]);
  const teacher = matmul(x, random.normal(kTeacher!, [16, 4]));
  const t = teacher.data as Float32Array;
  const y = new Tensor(Int32Array.from({ length: RUN.examples }, (_, i) => {
    let best = 0;
    for (let c = 1; c < 4; c++) if (t[4 * i + c]! > t[4 * i + best]!) best = c;
    return best;
  }), [RUN.examples]);
  const model = mlp([16, 32, 4], kModel!);
  const optimizer = adam({ lr: 0.01 });
  const sparsity = options.sparse
    ? createDynamicSparsity(model, optimizer, { method: 'srigl', sparsity: 0.8, distribution: 'uniform', ablation: true, gammaSal: 0.5, totalSteps: TOTAL_STEPS, deltaT: RUN.every, key: kSparse! })
    : null;
  const promise = train({
    model, optimizer, ...(sparsity && { sparsity }), train: { x, y }, epochs: RUN.epochs, batchSize: RUN.batchSize, key: kTrain!,
    loss: (logits, labels) => crossEntropy(logits, labels), resume: true,
    checkpoint: { dir, everySteps: RUN.every, keepLast: RUN.keepLast }, ...extra,
  });
  return Object.assign(promise, { model, sparsity });
}

/** The model tensors of a finished run, by name (copies). */
export function weights(model: { stateDict(): Record<string, Tensor> }): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, Array.from(v.data)]));
}
