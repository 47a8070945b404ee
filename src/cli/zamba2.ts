// `tessera zamba2 …` (generate, logits, train, make-tiny, params) and `tessera bench zamba2`.
import { Command, InvalidArgumentError, Option } from 'commander';
import { useBackend, type BackendChoice } from './backend.js';
import { backendOption, positiveInt, nonNegativeInt, numberIn } from './options.js';

const idList = (name: string) => (v: string): number[] => {
  const parts = v.split(',').map((s) => s.trim());
  const ids = parts.map(Number);
  const bad = parts.findIndex((s, i) => s === '' || !Number.isInteger(ids[i]) || ids[i]! < 0);
  if (bad >= 0) throw new InvalidArgumentError(`${name} expects comma-separated non-negative integer token ids, got "${parts[bad]}" in "${v}"`);
  return ids;
};


/**
 * Load a checkpoint and run `body` on the chosen backend. weights 'stored' (generate, logits) keeps BF16/F16
 * Linear and embedding matrices as 16-bit words (a served model at 2 bytes per weight); 'f32' (train) widens all.
 */
async function withModel<T>(dir: string, clampDt: boolean, backend: BackendChoice, body: (m: import('../models/zamba2/index.js').Zamba2Checkpoint) => T | Promise<T>, weights: 'stored' | 'f32' = 'stored'): Promise<T> {
  const { loadZamba2Checkpoint } = await import('../models/zamba2/index.js');
  const checkpoint = loadZamba2Checkpoint(dir, { clampDt, weights });
  const dispose = await useBackend(backend);
  try {
    return await body(checkpoint);
  } finally {
    await dispose();
  }
}

export function registerZamba2Commands(program: Command): void {
  const z = program.command('zamba2').description('Zamba2 hybrid Mamba2/shared-attention language model from Hugging Face checkpoints');

  z.command('generate')
    .description('generate text from a prompt (greedy by default; temperature / top-k / top-p sampling with a seed), streaming to stdout')
    .requiredOption('--model <dir>', 'Hugging Face model directory (config.json, *.safetensors, tokenizer.json)')
    .requiredOption('--prompt <text>', 'prompt text')
    .option('--max-new-tokens <n>', 'tokens to generate at most', nonNegativeInt('--max-new-tokens'), 32)
    .option('--temperature <x>', 'sampling temperature (0 = greedy)', numberIn('--temperature', 0, 100), 0)
    .option('--top-k <n>', 'keep the k most likely tokens (0 = all)', nonNegativeInt('--top-k'), 0)
    .option('--top-p <p>', 'nucleus probability mass', numberIn('--top-p', 0, 1, true), 1)
    .option('--seed <n>', 'sampling seed', nonNegativeInt('--seed'), 0)
    .option('--stop <ids>', 'stop token ids (default: the config\'s eos)', idList('--stop'))
    .option('--clamp-dt', 'clamp dt below at time_step_min as HF\'s CPU path does (default: no clamp, as the original code)')
    .option('--json', 'print {"prompt_ids", "ids", "text", "stopped_by"} instead of streaming text')
    .addOption(backendOption())
    .action(async (o: { model: string; prompt: string; maxNewTokens: number; temperature: number; topK: number; topP: number; seed: number; stop?: number[]; clampDt?: boolean; json?: boolean; backend: BackendChoice }) => {
      await withModel(o.model, o.clampDt ?? false, o.backend, async (ck) => {
        const { Zamba2Model, Zamba2Tokenizer, generate } = await import('../models/zamba2/index.js');
        if (!ck.tokenizerJson) throw new InvalidArgumentError(`--model ${o.model} expected a tokenizer.json, got none`);
        const tokenizer = new Zamba2Tokenizer(ck.tokenizerJson, ck.tokenizerConfig);
        const model = new Zamba2Model(ck.config, ck.weights);
        const promptIds = tokenizer.encode(o.prompt);
        let printed = '';
        const generated: number[] = [];
        const result = generate(model, promptIds, {
          maxNewTokens: o.maxNewTokens, temperature: o.temperature, topK: o.topK, topP: o.topP, seed: o.seed,
          ...(o.stop ? { stopTokens: o.stop } : {}),
          onToken: (id) => {
            if (o.json) return;
            generated.push(id);
            const text = tokenizer.decode(generated);
            if (text.startsWith(printed) && text.length > printed.length) {
              process.stdout.write(printed === '' ? text : text.slice(printed.length));
              printed = text;
            }
          },
        });
        const text = tokenizer.decode(result.ids);
        if (o.json) process.stdout.write(`${JSON.stringify({ prompt_ids: promptIds, ids: result.ids, text, stopped_by: result.stoppedBy })}\n`);
        else process.stdout.write(`${text.slice(printed.length)}\n`);
      });
    });

  z.command('logits')
    .description('float32 logits at the last position of --ids, from the full chunked forward (or the cached one-token path with --step)')
    .requiredOption('--model <dir>', 'Hugging Face model directory')
    .requiredOption('--ids <list>', 'comma-separated token ids, e.g. 1,2,3', idList('--ids'))
    .option('--step', 'feed the ids one at a time through the cached recurrent step')
    .option('--json', 'print {"logits": [...]} (the output contract); otherwise the top 10')
    .option('--clamp-dt', 'clamp dt below at time_step_min (HF CPU path)')
    .addOption(backendOption())
    .action(async (o: { model: string; ids: number[]; step?: boolean; json?: boolean; clampDt?: boolean; backend: BackendChoice }) => {
      await withModel(o.model, o.clampDt ?? false, o.backend, async (ck) => {
        const { Zamba2Model } = await import('../models/zamba2/index.js');
        const model = new Zamba2Model(ck.config, ck.weights);
        const cache = model.newCache();
        let logits: ArrayLike<number> = [];
        if (o.step) for (const id of o.ids) logits = model.forwardLast([id], cache, 'recurrent');
        else logits = model.forwardLast(o.ids, cache, 'chunked');
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ logits: Array.from(logits) })}\n`);
        } else {
          const top = Array.from(logits, (v, i) => [i, v] as const).sort((a, b) => b[1] - a[1]).slice(0, 10);
          process.stdout.write(`${top.map(([i, v]) => `${i}\t${v.toFixed(4)}`).join('\n')}\n`);
        }
      });
    });

  z.command('train')
    .description('fine-tune on a text file with the checkpoint\'s tokenizer (all parameters, or only the LoRA adapters with --lora) and write a Hugging Face model directory')
    .requiredOption('--model <dir>', 'Hugging Face model directory (config.json, *.safetensors, tokenizer.json)')
    .requiredOption('--data <file>', 'UTF-8 text file to train on')
    .requiredOption('--out <dir>', 'output model directory (model.safetensors, config.json, tokenizer files)')
    .option('--lora', 'train only the shared blocks\' LoRA adapters (default: every parameter)')
    .option('--steps <n>', 'optimizer steps', positiveInt('--steps'), 50)
    .option('--seq-len <n>', 'tokens per training window', positiveInt('--seq-len'), 64)
    .option('--batch <n>', 'windows per step', positiveInt('--batch'), 4)
    .option('--lr <x>', 'Adam learning rate', numberIn('--lr', 0, 1, true), 1e-3)
    .option('--clip <x>', 'global gradient-norm clip (0: none)', numberIn('--clip', 0, 1e6), 1)
    .option('--seed <n>', 'window sampling seed', nonNegativeInt('--seed'), 0)
    .option('--json', 'print the result as one JSON line')
    .addOption(backendOption())
    .action(async (o: { model: string; data: string; out: string; lora?: boolean; steps: number; seqLen: number; batch: number; lr: number; clip: number; seed: number; json?: boolean; backend: BackendChoice }) => {
      await withModel(o.model, false, o.backend, async (ck) => {
        const { runZamba2Finetune } = await import('./zamba2Train.js');
        const result = runZamba2Finetune(ck, { ...o, mode: o.lora ? 'lora' : 'full' }, (line) => process.stderr.write(`${line}\n`));
        process.stdout.write(o.json ? `${JSON.stringify(result)}\n` : `loss ${result.loss_before.toFixed(4)} → ${result.loss_after.toFixed(4)} (${result.mode}, ${result.trainable_parameters} trainable parameters); wrote ${result.files.join(', ')} to ${result.out}\n`);
      }, 'f32');
    });

  z.command('make-tiny')
    .description('write a tiny random Zamba2 checkpoint in the Hugging Face layout (config.json, safetensors, tokenizer.json)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--seed <n>', 'weight seed', nonNegativeInt('--seed'), 0)
    .addOption(new Option('--dtype <name>', 'storage dtype').choices(['f32', 'bf16', 'f16']).default('f32'))
    .option('--shards <n>', 'number of safetensors shards (>1 writes model.safetensors.index.json)', positiveInt('--shards'), 1)
    .addOption(new Option('--layout <name>', 'tensor-name layout').choices(['layers', 'blocks']).default('layers'))
    .option('--duplicate-shared', 'layers layout: store the shared blocks under every hybrid layer that uses them')
    .action(async (o: { out: string; seed: number; dtype: 'f32' | 'bf16' | 'f16'; shards: number; layout: 'layers' | 'blocks'; duplicateShared?: boolean }) => {
      const { writeTinyZamba2Checkpoint, countZamba2Parameters } = await import('../models/zamba2/index.js');
      const { config } = writeTinyZamba2Checkpoint(o.out, {
        seed: o.seed, dtype: o.dtype.toUpperCase() as 'F32' | 'BF16' | 'F16', shards: o.shards, layout: o.layout, duplicateShared: o.duplicateShared ?? false,
      });
      process.stderr.write(`wrote a tiny Zamba2 checkpoint to ${o.out}: ${config.layers} layers (hybrid ${config.hybridLayerIds.join(', ')}), hidden ${config.hidden}, ` +
        `vocab ${config.vocabSize}, ${countZamba2Parameters(config).total} parameters\n`);
    });

  z.command('params')
    .description('parameter count, derived shapes and cache sizes of a config (a model directory or a released preset)')
    .addOption(new Option('--preset <name>', 'released model').choices(['1.2B', '2.7B', '7B']))
    .option('--model <dir>', 'model directory (reads only config.json)')
    .action(async (o: { preset?: '1.2B' | '2.7B' | '7B'; model?: string }) => {
      const { describeZamba2Config } = await import('./zamba2Describe.js');
      process.stdout.write(`${JSON.stringify(describeZamba2Config(o), null, 2)}\n`);
    });

  const bench = program.commands.find((c) => c.name() === 'bench');
  if (!bench) throw new Error('registerZamba2Commands: the bench command must be registered first');
  bench.command('zamba2')
    .description('Zamba2 vs a pure-attention transformer of the same parameter count and a PyTorch eager port, bf16 and f32: decode ms/token at context 128…8192 beside the bandwidth bound, prefill tokens/s, peak RSS, cache bytes')
    .option('--json', 'print the JSON result on one line')
    .option('--quick', 'shorter context range and fewer repetitions')
    .addOption(new Option('--shapes <list>', 'model shapes to measure').choices(['tiny', '1.2B', 'both']).default('both'))
    .option('--max-context <n>', 'largest decode context (default 8192, quick 2048)', positiveInt('--max-context'))
    .addOption(new Option('--dtypes <list>', 'weight dtypes to measure').choices(['bf16', 'f32', 'both']).default('both'))
    .option('--no-torch', 'skip the PyTorch eager peer')
    .addOption(backendOption())
    .action(async (o: { json?: boolean; quick?: boolean; shapes: 'tiny' | '1.2B' | 'both'; maxContext?: number; dtypes: 'bf16' | 'f32' | 'both'; torch: boolean; backend: BackendChoice }) => {
      const { benchZamba2 } = await import('../../bench/zamba2.js');
      // Each model runs in a worker process that opens the backend itself (bench/zamba2Worker.ts).
      const result = await benchZamba2({
        quick: o.quick ?? false, shapes: o.shapes, ...(o.maxContext ? { maxContext: o.maxContext } : {}), backend: o.backend, torch: o.torch,
        dtypes: o.dtypes === 'both' ? ['bf16', 'f32'] : [o.dtypes],
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${JSON.stringify(result, null, o.json ? 0 : 2)}\n`);
    });
}
