// The whole Zamba2 model against a PyTorch port of the note's §A1–A3 (scripts/fixtures/zamba2_model_golden.py,
// float64): a tiny checkpoint in the Hugging Face "layers" names is written to disk with its config.json,
// loaded through the checkpoint loader, and its logits at every position compared (f32 model, 1e-4 relative),
// through the chunked prefill and through token-by-token decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadZamba2Checkpoint, parseZamba2Config, Zamba2Model, zamba2TensorSpecs } from '../../src/models/zamba2/index.js';
import { writeSafetensors } from '../../src/io/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

const g = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/zamba2-model-golden.json', import.meta.url)), 'utf8'));

test('tiny Zamba2 loaded from HF-named safetensors reproduces the PyTorch port\'s logits (chunked and step by step)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-zamba2-golden-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(g.config));
    const tensors: Record<string, Tensor> = {};
    const shapes = new Map<string, readonly number[]>();
    for (const s of zamba2TensorSpecs(parseZamba2Config(g.config))) shapes.set(s.name, s.shape);
    for (const [name, values] of Object.entries(g.weights as Record<string, number[]>)) {
      const shape = shapes.get(name);
      assert.ok(shape, `fixture tensor ${name} is in the config's tensor list`);
      tensors[name] = new Tensor(Float32Array.from(values), [...shape]);
    }
    assert.equal(Object.keys(tensors).length, shapes.size, 'the fixture holds every tensor');
    writeSafetensors(join(dir, 'model.safetensors'), tensors);
    const ck = loadZamba2Checkpoint(dir);
    const model = new Zamba2Model(ck.config, ck.weights);
    const ids: number[] = g.ids;
    const V = ck.config.vocabSize;
    const want: number[] = g.logits;
    const check = (got: ArrayLike<number>, offset: number, what: string) => {
      for (let i = 0; i < V; i++) {
        const w = want[offset + i]!;
        assert.ok(Math.abs(got[i]! - w) <= 1e-4 * (1 + Math.abs(w)), `${what} logit ${i}: ${got[i]} vs ${w}`);
      }
    };
    const all = model.forwardAll(ids, model.newCache(), 'chunked');
    ids.forEach((_, t) => check(all.subarray(t * V, (t + 1) * V), t * V, `chunked position ${t}`));
    const cache = model.newCache();
    ids.forEach((id, t) => check(model.forwardLast([id], cache, 'recurrent'), t * V, `step position ${t}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
