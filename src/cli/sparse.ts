// `tessera sparse inspect | condense | eval | predict | export-onnx | bench --model`: option wiring around the library
// (train/sparseServing.ts, experiments/condensedBench.ts, sparse/condensedFile.ts).
import { writeFileAtomic } from '../io/atomicWrite.js';
import { denseNetworkModel } from '../io/onnxModel.js';
import { describeCondensed } from '../sparse/condensedFile.js';
import { condensedMlpForward } from '../sparse/condensed.js';
import { Tensor } from '../tensor/index.js';
import { compareWithCheckpoint, condenseCheckpoint, condensedTestSet, denseMaskedLayers, evaluateCondensed, loadCondensed, saveCondensed } from '../train/index.js';
import { argmaxRows } from '../train/metrics.js';
import { benchCondensedModel } from '../experiments/condensedBench.js';

export function inspectCondensed(file: string, json: boolean): string {
  const mlp = loadCondensed(file);
  const d = describeCondensed(mlp);
  const layers = d.layers.map((l, i) => {
    const nnz = l.n_active * l.fan_in;
    const bytes = nnz * (4 + (l.index_dtype === 'u16' ? 2 : 4));
    const dense = l.out_features * l.in_features * 4;
    return { ...l, layer: i, nnz, bytes, dense_bytes: dense, byte_ratio: dense / Math.max(bytes, 1) };
  });
  if (json) return JSON.stringify({ file, format: d.format, version: d.version, layers });
  return [`${file}: ${d.format} v${d.version}, ${layers.length} layer(s), valid`, ...layers.map((l) =>
    `  layer ${l.layer}: ${l.in_features} → ${l.n_active}/${l.out_features} active rows, fan-in ${l.fan_in} (${l.index_dtype}), ` +
    `bias ${l.bias ? 'yes' : 'no'}, padded ${l.padded}, ${l.activations.join(', ') || 'no activation'}; ` +
    `${l.bytes} B vs ${l.dense_bytes} B dense (${l.byte_ratio.toFixed(2)}×)`)].join('\n');
}

/** `tessera sparse condense`: a `tessera train` MLP checkpoint → a condensed file (with its input statistics). */
export function condenseCommand(o: { checkpoint: string; out: string }): string {
  const mlp = condenseCheckpoint(o.checkpoint);
  saveCondensed(o.out, mlp);
  return [`${o.checkpoint} → ${o.out}`, inspectCondensed(o.out, false).split('\n').slice(1).join('\n')].join('\n');
}

/** `tessera sparse eval`: accuracy through the condensed kernels; with --against, the check against the dense masked model. */
export function sparseEvalCommand(o: { model: string; dataset?: 'fashion-mnist' | 'mnist'; data?: string; testLimit?: number; against?: string; json?: boolean }): string {
  const mlp = loadCondensed(o.model);
  const { x, y } = condensedTestSet(mlp, { ...(o.dataset && { dataset: o.dataset }), ...(o.data && { dataDir: o.data }), ...(o.testLimit !== undefined && { testLimit: o.testLimit }) });
  const metrics = evaluateCondensed(mlp, x, y);
  const agreement = o.against ? compareWithCheckpoint(mlp, o.against, x) : null;
  const dataset = o.dataset ?? mlp.input!.dataset;
  if (o.json) return JSON.stringify({ model: o.model, dataset, ...metrics, ...(agreement && { against: o.against, max_abs_logit_diff: agreement.maxAbsLogitDiff, prediction_mismatches: agreement.predictionMismatches }) });
  const check = agreement ? `; vs ${o.against}: max |Δlogit| ${agreement.maxAbsLogitDiff.toExponential(2)}, ${agreement.predictionMismatches} different predictions` : '';
  return `condensed ${o.model} on ${dataset}: test accuracy ${(100 * metrics.accuracy).toFixed(2)}%, loss ${metrics.loss.toFixed(4)} (${metrics.n} examples)${check}`;
}

/** `tessera sparse predict`: the logits and predicted class of chosen test examples through the condensed kernels. */
export function sparsePredictCommand(o: { model: string; indices: number[]; dataset?: 'fashion-mnist' | 'mnist'; data?: string; json?: boolean }): string {
  const mlp = loadCondensed(o.model);
  const { x, y } = condensedTestSet(mlp, { ...(o.dataset && { dataset: o.dataset }), ...(o.data && { dataDir: o.data }) });
  const [n, features] = x.shape as [number, number];
  const bad = o.indices.find((i) => i >= n);
  if (bad !== undefined) throw new Error(`--indices expects test examples in [0, ${n}), got ${bad}`);
  // x [n, features] → the chosen rows [k, features] → logits [k, classes]
  const rows = new Float32Array(o.indices.length * features);
  o.indices.forEach((i, r) => rows.set(x.data.subarray(i * features, (i + 1) * features), r * features));
  const logits = condensedMlpForward(mlp, new Tensor(rows, [o.indices.length, features]));
  const classes = logits.shape[1]!, predicted = argmaxRows(logits);
  const predictions = o.indices.map((index, r) => ({
    index, label: y.data[index]!, class: predicted[r]!, logits: Array.from(logits.data.subarray(r * classes, (r + 1) * classes)),
  }));
  const dataset = o.dataset ?? mlp.input!.dataset;
  if (o.json) return JSON.stringify({ model: o.model, dataset, predictions });
  return [`condensed ${o.model} on ${dataset} test examples:`, ...predictions.map((p) => `  #${p.index}: class ${p.class} (label ${p.label})`)].join('\n');
}

/** `tessera sparse export-onnx`: the dense masked MLP of a checkpoint as an ONNX model (input "input", output "logits"). */
export function exportOnnxCommand(o: { checkpoint: string; out: string }): string {
  const layers = denseMaskedLayers(o.checkpoint);
  const bytes = denseNetworkModel(layers, 'tessera sparse export-onnx');
  writeFileAtomic(o.out, bytes);
  return `${o.checkpoint} → ${o.out}: ${layers.length} dense masked layer(s) ${layers.map((l) => `${l.inFeatures}→${l.outFeatures}`).join(', ')}, ${bytes.length} bytes (input "input" [batch, ${layers[0]!.inFeatures}], output "logits")`;
}

/** `tessera sparse bench --model FILE`. */
export async function benchModelCommand(o: { model: string; batch: number; threads: number; reps: number; json?: boolean }): Promise<string> {
  const r = await benchCondensedModel(loadCondensed(o.model), { batch: o.batch, threads: o.threads, reps: o.reps, log: (l) => process.stderr.write(`${l}\n`) });
  if (o.json) return JSON.stringify({ file: o.model, ...r });
  const ms = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  return [
    `${o.model}: batch ${o.batch}, ${o.threads} thread(s), median of ${o.reps}; dense = the masked layer on tessera's GEMM; ort = ${r.ort}`,
    ...r.layers.map((l) => `  layer ${l.layer} ${l.in}→${l.out} (fan-in ${l.fan_in}, ${l.active_rows} active rows): condensed ${ms(l.condensed_ms)} ms, dense ${ms(l.dense_ms)} ms, ort ${ms(l.ort_ms)} ms`),
    `  whole model, batch 1: condensed ${ms(r.model.condensed_ms)} ms, dense ${ms(r.model.dense_ms)} ms, ort ${ms(r.model.ort_ms)} ms`,
  ].join('\n');
}
