// Where a sweep's trial results live: one record per finished trial, written atomically; failures,
// running leases, per-trial logs and a journal of events beside them. Two stores with the same content:
//   files  results/<repro>/trials/<id>.json (done), <id>.failed.json, running/<id>.json, <id>.log, journal.jsonl
//   redis  tessera:sweep:<repro>:{done,failed,running} hashes (id → the same JSON), :journal list, :log:<id> lists
// `finish` keeps the first record of a trial (a second finisher — e.g. a worker presumed dead that was only
// slow — does not overwrite it) and says whether it was first; the journal still shows both.
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensureDirectory, listDirectory, removeFile } from '../io/files.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import type { JsonValue } from '../report/index.js';

export interface TrialRecord {
  id: string;
  repro: string;
  label: string;
  config: JsonValue;
  result: JsonValue;
  /** Seconds the trial computed. */
  seconds: number;
  /** 1 for the first execution, 2 after one crash or retry, … */
  attempt: number;
  worker: string;
  /** The backend and its threads, e.g. "native × 1": results are bit-identical for the same backend and threads
   *  per worker (some BLAS reductions depend on the thread count), whatever the number of workers. */
  backend: string;
  finished_at: string;
}

export interface FailureRecord {
  id: string;
  repro: string;
  label: string;
  error: string;
  attempt: number;
  worker: string;
  failed_at: string;
  cancelled?: boolean;
}

export interface RunningRecord {
  id: string;
  label: string;
  worker: string;
  pid: number;
  host: string;
  started_at: string;
  attempt: number;
}

export interface JournalEvent {
  event: 'started' | 'done' | 'duplicate' | 'failed';
  id: string;
  worker: string;
  attempt: number;
  at: string;
}

export interface TrialStore {
  /** Where the store is, for messages (a directory or a Redis URL). */
  readonly where: string;
  done(): Promise<Map<string, TrialRecord>>;
  failures(): Promise<Map<string, FailureRecord>>;
  running(): Promise<Map<string, RunningRecord>>;
  start(r: RunningRecord): Promise<void>;
  /** Store a finished trial; false (and nothing overwritten) when the trial was already done. */
  finish(r: TrialRecord): Promise<boolean>;
  fail(r: FailureRecord): Promise<void>;
  /** Drop a trial's running lease without a record (a failed attempt that will be retried). */
  release(id: string): Promise<void>;
  /** Forget a failure (before a trial is retried by a new `sweep run`). */
  clearFailure(id: string): Promise<void>;
  log(id: string, line: string): Promise<void>;
  logOf(id: string): Promise<string[]>;
  journal(): Promise<JournalEvent[]>;
  close(): Promise<void>;
}

/** "<host>:<pid>" — names a worker process in records and journals. */
export const workerName = (): string => `${hostname()}:${process.pid}`;

const readJson = <T>(file: string): T | null => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`trial store: ${file} is not a readable JSON record: ${(e as Error).message}`);
  }
};

/** The file store of one repro under `dir` (results/<repro>/trials). */
export function fileTrialStore(dir: string): TrialStore {
  const running = join(dir, 'running');
  const journalFile = join(dir, 'journal.jsonl');
  ensureDirectory(running);
  const records = <T>(folder: string, suffix: string): Map<string, T> => {
    const out = new Map<string, T>();
    for (const name of listDirectory(folder)) {
      if (!name.endsWith(suffix) || name.startsWith('.')) continue;
      const id = name.slice(0, -suffix.length);
      if (suffix === '.json' && id.includes('.')) continue; // <id>.failed.json
      const r = readJson<T>(join(folder, name));
      if (r) out.set(id, r);
    }
    return out;
  };
  const append = (e: JournalEvent) => fs.appendFileSync(journalFile, `${JSON.stringify(e)}\n`); // one O_APPEND write per event
  return {
    where: dir,
    done: async () => records<TrialRecord>(dir, '.json'),
    failures: async () => records<FailureRecord>(dir, '.failed.json'),
    running: async () => records<RunningRecord>(running, '.json'),
    async start(r) {
      writeFileAtomic(join(running, `${r.id}.json`), JSON.stringify(r));
      append({ event: 'started', id: r.id, worker: r.worker, attempt: r.attempt, at: r.started_at });
    },
    async finish(r) {
      const file = join(dir, `${r.id}.json`);
      const first = !fs.existsSync(file);
      if (first) writeFileAtomic(file, `${JSON.stringify(r, null, 1)}\n`);
      removeFile(join(running, `${r.id}.json`));
      removeFile(join(dir, `${r.id}.failed.json`));
      append({ event: first ? 'done' : 'duplicate', id: r.id, worker: r.worker, attempt: r.attempt, at: r.finished_at });
      return first;
    },
    async fail(r) {
      writeFileAtomic(join(dir, `${r.id}.failed.json`), `${JSON.stringify(r, null, 1)}\n`);
      removeFile(join(running, `${r.id}.json`));
      append({ event: 'failed', id: r.id, worker: r.worker, attempt: r.attempt, at: r.failed_at });
    },
    async release(id) {
      removeFile(join(running, `${id}.json`));
    },
    async clearFailure(id) {
      removeFile(join(dir, `${id}.failed.json`));
    },
    async log(id, line) {
      fs.appendFileSync(join(dir, `${id}.log`), `${line}\n`);
    },
    async logOf(id) {
      try {
        return fs.readFileSync(join(dir, `${id}.log`), 'utf8').split('\n').filter((l) => l.length > 0);
      } catch {
        return [];
      }
    },
    async journal() {
      try {
        return fs.readFileSync(journalFile, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as JournalEvent);
      } catch {
        return [];
      }
    },
    async close() {},
  };
}
