// Progress display for training: a cli-progress bar on a TTY, plain periodic lines otherwise.
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../train/index.js';

export interface ProgressReporter {
  onProgress(e: ProgressEvent): void;
  log(line: string): void;
  stop(): void;
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr, plainEverySeconds = 10): ProgressReporter {
  const tty = Boolean(stream.isTTY) && process.env.CI !== 'true';
  let bar: cliProgress.SingleBar | null = null;
  let lastPlain = 0;
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  return {
    onProgress(e) {
      if (e.kind === 'step') {
        if (tty) {
          if (!bar) {
            bar = new cliProgress.SingleBar({ stream, format: `epoch ${e.epoch + 1}/${e.epochs} [{bar}] {value}/{total} batches | loss {loss} | {eta}s left`, hideCursor: true }, cliProgress.Presets.shades_classic);
            bar.start(e.batches, e.batch - 1, { loss: '—' });
          }
          bar.update(e.batch, { loss: e.loss.toFixed(4) });
        } else if (Date.now() - lastPlain > plainEverySeconds * 1000) {
          lastPlain = Date.now();
          stream.write(`epoch ${e.epoch + 1}/${e.epochs} batch ${e.batch}/${e.batches} step ${e.step} loss ${e.loss.toFixed(4)}\n`);
        }
      } else if (e.kind === 'epoch') {
        stopBar();
        const r = e.record;
        const test = r.test ? ` | test loss ${r.test.loss.toFixed(4)} acc ${(100 * r.test.accuracy).toFixed(2)}%` : '';
        stream.write(`epoch ${r.epoch}/${e.epochs}: train loss ${r.trainLoss.toFixed(4)} acc ${(100 * r.trainAccuracy).toFixed(2)}%${test} (${r.seconds.toFixed(1)} s)\n`);
        for (const l of r.sparsity ?? []) {
          const rows = l.shape[0]!;
          stream.write(`  ${l.name} [${l.shape.join('×')}]: ${l.dense ? 'dense' : `sparsity ${(100 * (1 - l.density)).toFixed(1)}%, fan-in ${l.fanIn ?? 'varies'}, ablated ${l.ablatedRows}/${rows} rows`}\n`);
        }
      } else if (e.kind === 'checkpoint') {
        if (!tty) stream.write(`checkpoint ${e.path}\n`);
      } else if (e.kind === 'resume') {
        stream.write(`resumed from ${e.path} at step ${e.step}\n`);
      } else if (e.kind === 'checkpoint-skipped') {
        stopBar();
        stream.write(`skipped checkpoint ${e.path}: ${e.reason}\n`);
      } else if (e.kind === 'checkpoint-failed') {
        stopBar();
        stream.write(`checkpoint at step ${e.step} failed, training continues: ${e.error}\n`);
      } else {
        stopBar();
        stream.write(`rolled back to ${e.path} (step ${e.step}) after a failure at step ${e.failedStep}: ${e.reason}\n`);
      }
    },
    log(line) {
      stopBar();
      stream.write(`${line}\n`);
    },
    stop: stopBar,
  };
}
