// Collectives on simulated ranks: results against plain sums/concatenations, for ring and tree,
// group sizes 1..8 (odd and uneven lengths too), and the metered bytes of each algorithm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulated } from '../../src/parallel/transports/simulated.js';
import type { Communicator } from '../../src/parallel/communicator.js';

const vec = (rank: number, n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => rank * 1000 + i + 0.5);

test('every collective gives the plain result for p = 1..8 with ring and tree', async () => {
  for (const algo of ['ring', 'tree'] as const) {
    for (let p = 1; p <= 8; p++) {
      const n = 3 * p; // divisible for reduce-scatter / all-to-all
      const odd = 7; // not divisible, for all-reduce
      const runs = await runSimulated(p, async (comm: Communicator) => ({
        ar: Array.from(await comm.allReduce(vec(comm.rank, odd))),
        rs: Array.from(await comm.reduceScatter(vec(comm.rank, n))),
        ag: Array.from(await comm.allGather(vec(comm.rank, 2))),
        a2a: Array.from(await comm.allToAll(vec(comm.rank, n))),
        bc: Array.from(await comm.broadcast(vec(comm.rank, 5), p - 1)),
        red: await comm.reduce(vec(comm.rank, 4), p > 1 ? 1 : 0).then((x) => (x ? Array.from(x) : null)),
        bar: await comm.barrier(),
      }), null, { comm: { allReduce: algo, broadcast: algo, reduce: algo } });
      const sum = (len: number) => Array.from({ length: len }, (_, i) => Array.from({ length: p }, (_, r) => vec(r, len)[i]!).reduce((a, b) => a + b, 0));
      for (const { rank, result } of runs) {
        assert.deepEqual(result.ar, sum(odd), `${algo} p=${p} all-reduce`);
        assert.deepEqual(result.rs, sum(n).slice(rank * 3, rank * 3 + 3));
        assert.deepEqual(result.ag, Array.from({ length: p }, (_, r) => Array.from(vec(r, 2))).flat());
        assert.deepEqual(result.a2a, Array.from({ length: p }, (_, r) => Array.from(vec(r, n)).slice(rank * 3, rank * 3 + 3)).flat());
        assert.deepEqual(result.bc, Array.from(vec(p - 1, 5)));
        assert.deepEqual(result.red, rank === (p > 1 ? 1 : 0) ? sum(4) : null);
      }
    }
  }
});

test('ring all-reduce meters 2(p-1)/p·n bytes sent and received per rank', async () => {
  const p = 4, n = 64;
  const runs = await runSimulated(p, async (comm: Communicator) => comm.inLayer('L0', () => comm.allReduce(new Float32Array(n))), null);
  for (const r of runs) {
    assert.equal(r.bytesSent, (2 * (p - 1) / p) * n * 4);
    assert.equal(r.bytesRecv, (2 * (p - 1) / p) * n * 4);
    assert.deepEqual(r.traffic.map((t) => [t.collective, t.layer, t.calls]), [['all-reduce', 'L0', 1]]);
  }
});
