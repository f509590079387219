/**
 * A synchronous bridge to PostgreSQL. The store's port is synchronous (better-sqlite3's API: the
 * engine's call handling writes and reads in line, within one turn), and `pg` is asynchronous; so
 * a worker thread owns one `pg.Client`, and the calling thread posts each request on a MessagePort
 * and blocks in `Atomics.wait` until the worker bumps a shared counter, then takes the answer with
 * `receiveMessageOnPort`. The event loop of the calling thread does not turn while it waits, which
 * is what a synchronous SQLite call does too.
 *
 * Every request has a time limit (`timeoutMs`, 5 s by default): a server that hangs (a frozen VM,
 * kill -STOP, a network that drops packets) must not freeze the engine forever. On a timeout the
 * worker drops its connection (the open transaction, if any, is lost: the server rolls it back),
 * and the next request connects again; a late answer of the abandoned request is recognised by its
 * id and thrown away.
 *
 * The worker is given as source text (`eval`): it then runs the same under tsx, vitest and the
 * built dist/, without a loader for TypeScript in the worker.
 */
import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** One statement of a request: with `params` it is sent on its own (extended protocol, prepared as `name` when given); without, as a simple query (several statements allowed). */
export interface PgStep {
  readonly sql: string;
  readonly params?: readonly unknown[];
  readonly name?: string;
}

/** What a statement returned. */
export interface PgAnswer {
  readonly rows: Record<string, unknown>[];
  readonly rowCount: number;
  /** The command tag's verb: COMMIT of a transaction that had failed answers ROLLBACK. */
  readonly command: string;
}

/** An error of PostgreSQL (`code`: SQLSTATE) or of the connection (`lost`: the connection is gone, its transaction with it). */
export interface PgError extends Error {
  code?: string;
  detail?: string;
  lost?: boolean;
  /** It failed while connecting (the server is down, unreachable, or refused the login). */
  connecting?: boolean;
  /** What the server or the socket said, without where. */
  reason?: string;
}

/** Default limit of one request: well above a healthy server's slowest store statement, short enough for a caller not to hang up in silence. */
export const PG_REQUEST_TIMEOUT_MS = 5000;

/** The URL with its password masked (for every message and log line). */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@').replace(/password=[^&]*/g, 'password=***');
  }
}

/** The password a PostgreSQL URL carries, if any (for the logger's list of secrets to mask). */
export function urlPassword(url: string): string | undefined {
  const inUserInfo = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(url)?.[1];
  const inQuery = /[?&]password=([^&]*)/.exec(url)?.[1];
  const raw = inUserInfo ?? inQuery;
  return raw ? decodeURIComponent(raw) : undefined;
}

/** Whether a database location is a PostgreSQL URL (else it is a SQLite file). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

interface Answer {
  readonly id: number;
  readonly results?: PgAnswer[];
  readonly error?: { message: string; code?: string; detail?: string; lost?: boolean; connecting?: boolean };
}

// The worker: one client, requests run one after another; `abandon` drops the connection at once.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const { port, counter, url, connectMs } = workerData;
const signal = new Int32Array(counter);
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
let client = null;
let queue = Promise.resolve();
const drop = () => {
  const c = client;
  client = null;
  if (c) { try { c.connection.stream.destroy(); } catch {} c.end().catch(() => {}); }
};
const connect = async () => {
  if (client) return client;
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectMs });
  c.on('error', () => { if (client === c) client = null; });
  c.on('end', () => { if (client === c) client = null; });
  try { await c.connect(); } catch (e) { e.lost = true; e.connecting = true; throw e; }
  client = c;
  return c;
};
const answer = (m) => { port.postMessage(m); Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); };
const run = async (req) => {
  const c = await connect();
  const results = [];
  try {
    for (const s of req.steps) {
      const r = s.params ? await c.query({ text: s.sql, values: s.params, ...(s.name ? { name: s.name } : {}) }) : await c.query(s.sql);
      const last = Array.isArray(r) ? r[r.length - 1] : r;
      results.push({ rows: last ? last.rows : [], rowCount: last ? last.rowCount ?? 0 : 0, command: last ? last.command ?? '' : '' });
    }
  } catch (e) {
    if (client !== c) e.lost = true;
    else if (req.onError) await c.query(req.onError).catch(() => { e.lost = true; drop(); });
    throw e;
  }
  return results;
};
port.on('message', (req) => {
  if (req.op === 'abandon') { drop(); return; }
  if (req.op === 'close') { queue = queue.then(async () => { const c = client; client = null; if (c) await c.end().catch(() => {}); answer({ id: req.id, results: [] }); port.close(); }); return; }
  queue = queue.then(() => run(req).then(
    (results) => answer({ id: req.id, results }),
    (e) => answer({ id: req.id, error: { message: String(e && e.message || e), code: e && e.code, detail: e && e.detail, lost: Boolean(e && e.lost) || client === null, connecting: Boolean(e && e.connecting) } }),
  ));
});
`;

/** A synchronous PostgreSQL connection (see the file's comment). */
export class PgSync {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private nextId = 1;
  private closed = false;
  /** Why the worker is gone, if it is. */
  private stopped: string | undefined;
  /** The URL with its password masked. */
  readonly where: string;

  constructor(
    url: string,
    readonly timeoutMs = PG_REQUEST_TIMEOUT_MS,
  ) {
    this.where = maskUrl(url);
    const counter = new SharedArrayBuffer(4);
    this.signal = new Int32Array(counter);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const pgPath = createRequire(import.meta.url).resolve('pg');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, counter, url, pgPath, connectMs: timeoutMs }, transferList: [port2] });
    // Seen once the waiting thread's loop turns again: later requests fail at once, naming why.
    this.worker.on('error', (e) => (this.stopped ??= e.message));
    this.worker.on('exit', (code) => (this.stopped ??= `it exited (code ${code})`));
    // The worker must not keep a process alive that is done with its database (close() ends it).
    this.worker.unref();
    this.port.unref();
  }

  /** Runs `steps` in order and returns each one's result; on an error runs `onError` (e.g. ROLLBACK TO SAVEPOINT) before answering. `what` names the work in a timeout's message. */
  request(steps: readonly PgStep[], what: string, onError?: string): PgAnswer[] {
    if (this.closed) throw Object.assign(new Error(`the PostgreSQL connection to ${this.where} is closed (${what})`), { lost: true });
    if (this.stopped !== undefined) throw Object.assign(new Error(`the thread that talks to PostgreSQL at ${this.where} stopped: ${this.stopped}; restart pbx-router (${what})`), { lost: true });
    const id = this.nextId++;
    const seen = Atomics.load(this.signal, 0);
    this.port.postMessage({ id, steps, onError });
    const a = this.answerOf(id, seen);
    if (!a) {
      this.port.postMessage({ op: 'abandon' });
      throw Object.assign(
        new Error(`PostgreSQL at ${this.where} did not answer within ${this.timeoutMs} ms while ${what}; the connection was dropped (an open transaction is rolled back by the server) and the next statement connects again`),
        { code: 'pg-timeout', lost: true },
      );
    }
    if (a.error) throw toError(a.error, this.where);
    return a.results ?? [];
  }

  /** Ends the connection (waiting at most the time limit) and the worker. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const id = this.nextId++;
    const seen = Atomics.load(this.signal, 0);
    this.port.postMessage({ op: 'close', id });
    this.answerOf(id, seen);
    void this.worker.terminate();
    this.port.close();
  }

  /** Blocks until the answer to request `id` arrives (undefined: not within the time limit). */
  private answerOf(id: number, seenAtPost: number): Answer | undefined {
    let seen = seenAtPost;
    const until = Date.now() + this.timeoutMs;
    for (;;) {
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const a = m.message as Answer;
        // Another id: the late answer of a request that timed out.
        if (a.id === id) return a;
      }
      const left = until - Date.now();
      if (left <= 0 || Atomics.wait(this.signal, 0, seen, left) === 'timed-out') return undefined;
      seen = Atomics.load(this.signal, 0);
    }
  }
}

function toError(e: NonNullable<Answer['error']>, where: string): PgError {
  const message = e.connecting
    ? `cannot connect to PostgreSQL at ${where}: ${e.message}`
    : e.lost
      ? `PostgreSQL at ${where}: ${e.message} (the connection is gone; the next statement connects again)`
      : e.message;
  return Object.assign(new Error(message), {
    reason: e.message,
    ...(e.code ? { code: e.code } : {}),
    ...(e.detail ? { detail: e.detail } : {}),
    ...(e.lost ? { lost: true } : {}),
    ...(e.connecting ? { connecting: true } : {}),
  });
}
