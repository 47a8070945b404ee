// PyTorch as a peer of `tessera bench engine`: runs bench/peers/torch_engine.py with /usr/bin/python3 as
// a long-lived worker (one JSON line per request and per reply), so torch rounds interleave with
// tessera's rounds in one run without re-importing torch each time. Never throws: when python or torch
// is missing, or the worker dies, openTorchPeer / round() say why and the bench reports null.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const TORCH_PYTHON = '/usr/bin/python3';
/** From dist/bench/peers/torch.js (and bench/peers/torch.ts) up to the package root, then the committed script. */
const SCRIPT = fileURLToPath(new URL('../../../bench/peers/torch_engine.py', import.meta.url));

/** What the worker found about its torch (see torch_engine.py's info()). */
export interface TorchInfo {
  torch: string;
  python: string;
  executable: string;
  /** 'openblas', 'mkl', 'reference (netlib)' or 'unknown'. */
  blas: string;
  blas_libraries: string[];
  openblas_config: string | null;
  openblas_core: string | null;
  /** openblas_set_num_threads was found, so "1 thread" really is one thread for GEMM too. */
  openblas_threads_controlled: boolean;
  mkldnn: boolean;
  blas_gemm512_gflops_1t: number;
  /** False when torch's BLAS is the slow reference one (then `note` says so). */
  blas_fast: boolean;
  note: string | null;
}

/** One round of torch measurements: GEMM on 1 and all threads, the MLP step on 1 and all, the CNN step on all. */
export interface TorchRound {
  gemm1024_gflops_1t: number;
  gemm1024_gflops_all: number;
  mlp_step_ms_1t: number;
  mlp_step_ms_all: number;
  cnn_step_ms_all: number;
}

export interface TorchRoundRequest {
  threads: number;
  reps: number;
  warmup: number;
  cnnSteps: number;
}

export interface TorchPeer {
  readonly info: TorchInfo;
  /** The worker's process id (for CPU accounting). */
  readonly pid: number;
  /** One round, or the reason it failed. */
  round(request: TorchRoundRequest): Promise<TorchRound | { error: string }>;
  close(): Promise<void>;
}

type Reply = { ok: true; info?: TorchInfo; round?: TorchRound } | { ok: false; reason: string };

/** Reads the worker's stdout one JSON line at a time; a closed stream or bad line resolves to an error reply. */
function lineReader(child: ChildProcessWithoutNullStreams, stderr: () => string): { next(): Promise<Reply>; rl: Interface } {
  const rl = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let closed = false;
  rl.on('line', (line) => (waiting.length ? waiting.shift()!(line) : queue.push(line)));
  rl.on('close', () => {
    closed = true;
    while (waiting.length) waiting.shift()!(null);
  });
  return {
    rl,
    next: () => new Promise<Reply>((resolve) => {
      const take = (line: string | null) => {
        if (line === null) return resolve({ ok: false, reason: `the torch worker exited${stderr() ? `: ${stderr()}` : ''}` });
        try {
          resolve(JSON.parse(line) as Reply);
        } catch {
          resolve({ ok: false, reason: `the torch worker printed a line that is not JSON: ${line.slice(0, 200)}` });
        }
      };
      if (queue.length) take(queue.shift()!);
      else if (closed) take(null);
      else waiting.push(take);
    }),
  };
}

/** Start the worker and read its info; { reason } when python, the script or torch is unavailable. */
export async function openTorchPeer(): Promise<TorchPeer | { reason: string }> {
  if (!existsSync(TORCH_PYTHON)) return { reason: `${TORCH_PYTHON} does not exist (the torch peer needs Debian's python3 with python3-torch)` };
  if (!existsSync(SCRIPT)) return { reason: `the torch peer script ${SCRIPT} is missing` };
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(TORCH_PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    return { reason: `could not start ${TORCH_PYTHON}: ${err instanceof Error ? err.message : String(err)}` };
  }
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
  const spawnError = new Promise<Reply>((resolve) => child.on('error', (err) => resolve({ ok: false, reason: `could not start ${TORCH_PYTHON}: ${err.message}` })));
  const lines = lineReader(child, () => stderr.trim().split('\n').at(-1) ?? '');
  const first = await Promise.race([lines.next(), spawnError]);
  const close = async () => {
    if (child.exitCode === null && !child.killed) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill();
    }
    lines.rl.close();
  };
  if (!first.ok || !first.info) {
    await close();
    return { reason: first.ok ? 'the torch worker sent no info' : first.reason };
  }
  return {
    info: first.info,
    pid: child.pid ?? -1,
    async round(r) {
      child.stdin.write(`${JSON.stringify({ cmd: 'round', threads: r.threads, reps: r.reps, warmup: r.warmup, cnn_steps: r.cnnSteps })}\n`);
      const reply = await lines.next();
      if (!reply.ok) return { error: reply.reason };
      return reply.round ?? { error: 'the torch worker sent no round' };
    },
    close,
  };
}
