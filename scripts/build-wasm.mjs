// Compile the AssemblyScript kernels (src/backend/wasm/assembly) into build/wasm/kernels.wasm.
// The module imports one shared memory (the JS side creates it, sized on demand up to 4 GiB) and
// uses no runtime allocation (--runtime stub): JS owns a bump allocator over that memory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src/backend/wasm/assembly/index.ts');
const outDir = join(root, 'build/wasm');
const out = join(outDir, 'kernels.wasm');
// Resolve asc from the installed assemblyscript package (no network, no global install).
const require = createRequire(import.meta.url);
const ascBin = join(dirname(require.resolve('assemblyscript/package.json')), 'bin/asc.js');

mkdirSync(outDir, { recursive: true });
const flags = [
  entry, '-o', out,
  '-O3', '--noAssert',
  '--enable', 'simd', '--enable', 'threads',
  '--runtime', 'stub',
  '--importMemory', '--sharedMemory',
  '--initialMemory', '1', '--maximumMemory', '65536',
];
execFileSync(process.execPath, [ascBin, ...flags], { cwd: root, stdio: 'inherit' });
console.log(`build-wasm: ${out} (${statSync(out).size} bytes)`);
