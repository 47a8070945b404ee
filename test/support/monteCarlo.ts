// The Monte-Carlo check of an infinite-width kernel (test/infinite/*): the analytic NNGP/NTK of a stax layer
// against the mean kernels of its own finite networks, to 5 standard errors of the Monte-Carlo mean.
import assert from 'node:assert/strict';
import { key } from '../../src/core/random.js';
import type { Tensor } from '../../src/tensor/index.js';
import { kernelFn, monteCarloKernel, type Layer } from '../../src/infinite/index.js';

/**
 * makeNet(outputs) is one architecture with a readout of `outputs` units: the NNGP is estimated with a wide
 * readout (its mean over outputs has a small variance), the NTK with one output (one Jacobian per input).
 */
export function compareWithMonteCarlo(makeNet: (outputs: number) => Layer, x: Tensor, inputShape: number[], o: { nngpOutputs: number; nngpSamples: number; ntkSamples: number }, what: string): void {
  const analytic = kernelFn(makeNet(1), x);
  const wide = kernelFn(makeNet(o.nngpOutputs), x);
  for (let i = 0; i < wide.nngp.length; i++) assert.equal(wide.nngp[i], analytic.nngp[i], 'the readout width does not change the infinite-width kernel');
  const mcNngp = monteCarloKernel(makeNet(o.nngpOutputs), { x1: x, inputShape, key: key(7), samples: o.nngpSamples, get: 'nngp' });
  const mcNtk = monteCarloKernel(makeNet(1), { x1: x, inputShape, key: key(8), samples: o.ntkSamples, get: 'ntk' });
  const scale = Math.max(...analytic.nngp.map(Math.abs), ...analytic.ntk.map(Math.abs));
  for (const [name, a, m, se] of [['NNGP', analytic.nngp, mcNngp.nngp, mcNngp.nngpStdErr], ['NTK', analytic.ntk, mcNtk.ntk, mcNtk.ntkStdErr]] as const) {
    for (let i = 0; i < a.length; i++) {
      const tol = 5 * se[i]! + 1e-12;
      assert.ok(Math.abs(m[i]! - a[i]!) <= tol, `${what} ${name}[${i}]: Monte Carlo ${m[i]} ± ${se[i]} vs analytic ${a[i]} (tolerance ${tol})`);
      assert.ok(se[i]! < 0.04 * scale, `${what} ${name}[${i}]: the standard error ${se[i]} is small enough for the test to mean something`);
    }
  }
}

