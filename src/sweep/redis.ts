// Redis connections for the distributed sweep: the queue URL parsed and checked, and the store of results
// in Redis (same records as the file store, see store.ts).
//   redis://[user:password@]host[:port][/db]   (rediss:// for TLS); port default 6379, db default 0
import { Redis, type RedisOptions } from 'ioredis';
import type { FailureRecord, JournalEvent, RunningRecord, TrialRecord, TrialStore } from './store.js';

export interface RedisTarget {
  url: string;
  options: RedisOptions;
}

export function parseQueueUrl(text: string): RedisTarget {
  const expected = 'expected redis://host:port (e.g. redis://127.0.0.1:6379, optionally redis://user:password@host:port/db)';
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`--queue "${text}" is not a URL; ${expected}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`--queue "${text}" has protocol "${u.protocol}"; ${expected}`);
  if (!u.hostname) throw new Error(`--queue "${text}" names no host; ${expected}`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || !/^\d*$/.test(dbText)) throw new Error(`--queue "${text}": the database "${dbText}" is not a non-negative integer; ${expected}`);
  if (u.search || u.hash) throw new Error(`--queue "${text}" has a query or fragment; ${expected}`);
  const options: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, ''), port, db,
    ...(u.username && { username: decodeURIComponent(u.username) }), ...(u.password && { password: decodeURIComponent(u.password) }),
    ...(u.protocol === 'rediss:' && { tls: {} }),
    // BullMQ's workers need commands to wait for a reconnect (a Redis restart) instead of failing
    maxRetriesPerRequest: null,
  };
  return { url: `${u.protocol}//${u.host}${db ? `/${db}` : ''}`, options };
}

/** Fail within `timeoutMs` with a clear message when nothing answers PING at the target. */
export async function checkReachable(t: RedisTarget, timeoutMs = 4000): Promise<void> {
  const probe = new Redis({ ...t.options, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError = '';
  probe.on('error', (e: Error) => { lastError = (e as NodeJS.ErrnoException).code ?? e.message; }); // reported below
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.connect().then(() => probe.ping()),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
  } catch (e) {
    throw new Error(`Redis at ${t.url} is unreachable (${lastError || (e as Error).message}); start one with \`redis-server --port ${t.options.port} --appendonly yes\` or pass another --queue`);
  } finally {
    clearTimeout(timer);
    probe.disconnect();
  }
}

export const redisKey = (repro: string, what: string): string => `tessera:sweep:${repro}:${what}`;

/** The results of one repro in Redis. */
export function redisTrialStore(t: RedisTarget, repro: string): TrialStore {
  const r = new Redis(t.options);
  r.on('error', () => {}); // ioredis reconnects; commands wait (maxRetriesPerRequest null)
  const k = (what: string) => redisKey(repro, what);
  const hash = async <T>(what: string): Promise<Map<string, T>> => new Map(Object.entries(await r.hgetall(k(what))).map(([id, v]) => [id, JSON.parse(v) as T]));
  const journal = (e: JournalEvent) => r.rpush(k('journal'), JSON.stringify(e));
  return {
    where: `${t.url} (${k('*')})`,
    done: () => hash<TrialRecord>('done'),
    failures: () => hash<FailureRecord>('failed'),
    running: () => hash<RunningRecord>('running'),
    async start(rec) {
      await r.multi().hset(k('running'), rec.id, JSON.stringify(rec)).rpush(k('journal'), JSON.stringify({ event: 'started', id: rec.id, worker: rec.worker, attempt: rec.attempt, at: rec.started_at })).exec();
    },
    async finish(rec) {
      const first = (await r.hsetnx(k('done'), rec.id, JSON.stringify(rec))) === 1;
      await r.multi().hdel(k('running'), rec.id).hdel(k('failed'), rec.id).exec();
      await journal({ event: first ? 'done' : 'duplicate', id: rec.id, worker: rec.worker, attempt: rec.attempt, at: rec.finished_at });
      return first;
    },
    async fail(rec) {
      await r.multi().hset(k('failed'), rec.id, JSON.stringify(rec)).hdel(k('running'), rec.id).exec();
      await journal({ event: 'failed', id: rec.id, worker: rec.worker, attempt: rec.attempt, at: rec.failed_at });
    },
    async release(id) {
      await r.hdel(k('running'), id);
    },
    async clearFailure(id) {
      await r.hdel(k('failed'), id);
    },
    async log(id, line) {
      await r.rpush(k(`log:${id}`), line);
    },
    logOf: (id) => r.lrange(k(`log:${id}`), 0, -1),
    journal: async () => (await r.lrange(k('journal'), 0, -1)).map((l) => JSON.parse(l) as JournalEvent),
    async close() {
      await r.quit().catch(() => r.disconnect());
    },
  };
}
