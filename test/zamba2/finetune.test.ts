// Fine-tuning Zamba2: LoRA on the shipped corpus lowers the loss, moves only the adapters, and survives
// save → load with the same logits; full fine-tuning moves every tensor; `tessera zamba2 train` writes a
// directory that `zamba2 logits` and `generate` load. Errors: no adapters for --lora, a too-short text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TINY_CORPUS } from '../../src/data/tinyCorpus.js';
import {
  finetuneZamba2, languageModelLoss, loadZamba2Checkpoint, saveZamba2Checkpoint, trainableNames, writeTinyZamba2Checkpoint,
  Zamba2Model, Zamba2Tokenizer, parseZamba2Config, tinyZamba2ConfigJson, assembleZamba2Weights, randomZamba2Tensors,
} from '../../src/models/zamba2/index.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-zamba2-train-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const source = join(root, 'tiny');
writeTinyZamba2Checkpoint(source, { seed: 3 });
const snapshot = (m: Zamba2Model) => new Map([...m.weights.named].map(([n, t]) => [n, Float32Array.from((t as Tensor).data as Float32Array)]));
import type { Tensor } from '../../src/tensor/index.js';

test('LoRA fine-tune on the shipped corpus lowers the loss, changes only adapters, and reloads to the same logits', () => {
  const ck = loadZamba2Checkpoint(source);
  const ids = new Zamba2Tokenizer(ck.tokenizerJson, ck.tokenizerConfig).encode(TINY_CORPUS);
  const model = new Zamba2Model(ck.config, ck.weights);
  const probe = ids.slice(0, 33);
  const before = languageModelLoss(model, probe);
  const start = snapshot(model);
  const run = finetuneZamba2(model, ids, { mode: 'lora', steps: 12, sequence: 32, batch: 2, lr: 1e-2, seed: 1 });
  assert.ok(run.trainable.length > 0 && run.trainable.every((n) => n.includes('_adapter_list.')));
  const after = languageModelLoss(model, probe);
  assert.ok(after < before - 0.05, `loss ${before} → ${after}`);
  assert.ok(run.losses.slice(-3).reduce((a, b) => a + b) < run.losses.slice(0, 3).reduce((a, b) => a + b), `training losses ${run.losses}`);
  for (const [name, values] of snapshot(model)) {
    const changed = values.some((v, i) => v !== start.get(name)![i]);
    assert.equal(changed, name.includes('_adapter_list.'), `${name} changed: ${changed}`);
  }
  const out = join(root, 'lora-out');
  assert.deepEqual(saveZamba2Checkpoint(out, model, source), ['model.safetensors', 'config.json', 'tokenizer.json', 'tokenizer_config.json']);
  const reloaded = new Zamba2Model(ck.config, loadZamba2Checkpoint(out).weights);
  assert.deepEqual(Array.from(reloaded.forwardLast(probe, reloaded.newCache())), Array.from(model.forwardLast(probe, model.newCache())));
  assert.throws(() => saveZamba2Checkpoint(source, model, source), /differ from the source/);
});

test('full fine-tuning trains every tensor; lora without adapters and a too-short stream are refused', () => {
  const config = parseZamba2Config({ ...tinyZamba2ConfigJson(40), use_shared_attention_adapter: false, use_shared_mlp_adapter: false });
  const t = randomZamba2Tensors(config, 4);
  const model = new Zamba2Model(config, assembleZamba2Weights(config, (n) => t.get(n)!));
  assert.throws(() => trainableNames(model, 'lora'), /adapters/);
  const ids = Array.from({ length: 40 }, (_, i) => (i * 7) % 40);
  assert.throws(() => finetuneZamba2(model, ids.slice(0, 10), { mode: 'full', steps: 1, sequence: 16, batch: 1, lr: 1e-3, seed: 0 }), /more than 17 tokens/);
  const start = snapshot(model);
  finetuneZamba2(model, ids, { mode: 'full', steps: 1, sequence: 16, batch: 1, lr: 1e-3, seed: 0 });
  for (const [name, values] of snapshot(model)) assert.ok(values.some((v, i) => v !== start.get(name)![i]), `${name} unchanged`);
});

test('tessera zamba2 train --lora --json, then zamba2 logits and generate load the written directory', () => {
  const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 180_000 });
  const data = join(root, 'corpus.txt'), out = join(root, 'cli-out');
  writeFileSync(data, TINY_CORPUS);
  const trained = run('zamba2', 'train', '--model', source, '--data', data, '--out', out, '--lora', '--steps', '10', '--seq-len', '32', '--batch', '2', '--lr', '0.01', '--json', '--backend', 'cpu');
  assert.equal(trained.status, 0, trained.stderr);
  const r = JSON.parse(trained.stdout);
  for (const k of ['mode', 'steps', 'tokens', 'trainable_parameters', 'loss_before', 'loss_after', 'losses', 'out', 'files', 'reload_max_abs_diff']) assert.ok(k in r, k);
  assert.equal(r.mode, 'lora');
  assert.equal(r.reload_max_abs_diff, 0);
  assert.ok(r.loss_after < r.loss_before, `${r.loss_before} → ${r.loss_after}`);
  assert.match(trained.stderr, /step 10\/10/);
  const logits = run('zamba2', 'logits', '--model', out, '--ids', '1,40,41', '--json', '--backend', 'cpu');
  assert.equal(logits.status, 0, logits.stderr);
  assert.ok((JSON.parse(logits.stdout).logits as number[]).every(Number.isFinite));
  const gen = run('zamba2', 'generate', '--model', out, '--prompt', 'The light', '--max-new-tokens', '4', '--json', '--backend', 'cpu');
  assert.equal(gen.status, 0, gen.stderr);
  const bad = run('zamba2', 'train', '--model', source, '--data', join(root, 'missing.txt'), '--out', join(root, 'x'), '--backend', 'cpu');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /missing\.txt/);
});
