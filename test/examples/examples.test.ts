// The examples (and so the README's code) run and do what they say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('examples/quickstart runs: finite loss, gradients of the right shapes, falling MLP loss', () => {
  const file = fileURLToPath(new URL('../../examples/quickstart.js', import.meta.url));
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /loss \d+\.\d{4}, dx \[2,2\], dw \[2,3\]/);
  const losses = /MLP loss over 5 steps: (.*)/.exec(r.stdout)![1]!.split(' → ').map(Number);
  assert.equal(losses.length, 5);
  assert.ok(losses[4]! < losses[0]!, `loss fell: ${losses.join(', ')}`);
});
