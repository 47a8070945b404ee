// Condensed networks as safetensors: per layer i the tensors
//   layers.<i>.values      F32 [n_active, fan_in]
//   layers.<i>.indices     U16 or I32 [n_active, fan_in]   (input columns, < in_features)
//   layers.<i>.active_rows I32 [n_active]                  (strictly increasing, < out_features)
//   layers.<i>.bias        F32 [n_active]                  (when "bias": true)
// and the metadata key "tessera.condensed" holding a JSON description:
//   {"format": "tessera.condensed", "version": 2, "layers": [{"in_features", "out_features", "n_active",
//    "fan_in", "index_dtype": "u16" | "i32", "bias", "padded", "activations": [names]}],
//    "input": {"dataset", "preprocessing": {"mean", "std", "flatten"}} | null}
// Version 1 files (no "input") are read too; any other version is refused.
// Parsing checks every tensor against the description and the description against itself (layer i+1 reads
// layer i's n_active features) and rejects anything else with an error naming the file and the tensor.
// In memory (bytes in, bytes out; no node:* import), so a browser reads a condensed file with the same checks
// and the same error text as `tessera sparse eval`; the file on disk: loadCondensed / saveCondensed
// (train/sparseServing.ts).
import { TesseraError } from '../core/errors.js';
import { parseSafetensors, parseSafetensorsHeader, serializeSafetensors } from '../io/safetensorsBytes.js';
import type { SafetensorsDType } from '../io/safetensorsHeader.js';
import { Tensor } from '../tensor/index.js';
import { CONDENSED_ACTIVATIONS, type CondensedIndices, type CondensedInput, type CondensedLinear, type CondensedMlp } from './condensed.js';

export const CONDENSED_FORMAT = 'tessera.condensed';
export const CONDENSED_VERSION = 2;
const READABLE_VERSIONS = [1, 2];
const META_KEY = 'tessera.condensed';

export interface CondensedLayerDescription {
  in_features: number;
  out_features: number;
  n_active: number;
  fan_in: number;
  index_dtype: 'u16' | 'i32';
  bias: boolean;
  padded: number;
  activations: string[];
}

export interface CondensedDescription {
  format: typeof CONDENSED_FORMAT;
  version: number;
  layers: CondensedLayerDescription[];
  input?: CondensedInput | null;
}

export function describeCondensed(mlp: CondensedMlp): CondensedDescription {
  return {
    format: CONDENSED_FORMAT,
    version: CONDENSED_VERSION,
    layers: mlp.layers.map((l, i) => ({
      in_features: l.inFeatures, out_features: l.outFeatures, n_active: l.activeRows.length, fan_in: l.fanIn,
      index_dtype: l.indices.dtype === 'u16' ? 'u16' : 'i32', bias: l.bias !== null, padded: l.padded,
      activations: mlp.activations[i] ?? [],
    })),
    input: mlp.input ?? null,
  };
}

const asMlp = (m: CondensedMlp | CondensedLinear): CondensedMlp => ('layers' in m ? m : { layers: [m], activations: [[]] });

/** The bytes of a condensed file holding a layer or network. */
export function serializeCondensed(model: CondensedMlp | CondensedLinear): Uint8Array {
  const mlp = asMlp(model);
  const tensors: Record<string, Tensor> = {};
  mlp.layers.forEach((l, i) => {
    tensors[`layers.${i}.values`] = l.values;
    tensors[`layers.${i}.indices`] = l.indices;
    tensors[`layers.${i}.active_rows`] = new Tensor(l.activeRows, [l.activeRows.length]);
    if (l.bias) tensors[`layers.${i}.bias`] = l.bias;
  });
  return serializeSafetensors(tensors, { metadata: { [META_KEY]: JSON.stringify(describeCondensed(mlp)) } });
}

/** Validate and read a condensed file's bytes (see the header comment for what is checked); `file` names it in errors. */
export function parseCondensed(bytes: Uint8Array, file = '<condensed bytes>'): CondensedMlp {
  const op = 'loadCondensed';
  const fail = (what: string): never => {
    throw new TesseraError('format', op, `${file}: ${what}`);
  };
  const header = parseSafetensorsHeader(bytes, file);
  const description = parseDescription(header.metadata[META_KEY], fail);
  const dtypes = new Map<string, SafetensorsDType>(header.entries.map((e) => [e.name, e.dtype]));
  const expected = new Set<string>();
  description.layers.forEach((d, i) => {
    const want: [string, SafetensorsDType, number[]][] = [
      ['values', 'F32', [d.n_active, d.fan_in]],
      ['indices', d.index_dtype === 'u16' ? 'U16' : 'I32', [d.n_active, d.fan_in]],
      ['active_rows', 'I32', [d.n_active]],
      ...(d.bias ? [['bias', 'F32', [d.n_active]] as [string, SafetensorsDType, number[]]] : []),
    ];
    for (const [name, dtype, shape] of want) {
      const full = `layers.${i}.${name}`;
      expected.add(full);
      const entry = header.entries.find((e) => e.name === full);
      if (!entry) fail(`tensor "${full}" expected (layer ${i} of the description), got no such tensor`);
      if (dtypes.get(full) !== dtype) fail(`tensor "${full}" expected dtype ${dtype}${name === 'indices' ? ` (index_dtype "${d.index_dtype}")` : ''}, got ${dtypes.get(full)}`);
      if (entry!.shape.join() !== shape.join()) {
        const hint = name === 'values' || name === 'indices'
          ? ` — [n_active, fan_in] from the description; a different second dimension means the fan-in is not the constant ${d.fan_in}`
          : ' — [n_active] from the description';
        fail(`tensor "${full}" expected shape [${shape.join(', ')}]${hint}, got [${entry!.shape.join(', ')}]`);
      }
    }
  });
  const extra = header.entries.map((e) => e.name).filter((n) => !expected.has(n));
  if (extra.length > 0) fail(`unexpected tensors ${extra.map((n) => JSON.stringify(n)).join(', ')} (not in the description)`);

  const { tensors } = parseSafetensors(bytes, file);
  const layers = description.layers.map((d, i): CondensedLinear => {
    const t = (name: string) => tensors[`layers.${i}.${name}`]!;
    const values = t('values').data as Float32Array;
    const indices = t('indices').data as CondensedIndices;
    const activeRows = t('active_rows').data as Int32Array;
    for (let j = 0; j < values.length; j++) {
      if (!Number.isFinite(values[j]!)) fail(`tensor "layers.${i}.values" element ${j} expected a finite number, got ${values[j]}`);
    }
    for (let j = 0; j < indices.length; j++) {
      const v = indices[j]!;
      if (v < 0 || v >= d.in_features) {
        fail(`tensor "layers.${i}.indices" element ${j} (row ${Math.floor(j / d.fan_in)}) expected an input index in [0, ${d.in_features}), got ${v}`);
      }
    }
    for (let j = 0; j < activeRows.length; j++) {
      const r = activeRows[j]!;
      if (r < 0 || r >= d.out_features) fail(`tensor "layers.${i}.active_rows" element ${j} expected a row in [0, ${d.out_features}), got ${r}`);
      if (j > 0 && r <= activeRows[j - 1]!) fail(`tensor "layers.${i}.active_rows" element ${j} expected strictly increasing rows (previous ${activeRows[j - 1]}), got ${r}`);
    }
    const bias = d.bias ? (t('bias').data as Float32Array) : null;
    if (bias) for (let j = 0; j < bias.length; j++) if (!Number.isFinite(bias[j]!)) fail(`tensor "layers.${i}.bias" element ${j} expected a finite number, got ${bias[j]}`);
    return { values: t('values'), indices: t('indices'), activeRows, bias: d.bias ? t('bias') : null, inFeatures: d.in_features, outFeatures: d.out_features, fanIn: d.fan_in, padded: d.padded };
  });
  return { layers, activations: description.layers.map((d) => d.activations), ...(description.input && { input: description.input }) };
}

function parseDescription(text: string | undefined, fail: (what: string) => never): CondensedDescription {
  if (text === undefined) return fail(`metadata "${META_KEY}" expected (a ${CONDENSED_FORMAT} description), got none — not a condensed file?`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail(`metadata "${META_KEY}" expected JSON, got a parse error (${(err as Error).message})`);
  }
  const d = raw as Partial<CondensedDescription>;
  if (typeof d !== 'object' || d === null || d.format !== CONDENSED_FORMAT) return fail(`description "format" expected "${CONDENSED_FORMAT}", got ${JSON.stringify(d?.format)}`);
  if (!READABLE_VERSIONS.includes(d.version as number)) return fail(`description "version" expected ${READABLE_VERSIONS.join(' or ')} (this tessera writes ${CONDENSED_VERSION}), got ${JSON.stringify(d.version)}`);
  const input = d.input as Partial<CondensedInput> | null | undefined;
  if (input !== undefined && input !== null) {
    const p = input.preprocessing;
    const ok = typeof input.dataset === 'string' && typeof p === 'object' && p !== null && Number.isFinite(p.mean) && Number.isFinite(p.std) && p.std > 0 && typeof p.flatten === 'boolean';
    if (!ok) return fail(`description "input" expected { dataset: string, preprocessing: { mean, std > 0, flatten } } or null, got ${JSON.stringify(input)}`);
  }
  if (!Array.isArray(d.layers) || d.layers.length === 0) return fail(`description "layers" expected a non-empty array, got ${JSON.stringify(d.layers)}`);
  d.layers.forEach((l: Partial<CondensedLayerDescription>, i) => {
    const at = `description layers[${i}]`;
    for (const key of ['in_features', 'out_features', 'n_active', 'fan_in', 'padded'] as const) {
      const v = l[key];
      if (!Number.isSafeInteger(v) || (v as number) < 0) fail(`${at}.${key} expected an integer ≥ 0, got ${JSON.stringify(v)}`);
    }
    if (l.n_active! > l.out_features!) fail(`${at}.n_active expected ≤ out_features = ${l.out_features}, got ${l.n_active}`);
    if (l.fan_in! > 0 && l.in_features === 0) fail(`${at}.fan_in expected 0 when in_features is 0, got ${l.fan_in}`);
    if (l.index_dtype !== 'u16' && l.index_dtype !== 'i32') fail(`${at}.index_dtype expected "u16" or "i32", got ${JSON.stringify(l.index_dtype)}`);
    if (l.index_dtype === 'u16' && l.in_features! > 65536) fail(`${at}.index_dtype "u16" cannot address in_features = ${l.in_features}; expected "i32"`);
    if (typeof l.bias !== 'boolean') fail(`${at}.bias expected true or false, got ${JSON.stringify(l.bias)}`);
    if (!Array.isArray(l.activations) || !l.activations.every((a) => typeof a === 'string' && a in CONDENSED_ACTIVATIONS)) {
      fail(`${at}.activations expected an array of ${Object.keys(CONDENSED_ACTIVATIONS).join('/')}, got ${JSON.stringify(l.activations)}`);
    }
    const prev = i > 0 ? d.layers![i - 1]! : null;
    if (prev && prev.n_active !== l.in_features) fail(`${at}.in_features expected layer ${i - 1}'s n_active = ${prev.n_active}, got ${l.in_features}`);
  });
  return d as CondensedDescription;
}
