// `tessera sparse bench --model FILE`: the layers of one condensed network timed three ways on the same
// input — the condensed constant fan-in kernel (fanInMatmul), the dense masked layer on tessera's GEMM
// (the same weights scattered back to [out, in]), and onnxruntime-node's MatMul of that dense weight — plus
// the whole network at batch 1 each way. Medians of `reps` runs after a warm-up; ort_ms is null (with the
// reason on stderr) when onnxruntime-node is not installed.
import { foldIn, key } from '../core/random.js';
import { timeAsyncMs, timeMs } from '../core/timing.js';
import { createOrtDense, createOrtModel, denseNetworkModel, loadOrt, type OnnxDenseLayer, type OrtDense } from '../io/index.js';
import { condensedForward, condensedMlpForward, denseOfCondensed, CONDENSED_ACTIVATIONS, type CondensedMlp } from '../sparse/index.js';
import { Tensor, add, matmul, noGrad, random } from '../tensor/index.js';

export interface CondensedLayerTiming {
  layer: number;
  in: number;
  out: number;
  fan_in: number;
  active_rows: number;
  condensed_ms: number;
  dense_ms: number;
  ort_ms: number | null;
  batch: number;
  threads: number;
}

export interface CondensedModelBench {
  layers: CondensedLayerTiming[];
  /** The whole network at batch 1: condensed kernels, dense masked on tessera, dense on onnxruntime. */
  model: { batch: 1; condensed_ms: number; dense_ms: number; ort_ms: number | null; threads: number };
  ort: string;
}

export async function benchCondensedModel(mlp: CondensedMlp, o: { batch: number; threads: number; reps: number; log?: (line: string) => void }): Promise<CondensedModelBench> {
  const ortLoad = await loadOrt();
  if (!ortLoad.ort) o.log?.(`onnxruntime not measured: ${ortLoad.reason}`);
  // Each layer's input width in the condensed network is the previous layer's active rows; the dense masked
  // layer reads the full previous output (ablated rows included), so the dense peers run on outFeatures wide inputs.
  const dense = mlp.layers.map((l, i) => {
    const d = denseOfCondensed(l);
    if (i === 0) return d;
    // widen the input side: condensed input column c is dense input row activeRows[c] of the previous layer
    const prev = mlp.layers[i - 1]!, inDense = prev.outFeatures, w = new Float32Array(l.outFeatures * inDense);
    for (let r = 0; r < l.outFeatures; r++) for (let c = 0; c < l.inFeatures; c++) w[r * inDense + prev.activeRows[c]!] = d.weight[r * l.inFeatures + c]!;
    return { ...d, weight: w, inFeatures: inDense };
  });
  const layers: CondensedLayerTiming[] = [];
  for (const [i, l] of mlp.layers.entries()) {
    const d = dense[i]!;
    const xc = random.normal(foldIn(key(7), i), [o.batch, l.inFeatures]), xd = random.normal(foldIn(key(8), i), [o.batch, d.inFeatures]);
    const wT = new Tensor(d.weight, [d.outFeatures, d.inFeatures]), b = d.bias && new Tensor(d.bias, [d.outFeatures]);
    const condensedMs = noGrad(() => timeMs(() => condensedForward(l, xc), o.reps));
    const denseMs = noGrad(() => timeMs(() => (b ? add(matmul(xd, wT, { transB: true }), b) : matmul(xd, wT, { transB: true })), o.reps));
    let ortMs: number | null = null;
    if (ortLoad.ort) {
      const session: OrtDense = await createOrtDense(ortLoad.ort, d.inFeatures, d.outFeatures, d.weight, o.threads);
      const x = xd.data as Float32Array;
      ortMs = await timeAsyncMs(() => session.run(x, o.batch), o.reps);
      await session.release();
    }
    layers.push({ layer: i, in: d.inFeatures, out: d.outFeatures, fan_in: l.fanIn, active_rows: l.activeRows.length, condensed_ms: condensedMs, dense_ms: denseMs, ort_ms: ortMs, batch: o.batch, threads: o.threads });
  }
  // The whole network at batch 1.
  const x1 = random.normal(key(9), [1, mlp.layers[0]!.inFeatures]);
  const denseNet = dense.map((d, i) => ({ ...d, activations: mlp.activations[i] ?? [] }));
  const denseWeights = denseNet.map((d) => ({ w: new Tensor(d.weight, [d.outFeatures, d.inFeatures]), b: d.bias && new Tensor(d.bias, [d.outFeatures]) }));
  const denseForward = () => {
    let h = x1;
    denseWeights.forEach(({ w, b }, i) => {
      h = matmul(h, w, { transB: true });
      if (b) h = add(h, b);
      for (const a of denseNet[i]!.activations) h = CONDENSED_ACTIVATIONS[a]!(h);
    });
    return h;
  };
  const condensedMs = noGrad(() => timeMs(() => condensedMlpForward(mlp, x1), o.reps));
  const denseMs = noGrad(() => timeMs(denseForward, o.reps));
  let ortMs: number | null = null;
  if (ortLoad.ort) {
    const session = await createOrtModel(ortLoad.ort, denseNetworkModel(denseNet), denseNet[0]!.inFeatures, o.threads);
    ortMs = await timeAsyncMs(() => session.run(x1.data as Float32Array, 1), o.reps);
    await session.release();
  }
  return {
    layers, model: { batch: 1, condensed_ms: condensedMs, dense_ms: denseMs, ort_ms: ortMs, threads: o.threads },
    ort: ortLoad.ort ? `onnxruntime-node ${ortLoad.version}` : ortLoad.reason,
  };
}
