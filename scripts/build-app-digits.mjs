// The web app's test digits: the first N (default 100) test images of the MNIST digits tessera trains on
// (loadMnistDigits' test split, the examples `tessera sparse predict --indices 0-99` reads), as raw bytes:
//   [N labels, u8] [N images of 28×28 pixels, u8 0..255, row-major]   (N·785 bytes)
// Usage: node scripts/build-app-digits.mjs OUT [N]   (after npm run build)
import { writeFileAtomic, loadMnistDigits } from '../dist/src/io/index.js';

const [out, count = '100'] = process.argv.slice(2);
if (!out) throw new Error('usage: node scripts/build-app-digits.mjs OUT [N]');
const { test } = loadMnistDigits();
const n = Number(count), pixels = test.height * test.width;
if (!Number.isInteger(n) || n < 1 || n > test.n) throw new Error(`N expects an integer in [1, ${test.n}], got "${count}"`);
const bytes = new Uint8Array(n * (1 + pixels));
bytes.set(test.labels.subarray(0, n), 0);
bytes.set(test.images.subarray(0, n * pixels), n);
writeFileAtomic(out, bytes);
console.log(`${out}: the first ${n} of ${test.n} test digits (${test.source}), ${bytes.length} bytes`);
