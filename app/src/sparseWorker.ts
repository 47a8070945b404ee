// The sparse page's engine worker: it holds one condensed network (read from bytes by the library's
// parseCondensed, the reader of `tessera sparse eval`), classifies 28×28 digits through the condensed constant
// fan-in kernel on the worker's backend (wasm with threads when the page is isolated), and times each layer:
// the condensed kernel against the dense matmul of the same layer expanded to [out, in] (denseOfCondensed).
import { add, matmul, noGrad, Tensor } from 'tessera';
import { median } from 'tessera/core';
import { toTensors } from 'tessera/data';
import { condensedForward, condensedInput, condensedMlpForward, CONDENSED_ACTIVATIONS, denseOfCondensed, describeCondensed, parseCondensed, type CondensedMlp } from 'tessera/sparse';
import { serveEngine } from './engine/serve.js';

export interface SparseModelSummary {
  name: string;
  bytes: number;
  dataset: string;
  mean: number;
  std: number;
  layers: { in: number; out: number; active: number; fanIn: number; indexDtype: string; activations: string[] }[];
}
export interface DigitClassification { logits: number[]; class: number; ms: number }
export interface LayerTiming { layer: number; in: number; out: number; active: number; fanIn: number; condensedMs: number; denseMs: number; maxAbsDiff: number }
export interface SparseTiming { repeats: number; inner: number; layers: LayerTiming[]; model: { condensedMs: number; denseMs: number } }

let model: CondensedMlp | null = null;

/** x [1, 784] from 784 pixels 0..255: pixel/255, then the model's standardisation — toTensors, as the CLI's test set. */
function inputOf(mlp: CondensedMlp, pixels: Uint8Array): Tensor {
  const { preprocessing } = condensedInput(mlp);
  const one = { images: pixels, labels: new Uint8Array(1), n: 1, height: 28, width: 28, classes: 10, name: 'page', source: 'this page' };
  return toTensors(one, { normalize: { mean: preprocessing.mean, std: preprocessing.std }, flatten: true }).x;
}

function loaded(): CondensedMlp {
  if (!model) throw new Error('no condensed model loaded yet');
  return model;
}

/** Median milliseconds per call: `repeats` samples, each the mean of `inner` back-to-back calls (batch-1 layers take microseconds). */
function medianMs(fn: () => void, repeats: number, inner: number): number {
  fn();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((performance.now() - t0) / inner);
  }
  return median(samples);
}

serveEngine({
  'sparse.load': ({ bytes, name }: { bytes: Uint8Array; name: string }): SparseModelSummary => {
    const mlp = parseCondensed(bytes, name); // throws the CLI's error text for a truncated or non-condensed file
    const input = condensedInput(mlp);
    model = mlp;
    return {
      name, bytes: bytes.length, dataset: input.dataset, mean: input.preprocessing.mean, std: input.preprocessing.std,
      layers: describeCondensed(mlp).layers.map((l) => ({ in: l.in_features, out: l.out_features, active: l.n_active, fanIn: l.fan_in, indexDtype: l.index_dtype, activations: l.activations })),
    };
  },

  'sparse.classify': ({ pixels }: { pixels: Uint8Array }): DigitClassification => {
    const mlp = loaded();
    const t0 = performance.now();
    const logits = noGrad(() => condensedMlpForward(mlp, inputOf(mlp, pixels))).data as Float32Array; // [1, classes]
    const ms = performance.now() - t0;
    let best = 0;
    for (let c = 1; c < logits.length; c++) if (logits[c]! > logits[best]!) best = c;
    return { logits: Array.from(logits), class: best, ms };
  },

  'sparse.time': ({ pixels, repeats, inner }: { pixels: Uint8Array; repeats: number; inner: number }): SparseTiming => noGrad(() => {
    const mlp = loaded();
    // Each layer is timed on its real input for this digit: h_0 = x, h_{i+1} = activations_i(layer_i(h_i)).
    let h = inputOf(mlp, pixels);
    const layers: LayerTiming[] = [];
    const denseLayers = mlp.layers.map((l) => {
      const d = denseOfCondensed(l);
      return { w: new Tensor(d.weight, [d.outFeatures, d.inFeatures]), b: d.bias && new Tensor(d.bias, [d.outFeatures]) };
    });
    const dense = (i: number, x: Tensor): Tensor => {
      const { w, b } = denseLayers[i]!;
      const y = matmul(x, w, { transB: true }); // [1, out]
      return b ? add(y, b) : y;
    };
    const act = (i: number, y: Tensor): Tensor => (mlp.activations[i] ?? []).reduce((z, name) => CONDENSED_ACTIVATIONS[name]!(z), y);
    mlp.layers.forEach((l, i) => {
      const x = h;
      const fast = condensedForward(l, x).data, full = dense(i, x).data;
      let maxAbsDiff = 0; // the condensed output's row a is the dense output's row activeRows[a]
      l.activeRows.forEach((r, a) => { maxAbsDiff = Math.max(maxAbsDiff, Math.abs(fast[a]! - full[r]!)); });
      layers.push({
        layer: i, in: l.inFeatures, out: l.outFeatures, active: l.activeRows.length, fanIn: l.fanIn,
        condensedMs: medianMs(() => condensedForward(l, x), repeats, inner), denseMs: medianMs(() => dense(i, x), repeats, inner), maxAbsDiff,
      });
      h = act(i, condensedForward(l, x));
    });
    // The whole network: condensed layers, and dense layers (the dense output of layer i read at the next layer's columns).
    const x0 = inputOf(mlp, pixels);
    const condensedMs = medianMs(() => condensedMlpForward(mlp, x0), repeats, inner);
    const denseMs = medianMs(() => {
      let z = x0;
      mlp.layers.forEach((l, i) => { z = act(i, dense(i, z)); if (i + 1 < mlp.layers.length) z = keepColumns(z, l.activeRows); });
    }, repeats, inner);
    return { repeats, inner, layers, model: { condensedMs, denseMs } };
  }),
});

/** z [1, out] → [1, active]: the active rows' outputs, the next condensed layer's inputs. */
function keepColumns(z: Tensor, activeRows: Int32Array): Tensor {
  if (activeRows.length === z.shape[1]) return z;
  const data = z.data as Float32Array;
  return new Tensor(Float32Array.from(activeRows, (r) => data[r]!), [1, activeRows.length]);
}
