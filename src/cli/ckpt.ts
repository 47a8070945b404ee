// `tessera ckpt reshape` and `tessera ckpt verify`: the file-system edge of src/parallel/reshape.
import { Command } from 'commander';
import * as path from 'node:path';
import { TesseraError } from '../core/errors.js';
import { isFile, readFileChecked, writeFileAtomic } from '../io/atomicWrite.js';
import { ensureDirectory } from '../io/files.js';
import { isCheckpointManifest, CHECKPOINT_MANIFEST } from '../io/checkpoint.js';
import { findResumePoint } from '../train/index.js';
import {
  assembleCheckpoint, formatLayout, parseLayout, parseShardManifest, shardCheckpoint, stateFromSafetensors, trainingCheckpointBytes, verifyShard,
  MODEL_FILE, type CheckpointState, type Role, type ShardManifest,
} from '../parallel/reshape/index.js';

/** Both a training-checkpoint directory and a sharded layout keep their manifest under this name. */
const MANIFEST = CHECKPOINT_MANIFEST;

/** A sharded directory's manifest and a reader for its files. */
function openSharded(dir: string): { manifest: ShardManifest; read: (file: string) => Uint8Array } {
  const file = path.join(dir, MANIFEST);
  const manifest = parseShardManifest(new TextDecoder().decode(readFileChecked(file, 'ckpt')), file);
  return { manifest, read: (f) => readFileChecked(path.join(dir, f), 'ckpt', `the manifest ${file} lists it`) };
}

/**
 * The full state behind --in: a sharded directory, a training checkpoint directory (its newest checkpoint
 * that passes the manifest's checksums), a training checkpoint file, or a Hugging Face safetensors
 * file/directory.
 */
export function loadCheckpointState(input: string): { state: CheckpointState; from: string } {
  const manifestFile = path.join(input, MANIFEST);
  if (isFile(manifestFile) && isCheckpointManifest(new TextDecoder().decode(readFileChecked(manifestFile, 'ckpt')))) {
    const point = findResumePoint(input);
    if (!point.found) throw new TesseraError('value', 'ckpt', `--in ${input}: no sound training checkpoint (${point.skipped.map((s) => s.reason).join('; ') || 'none listed'})`);
    return { state: stateFromSafetensors(readFileChecked(point.found.path, 'ckpt'), point.found.path), from: `training checkpoint ${path.basename(point.found.path)}` };
  }
  if (isFile(manifestFile)) {
    const { manifest, read } = openSharded(input);
    return { state: assembleCheckpoint(manifest, read), from: formatLayout(manifest.layout) };
  }
  const file = isFile(input) ? input : path.join(input, MODEL_FILE);
  if (!isFile(file)) throw new TesseraError('value', 'ckpt', `--in ${input} expected a directory with ${MANIFEST} or ${MODEL_FILE}, or a .safetensors file`);
  const state = stateFromSafetensors(readFileChecked(file, 'ckpt'), file);
  return { state, from: state.optimizerMeta ? 'training checkpoint' : 'safetensors file' };
}

/** Write a layout into `out`: every shard atomically, the manifest last (so a crash never leaves a manifest naming a missing shard). */
export function writeSharded(out: string, layout: string, state: CheckpointState, roles: Record<string, Role> = {}): ShardManifest {
  const sharded = shardCheckpoint(state, parseLayout(layout), { roles });
  ensureDirectory(out);
  for (const [name, bytes] of Object.entries(sharded.files)) writeFileAtomic(path.join(out, name), bytes);
  writeFileAtomic(path.join(out, MANIFEST), `${JSON.stringify(sharded.manifest, null, 1)}\n`);
  return sharded.manifest;
}

function parseRoles(spec: string | undefined): Record<string, Role> {
  if (!spec) return {};
  const out: Record<string, Role> = {};
  for (const part of spec.split(',')) {
    const [name, role] = part.split('=');
    if (!name || !['column', 'row', 'replicated'].includes(role ?? '')) throw new TesseraError('option', 'ckpt', `--roles expected name=column|row|replicated[,…], got ${JSON.stringify(part)}`);
    out[name] = role as Role;
  }
  return out;
}

export function registerCkptCommands(program: Command): void {
  const ckpt = program.command('ckpt').description('checkpoints: reshape between sharded layouts, verify shard checksums');
  ckpt.command('reshape')
    .description('convert model and optimizer state between single (HF safetensors), tp=D, tsp=D and zero1=N layouts, bit-exactly')
    .requiredOption('--in <dir|file>', 'a sharded directory (manifest.json), a tessera training checkpoint, or a HF model.safetensors (file or directory)')
    .requiredOption('--to <layout>', 'single | tp=D | tsp=D | zero1=N')
    .requiredOption('--out <dir>', 'output directory (must not already hold a manifest.json)')
    .option('--roles <list>', 'role overrides, e.g. fc.weight=column,proj.weight=row (default: by name, Megatron conventions)')
    .option('--training-checkpoint <file>', 'also write the result as a tessera training checkpoint file (resumable with --resume)')
    .action((o: { in: string; to: string; out: string; roles?: string; trainingCheckpoint?: string }) => {
      parseLayout(o.to); // option errors before any reading
      if (isFile(path.join(o.out, MANIFEST))) throw new TesseraError('value', 'ckpt', `--out ${o.out} already holds a ${MANIFEST}; choose an empty directory`);
      const { state, from } = loadCheckpointState(o.in);
      const manifest = writeSharded(o.out, o.to, state, parseRoles(o.roles));
      if (o.trainingCheckpoint) writeFileAtomic(o.trainingCheckpoint, trainingCheckpointBytes(state));
      const n = Object.keys(state.model).length, m = Object.keys(state.optimizer).length;
      process.stdout.write(`${from} → ${o.to}: ${n} model and ${m} optimizer tensors in ${manifest.files.length} file(s) under ${o.out}\n`);
    });
  ckpt.command('verify')
    .description('check every shard of a sharded directory against the manifest (size, CRC-32) and reassemble it')
    .requiredOption('--in <dir>', 'a sharded directory')
    .action((o: { in: string }) => {
      const { manifest, read } = openSharded(o.in);
      for (const record of manifest.files) verifyShard(record, read(record.file));
      const state = assembleCheckpoint(manifest, read);
      process.stdout.write(`${o.in}: ${formatLayout(manifest.layout)}, ${manifest.files.length} file(s) verified, ${Object.keys(state.model).length} model and ${Object.keys(state.optimizer).length} optimizer tensors reassembled\n`);
    });
}
