// `tessera sparse inspect`: load (and so validate) a condensed file and describe it.
import { describeCondensed, loadCondensed } from '../sparse/condensedFile.js';

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
