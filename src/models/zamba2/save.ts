// Write a Zamba2 model as a Hugging Face model directory that loadZamba2Checkpoint (and transformers) read:
// model.safetensors with every canonical tensor (the "layers" layout, shared blocks once, lm_head only when
// untied) in float32 (16-bit weights held as stored are widened, exactly), and the source directory's
// config.json and tokenizer files copied byte for byte.
// Each file is written atomically; the source directory itself is refused (its shards would go stale).
import { TesseraError } from '../../core/errors.js';
import { ensureDirectory, isFile, readFileChecked, writeFileAtomic, writeSafetensors } from '../../io/index.js';
import { isHalfWeight } from '../../nn/storedWeight.js';
import { Tensor, widenHalf } from '../../tensor/index.js';
import type { Zamba2Model } from './model.js';

const COPIED = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json'];
const join = (dir: string, name: string) => (dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`);
const canonicalDir = (dir: string) => dir.replace(/\/+$/, '');

export function saveZamba2Checkpoint(outDir: string, model: Zamba2Model, sourceDir: string): string[] {
  if (canonicalDir(outDir) === canonicalDir(sourceDir)) throw new TesseraError('value', 'zamba2.save', `the output directory expected to differ from the source model directory, got ${outDir} for both`);
  if (!isFile(join(sourceDir, 'config.json'))) throw new TesseraError('value', 'zamba2.save', `the source model directory expected a config.json, got none in ${sourceDir}`);
  ensureDirectory(outDir);
  const tensors: Record<string, Tensor> = {};
  for (const [name, w] of model.weights.named) {
    if (isHalfWeight(w)) tensors[name] = new Tensor(widenHalf(w.words.data as Uint16Array, w.format), w.words.shape);
    else tensors[name] = w.dtype === 'f32' ? new Tensor(w.data, w.shape) : new Tensor(Float32Array.from(w.data as Float64Array), w.shape);
  }
  writeSafetensors(join(outDir, 'model.safetensors'), tensors, { metadata: { format: 'pt' } });
  const written = ['model.safetensors'];
  for (const name of COPIED) {
    const from = join(sourceDir, name);
    if (!isFile(from)) continue;
    writeFileAtomic(join(outDir, name), readFileChecked(from, 'zamba2.save'));
    written.push(name);
  }
  return written;
}
