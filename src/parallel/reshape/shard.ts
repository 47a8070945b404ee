// Convert a full checkpoint to a sharded layout and back, bit-exactly, with a manifest that records every
// tensor's placement and every file's size and CRC-32. Pure: bytes in, bytes out (the CLI does the files).
import { TesseraError } from '../../core/errors.js';
import { crc32Hex } from '../../core/checksum.js';
import { isDType, type DType } from '../../core/dtype.js';
import type { Tensor } from '../../tensor/index.js';
import { parseSafetensors, serializeSafetensors } from '../../io/safetensors.js';
import { formatLayout, roleOf, type Layout, type Role } from './layout.js';
import type { CheckpointState, Placement, ShardFileRecord, ShardManifest, TensorRecord } from './manifest.js';
import { bytesOf, flatRange, flatSlice, joinAlong, joinFlat, splitAlong, tensorFromBytes } from './slicing.js';

export interface ShardedCheckpoint {
  manifest: ShardManifest;
  /** File name → bytes (safetensors). manifest.json is not among them (write it last). */
  files: Record<string, Uint8Array>;
}

export interface ShardOptions {
  /** Per-parameter role overrides (default: by name, see layout.ts). */
  roles?: Record<string, Role>;
}

const pad5 = (n: number) => String(n).padStart(5, '0');
export const rankFile = (l: Layout, r: number) => (l.kind === 'zero1' ? `zero1-rank-${pad5(r)}-of-${pad5(l.degree)}.safetensors` : `rank-${pad5(r)}-of-${pad5((l as { degree: number }).degree)}.safetensors`);
export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';

const paramOf = (optName: string) => optName.slice(0, optName.lastIndexOf('/'));
const bufferOf = (optName: string) => optName.slice(optName.lastIndexOf('/') + 1);

function placementFor(name: string, t: Tensor, l: Layout, overrides: Record<string, Role>): Placement {
  if (l.kind === 'single' || l.kind === 'zero1') return { kind: 'whole', file: MODEL_FILE };
  const role = roleOf(name, t.shape, overrides);
  const dim = role === 'column' ? 0 : role === 'row' ? 1 : -1;
  if (dim >= 0) {
    if (t.shape[dim]! % l.degree !== 0) {
      throw new TesseraError('shape', 'shardCheckpoint', `${name} [${t.shape.join(', ')}] is ${role}-parallel: dim ${dim} (${t.shape[dim]}) expected divisible by ${l.kind}=${l.degree}`);
    }
    return { kind: 'split', dim };
  }
  return l.kind === 'tp' ? { kind: 'replicated' } : { kind: 'flat' };
}

/** Write `state` in layout `l`. */
export function shardCheckpoint(state: CheckpointState, l: Layout, options: ShardOptions = {}): ShardedCheckpoint {
  const overrides = options.roles ?? {};
  const ranks = l.kind === 'single' ? 0 : l.degree;
  const perRank: Record<string, Tensor>[] = Array.from({ length: ranks }, () => ({}));
  const shared: Record<string, Record<string, Tensor>> = {};
  const put = (file: string, key: string, t: Tensor) => ((shared[file] ??= {})[key] = t);
  const model: Record<string, TensorRecord> = {}, optimizer: Record<string, TensorRecord> = {};
  const place = (group: 'model' | 'optim', name: string, t: Tensor, p: Placement) => {
    (group === 'model' ? model : optimizer)[name] = { dtype: t.dtype, shape: [...t.shape], placement: p };
    const key = `${group}/${name}`;
    if (p.kind === 'whole') put(p.file, name, t);
    else if (p.kind === 'split') splitAlong(t, p.dim, ranks).forEach((s, r) => (perRank[r]![key] = s));
    else if (p.kind === 'replicated') perRank.forEach((f) => (f[key] = t));
    else if (p.kind === 'flat') perRank.forEach((f, r) => (f[key] = flatSlice(t, ...flatRange(t.size, ranks, r))));
  };
  for (const name of Object.keys(state.model).sort()) place('model', name, state.model[name]!, placementFor(name, state.model[name]!, l, overrides));
  let zero1: ShardManifest['zero1'];
  if (l.kind === 'zero1') {
    // Group optimizer buffers by (buffer, dtype) in name order; each group is one flat vector split over ranks.
    const groups = new Map<string, { dtype: DType; members: [string, Tensor][] }>();
    for (const name of Object.keys(state.optimizer).sort()) {
      const t = state.optimizer[name]!;
      const g = `${bufferOf(name)}.${t.dtype}`;
      if (!groups.has(g)) groups.set(g, { dtype: t.dtype, members: [] });
      groups.get(g)!.members.push([name, t]);
    }
    zero1 = {};
    for (const [g, { dtype, members }] of groups) {
      let offset = 0;
      for (const [name, t] of members) {
        optimizer[name] = { dtype, shape: [...t.shape], placement: { kind: 'zero1', group: g, offset } };
        offset += t.size;
      }
      zero1[g] = { dtype, length: offset };
      const vector = joinFlat(members.map(([, t]) => flatSlice(t, 0, t.size)), dtype, [offset]);
      perRank.forEach((f, r) => (f[`zero1/${g}`] = flatSlice(vector, ...flatRange(offset, ranks, r))));
    }
  } else {
    for (const name of Object.keys(state.optimizer).sort()) {
      const t = state.optimizer[name]!;
      const param = state.model[paramOf(name)];
      const own = model[paramOf(name)]?.placement;
      const sameShape = param && param.shape.length === t.shape.length && param.shape.every((d, i) => d === t.shape[i]);
      const p: Placement = l.kind === 'single' ? { kind: 'whole', file: OPTIMIZER_FILE }
        : sameShape && own ? own : l.kind === 'tp' ? { kind: 'replicated' } : { kind: 'flat' };
      place('optim', name, t, p);
    }
  }
  const files: Record<string, Uint8Array> = {};
  const records: ShardFileRecord[] = [];
  const layout = formatLayout(l);
  const add = (file: string, rank: number | null, tensors: Record<string, Tensor>) => {
    const bytes = serializeSafetensors(tensors, { metadata: { format: 'tessera-shard-1', layout, rank: rank === null ? 'shared' : String(rank) } });
    files[file] = bytes;
    records.push({ file, rank, bytes: bytes.length, crc32: crc32Hex(bytes), tensors: Object.keys(tensors).sort() });
  };
  if (l.kind === 'single') shared[OPTIMIZER_FILE] ??= {}; // present even without optimizer state
  for (const file of Object.keys(shared).sort()) add(file, null, shared[file]!);
  perRank.forEach((tensors, r) => add(rankFile(l, r), r, tensors));
  return {
    manifest: { format: 'tessera-sharded-1', layout: l, model, optimizer, optimizerMeta: state.optimizerMeta, ...(zero1 && { zero1 }), metadata: state.metadata, files: records },
    files,
  };
}

/** Check one file against its manifest record: the error names the file, its rank and what differs. */
export function verifyShard(record: ShardFileRecord, bytes: Uint8Array): void {
  const who = `shard ${record.file}${record.rank === null ? '' : ` (rank ${record.rank})`}`;
  if (bytes.length !== record.bytes) throw new TesseraError('format', 'verifyShard', `${who}: expected ${record.bytes} bytes (manifest), got ${bytes.length} — truncated or replaced`);
  const crc = crc32Hex(bytes);
  if (crc !== record.crc32) throw new TesseraError('format', 'verifyShard', `${who}: expected CRC-32 ${record.crc32} (manifest), got ${crc} — the shard is corrupt`);
}

/** Read a sharded checkpoint back into full tensors. `read(file)` returns a file's bytes. Checksums first. */
export function assembleCheckpoint(manifest: ShardManifest, read: (file: string) => Uint8Array): CheckpointState {
  const op = 'assembleCheckpoint';
  const contents = new Map<string, Record<string, Tensor>>();
  for (const record of manifest.files) {
    const bytes = read(record.file);
    verifyShard(record, bytes);
    const tensors = parseSafetensors(bytes, record.file).tensors;
    const keys = Object.keys(tensors).sort();
    if (keys.join('\n') !== [...record.tensors].sort().join('\n')) throw new TesseraError('format', op, `shard ${record.file}: tensors differ from the manifest's list`);
    contents.set(record.file, tensors);
  }
  const rankFiles = manifest.files.filter((f) => f.rank !== null).sort((a, b) => a.rank! - b.rank!).map((f) => contents.get(f.file)!);
  const fromRanks = (key: string): Tensor[] => rankFiles.map((f, r) => {
    const t = f[key];
    if (!t) throw new TesseraError('format', op, `tensor ${key} expected on rank ${r}, missing`);
    return t;
  });
  const zeroVectors = new Map<string, Tensor>();
  const zeroVector = (g: string): Tensor => {
    if (!zeroVectors.has(g)) {
      const info = manifest.zero1?.[g];
      if (!info || !isDType(info.dtype)) throw new TesseraError('format', op, `ZeRO-1 group ${g} missing from the manifest`);
      zeroVectors.set(g, joinFlat(fromRanks(`zero1/${g}`), info.dtype, [info.length]));
    }
    return zeroVectors.get(g)!;
  };
  const build = (group: 'model' | 'optim', name: string, r: TensorRecord): Tensor => {
    const key = `${group}/${name}`, p = r.placement;
    let t: Tensor;
    if (p.kind === 'whole') {
      const file = contents.get(p.file)?.[name];
      if (!file) throw new TesseraError('format', op, `tensor ${name} expected in ${p.file}, missing`);
      t = file;
    } else if (p.kind === 'split') t = joinAlong(fromRanks(key), p.dim);
    else if (p.kind === 'replicated') {
      const copies = fromRanks(key);
      const first = bytesOf(copies[0]!);
      copies.forEach((c, rank) => {
        const b = bytesOf(c);
        if (b.length !== first.length || b.some((x, i) => x !== first[i])) throw new TesseraError('format', op, `replicated tensor ${name}: rank ${rank}'s copy differs from rank 0's`);
      });
      t = copies[0]!;
    } else if (p.kind === 'flat') t = joinFlat(fromRanks(key), r.dtype, r.shape);
    else {
      const size = r.shape.reduce((a, b) => a * b, 1);
      t = tensorFromBytes(bytesOf(flatSlice(zeroVector(p.group), p.offset, p.offset + size)), r.dtype, r.shape);
    }
    if (t.dtype !== r.dtype || t.shape.length !== r.shape.length || t.shape.some((d, i) => d !== r.shape[i])) {
      throw new TesseraError('format', op, `tensor ${name}: expected ${r.dtype} [${r.shape.join(', ')}], assembled ${t.dtype} [${t.shape.join(', ')}]`);
    }
    return t;
  };
  const model: Record<string, Tensor> = {}, optimizer: Record<string, Tensor> = {};
  for (const [name, r] of Object.entries(manifest.model)) model[name] = build('model', name, r);
  for (const [name, r] of Object.entries(manifest.optimizer)) optimizer[name] = build('optim', name, r);
  return { model, optimizer, optimizerMeta: manifest.optimizerMeta, metadata: manifest.metadata };
}

/** Any layout → any layout, through the full tensors. */
export function reshapeCheckpoint(manifest: ShardManifest, read: (file: string) => Uint8Array, to: Layout, options: ShardOptions = {}): ShardedCheckpoint {
  return shardCheckpoint(assembleCheckpoint(manifest, read), to, options);
}
