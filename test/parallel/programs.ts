// Rank programs the tests run on both transports (importable by worker threads).
import type { Communicator } from '../../src/parallel/communicator.js';

/** Each collective once; returns plain arrays. */
export async function collectivesProgram(comm: Communicator, args: { n: number }): Promise<Record<string, number[] | null>> {
  const v = Float64Array.from({ length: args.n * comm.size }, (_, i) => comm.rank * 1000 + i);
  const red = await comm.reduce(v, 0);
  return {
    ar: Array.from(await comm.allReduce(v)),
    rs: Array.from(await comm.reduceScatter(v)),
    ag: Array.from(await comm.allGather(v.subarray(0, args.n))),
    a2a: Array.from(await comm.allToAll(v)),
    bc: Array.from(await comm.broadcast(v, comm.size - 1)),
    red: red ? Array.from(red) : null,
  };
}

/** Rank `args.bad` throws before its first all-reduce; the others enter it. */
export async function throwingProgram(comm: Communicator, args: { bad: number }): Promise<number> {
  await comm.barrier();
  if (comm.rank === args.bad) {
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the others reach the all-reduce
    throw new Error('injected failure');
  }
  const out = await comm.inLayer('mlp.forward', () => comm.allReduce(new Float32Array(64)));
  return out.length;
}

/** Rank `args.bad` stops responding (never returns) instead of joining the all-gather. */
export async function hangingProgram(comm: Communicator, args: { bad: number; busy?: boolean }): Promise<number> {
  await comm.barrier();
  if (comm.rank === args.bad) {
    if (args.busy) { const until = Date.now() + 60_000; while (Date.now() < until) { /* spin: a hung worker thread */ } }
    await new Promise<never>(() => {});
  }
  const out = await comm.inLayer('attention.forward', () => comm.allGather(new Float32Array(8)));
  return out.length;
}
