// Load a Zamba2 checkpoint from a Hugging Face model directory, given as a DirectoryReader (io/directoryReader.ts):
// its files on disk (diskLoader.ts: loadZamba2Checkpoint(path)) or in memory (loadZamba2FromFiles: a folder a
// browser read, bytes a test made) — one loader, no node:* import, the same checks and error texts for both.
// The directory holds:
//   config.json; model.safetensors, or shards listed by model.safetensors.index.json, or all *.safetensors;
//   tokenizer.json (+ tokenizer_config.json) when present.
// Everything is validated before any tensor data is read: every file's header (a truncated or lying file is
// caught here), every tensor's dtype (F32, F16 or BF16), name (mapped to the canonical layout,
// checkpointNames.ts) and shape against the config's tensor list. All problems are reported in ONE error.
// Then the bytes the weights will take are checked against a memory limit (a model that does not fit is
// refused before reading, with the bytes it needs; on disk the limit defaults to the memory available).
// weights: 'f32' widens every tensor to float32 (a trainable model); 'stored' keeps F16 / BF16 Linear and
// embedding matrices as their 16-bit words (a served model at 2 bytes per weight; norms, conv taps, SSM
// vectors and adapters are float32 either way).
import { TesseraError } from '../../core/errors.js';
import { bytesDirectory, joinPath as join, type DirectoryReader, type RandomAccessFile } from '../../io/directoryReader.js';
import { HfConfig } from '../../io/hfConfig.js';
import { parseJsonBytes } from '../../io/jsonBytes.js';
import type { SafetensorsEntry } from '../../io/safetensorsHeader.js';
import { readSafetensorsFrom, readSafetensorsHeaderFrom } from '../../io/safetensorsBytes.js';
import { halfWeight } from '../../nn/storedWeight.js';
import { parseZamba2Config, type ConfigOptions, type Zamba2Config } from './config.js';
import { detectLayout, mapCheckpointName, type CheckpointLayout } from './checkpointNames.js';
import { zamba2TensorSpecs } from './tensors.js';
import { assembleZamba2Weights, isServedMatrix, type Zamba2Weights } from './weights.js';

const OP = 'loadZamba2';
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16']);

export interface Zamba2Checkpoint {
  readonly config: Zamba2Config;
  readonly weights: Zamba2Weights;
  /** parsed tokenizer.json / tokenizer_config.json, or null when absent */
  readonly tokenizerJson: unknown | null;
  readonly tokenizerConfig: unknown | null;
  readonly info: {
    readonly files: readonly string[];
    readonly layout: CheckpointLayout;
    readonly dtypes: readonly string[];
    /** duplicated shared-block tensors that were skipped */
    readonly duplicatesSkipped: number;
    /** tensors of the other layout, ignored */
    readonly otherLayoutIgnored: number;
    readonly tiedLmHeadIgnored: boolean;
  };
}

const readJson = (dir: DirectoryReader, name: string): unknown => parseJsonBytes(dir.readFile(name, OP), join(dir.path, name), OP);

/** The weight files of a model directory (names in it) and, for sharded checkpoints, the index's name → file map. */
function weightFiles(reader: DirectoryReader): { files: string[]; index: Map<string, string> | null } {
  const dir = reader.path, indexFile = join(dir, 'model.safetensors.index.json');
  if (reader.isFile('model.safetensors.index.json')) {
    const raw = readJson(reader, 'model.safetensors.index.json') as { weight_map?: unknown };
    if (typeof raw.weight_map !== 'object' || raw.weight_map === null) throw new TesseraError('format', OP, `${indexFile} expected a "weight_map" object, got ${JSON.stringify(raw.weight_map)}`);
    const index = new Map<string, string>();
    for (const [name, file] of Object.entries(raw.weight_map as Record<string, unknown>)) {
      if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) throw new TesseraError('format', OP, `${indexFile}: weight_map[${JSON.stringify(name)}] expected a file name in the directory, got ${JSON.stringify(file)}`);
      index.set(name, file);
    }
    return { files: [...new Set(index.values())].sort(), index };
  }
  if (reader.isFile('model.safetensors')) return { files: ['model.safetensors'], index: null };
  const all = reader.list().filter((f) => f.endsWith('.safetensors'));
  if (all.length === 0) throw new TesseraError('value', OP, `${dir} expected model.safetensors, model.safetensors.index.json or *.safetensors files, got none`);
  return { files: all, index: null };
}

interface Located {
  readonly file: string;
  readonly entry: SafetensorsEntry;
}

const listed = (label: string, items: readonly string[]) =>
  items.length === 0 ? [] : [`${label} (${items.length}): ${items.slice(0, 12).join('; ')}${items.length > 12 ? `; … ${items.length - 12} more` : ''}`];

export interface LoadOptions extends ConfigOptions {
  /** 'f32' (default): every tensor widened to float32; 'stored': 16-bit Linear/embedding matrices kept as words. */
  readonly weights?: 'f32' | 'stored';
  /** Bytes the weights may take (default: no limit in memory; loadZamba2Checkpoint: the memory available now). */
  readonly memoryLimitBytes?: number;
}

const GB = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** A checkpoint from its model directory's files held in memory (name → bytes); `path` names the directory in errors. */
export function loadZamba2FromFiles(path: string, files: ReadonlyMap<string, Uint8Array>, options: LoadOptions = {}): Zamba2Checkpoint {
  return loadZamba2FromDirectory(bytesDirectory(path, files), options);
}

export function loadZamba2FromDirectory(reader: DirectoryReader, options: LoadOptions = {}): Zamba2Checkpoint {
  const dir = reader.path;
  const configFile = join(dir, 'config.json');
  const config = parseZamba2Config(HfConfig.of(readJson(reader, 'config.json'), configFile, OP), options);
  const { files: inDirectory, index } = weightFiles(reader);
  const files = inDirectory.map((f) => join(dir, f)); // as named in messages
  const withFile = <T>(file: string, op: string, body: (opened: RandomAccessFile) => T): T => {
    const opened = reader.open(inDirectory[files.indexOf(file)]!, op);
    try {
      return body(opened);
    } finally {
      opened.close();
    }
  };
  const problems: string[] = [];
  const found = new Map<string, Located>();
  const fileNames = new Map<string, string[]>();
  for (const file of files) {
    let entries: readonly SafetensorsEntry[];
    try {
      entries = withFile(file, 'readSafetensorsHeader', (opened) => readSafetensorsHeaderFrom(opened, file).entries);
    } catch (e) {
      problems.push(`unreadable file: ${(e as Error).message}`);
      continue;
    }
    fileNames.set(file, entries.map((e) => e.name));
    for (const entry of entries) {
      if (found.has(entry.name)) problems.push(`tensor ${entry.name} stored twice (${found.get(entry.name)!.file} and ${file})`);
      else found.set(entry.name, { file, entry });
    }
  }
  if (index) {
    for (const [name, f] of index) {
      const at = found.get(name);
      if (at && at.file !== join(dir, f)) problems.push(`index puts ${name} in ${f}, found in ${at.file}`);
      if (!at && fileNames.has(join(dir, f))) problems.push(`index lists ${name} in ${f}, which does not hold it`);
    }
  }
  const layout = detectLayout([...found.keys()]);
  const specs = zamba2TensorSpecs(config);
  const expected = new Map(specs.map((s) => [s.name, s.shape]));
  const source = new Map<string, Located>();
  const extra: string[] = [], misshaped: string[] = [], badDtype: string[] = [];
  let duplicates = 0, ignored = 0, tiedLmHeadIgnored = false;
  for (const [name, at] of found) {
    const m = mapCheckpointName(config, layout, name);
    if (m.ignored) {
      ignored++;
      continue;
    }
    if (name === 'lm_head.weight' && config.tieWordEmbeddings) {
      tiedLmHeadIgnored = true; // tied: HF also ignores a stored copy
      continue;
    }
    const shape = m.canonical ? expected.get(m.canonical) : undefined;
    if (!m.canonical || !shape) {
      extra.push(`${name} [${at.entry.shape.join(', ')}]`);
      continue;
    }
    if (!FLOAT_DTYPES.has(at.entry.dtype)) badDtype.push(`${name}: ${at.entry.dtype} (expected F32, F16 or BF16)`);
    if (at.entry.shape.join(',') !== shape.join(',')) misshaped.push(`${name}: [${at.entry.shape.join(', ')}] (expected [${shape.join(', ')}])`);
    if (m.duplicate) {
      duplicates++;
      if (source.has(m.canonical)) continue;
    }
    const previous = source.get(m.canonical);
    if (previous && !m.duplicate) {
      if (mapCheckpointName(config, layout, previous.entry.name).duplicate) source.set(m.canonical, at);
      else problems.push(`tensor ${m.canonical} given twice (${previous.entry.name}, ${name})`);
      continue;
    }
    source.set(m.canonical, at);
  }
  const missing = specs.filter((s) => !source.has(s.name)).map((s) => `${s.name} [${s.shape.join(', ')}]`);
  problems.push(...listed('missing tensors', missing), ...listed('unexpected tensors', extra), ...listed('wrong shapes', misshaped), ...listed('wrong dtypes', badDtype));
  if (problems.length > 0) {
    throw new TesseraError('format', OP, `checkpoint ${dir} (${layout} layout, ${files.length} file${files.length > 1 ? 's' : ''}) does not match its config.json:\n  ${problems.join('\n  ')}`);
  }
  // Validated: check the memory, then read the data, file by file, only the tensors in use.
  const keepWords = (canonical: string, dtype: string) => options.weights === 'stored' && (dtype === 'BF16' || dtype === 'F16') && isServedMatrix(canonical);
  let needed = 0;
  for (const [canonical, at] of source) needed += (at.entry.shape.reduce((a, b) => a * b, 1)) * (keepWords(canonical, at.entry.dtype) ? 2 : 4);
  const limit = options.memoryLimitBytes ?? Infinity;
  if (needed > limit) {
    const hint = options.weights === 'stored' ? '' : [...source.values()].some((s) => s.entry.dtype !== 'F32') ? '; weights "stored" keeps the 16-bit matrices at 2 bytes each' : '';
    throw new TesseraError('range', OP, `checkpoint ${dir} needs ${GB(needed)} for its weights (${options.weights ?? 'f32'}), but only ${GB(limit)} of memory is available${hint}`);
  }
  const data = new Map<string, Float32Array | ReturnType<typeof halfWeight>>();
  const byFile = new Map<string, Map<string, string>>(); // file → checkpoint name → canonical
  for (const [canonical, at] of source) {
    if (!byFile.has(at.file)) byFile.set(at.file, new Map());
    byFile.get(at.file)!.set(at.entry.name, canonical);
  }
  for (const [file, names] of byFile) {
    const dtypes = new Map([...names].map(([n, canonical]) => [n, source.get(canonical)!.entry.dtype]));
    const words = (n: string) => keepWords(names.get(n)!, dtypes.get(n)!);
    const { tensors } = withFile(file, 'readSafetensors', (opened) => readSafetensorsFrom(opened, file, { only: (n) => names.has(n), keepHalfWords: words }));
    for (const [name, t] of Object.entries(tensors)) {
      data.set(names.get(name)!, words(name) ? halfWeight(t.data as Uint16Array, t.shape, dtypes.get(name) === 'BF16' ? 'bf16' : 'f16') : t.data as Float32Array);
    }
  }
  const weights = assembleZamba2Weights(config, (n) => data.get(n)!);
  return {
    config, weights,
    tokenizerJson: reader.isFile('tokenizer.json') ? readJson(reader, 'tokenizer.json') : null,
    tokenizerConfig: reader.isFile('tokenizer_config.json') ? readJson(reader, 'tokenizer_config.json') : null,
    info: {
      files, layout, dtypes: [...new Set([...source.values()].map((s) => s.entry.dtype))].sort(),
      duplicatesSkipped: duplicates, otherLayoutIgnored: ignored, tiedLmHeadIgnored,
    },
  };
}
