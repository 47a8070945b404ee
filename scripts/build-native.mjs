// Builds the native backend addon (src/backend/native/addon) with node-gyp against the system OpenBLAS,
// and copies it to build/native/tessera_native.node. Never fails the install: without a compiler,
// node-gyp or OpenBLAS it prints why and tessera runs on wasm. `--strict` makes a failed build an error.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = join(root, 'src', 'backend', 'native', 'addon');
const target = join(root, 'build', 'native', 'tessera_native.node');
const strict = process.argv.includes('--strict');

function nodeGyp() {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = process.env.npm_config_node_gyp;
    if (bundled && existsSync(bundled)) return bundled;
    return null;
  }
}

function skip(reason) {
  console.log(`build-native: skipped (${reason}); tessera will use the wasm backend`);
  if (strict) process.exit(1);
  process.exit(0);
}

if (process.env.TESSERA_SKIP_NATIVE === '1') skip('TESSERA_SKIP_NATIVE=1');
if (!existsSync(addonDir)) skip('no addon sources');
try {
  execFileSync('pkg-config', ['--exists', 'openblas']);
} catch {
  skip('OpenBLAS not found by pkg-config: install Debian libopenblas-dev');
}
const gyp = nodeGyp();
if (!gyp) skip('node-gyp not found');
// Node's own headers: npm's configured nodedir, or the distribution's (/usr/include/node); node-gyp would
// otherwise try to download them, which fails offline.
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/common.gypi') ? '/usr' : null);
const args = [gyp, 'rebuild', '--release', `--jobs=${Math.max(1, availableParallelism())}`, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
try {
  execFileSync(process.execPath, args, { cwd: addonDir, stdio: ['ignore', 'inherit', 'inherit'] });
} catch (e) {
  skip(`node-gyp failed: ${e.message.split('\n')[0]}`);
}
mkdirSync(dirname(target), { recursive: true });
copyFileSync(join(addonDir, 'build', 'Release', 'tessera_native.node'), `${target}.tmp`);
renameSync(`${target}.tmp`, target);
console.log(`build-native: built ${target}`);
