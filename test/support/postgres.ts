/**
 * A real PostgreSQL for tests, in a temporary folder: `initdb` (trust authentication, superuser
 * `postgres`), then `postgres` listening on a unix socket in that folder only (no TCP port to
 * collide with other workers), or also on 127.0.0.1 at a free port with `{ tcp: true }`.
 *
 * PostgreSQL refuses to run as root. When the tests run as root (CI does), the folder is handed
 * to the `postgres` user that Debian's package creates (else `nobody`) and initdb and the server
 * are spawned with that uid and gid (Node's spawn drops to them itself: no su, sudo or runuser).
 *
 * Durability is traded for speed (fsync off, no sync in initdb): a crash of the server (`kill()`)
 * still recovers from its WAL, which is what the tests need; a crash of the machine is not tested.
 * The server is killed and its folder removed by `stop()`, and also when the test process exits
 * without calling it (a failed test, an uncaught error).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TestPostgres {
  /** postgres:// URL (the unix socket, or 127.0.0.1 with `tcp`), database `postgres`, user `postgres`. */
  readonly url: string;
  /** The folder holding the data directory, the socket and the server's log. */
  readonly dir: string;
  /** The postmaster's process id while it runs (for kill -STOP and the like). */
  pid(): number | undefined;
  /** Fast shutdown (clients are disconnected), keeping the folder: `start()` brings it back. */
  shutdown(): Promise<void>;
  /** Starts the server again on the same folder, socket and port. */
  start(): Promise<void>;
  /** `shutdown()`, `downMs` of nothing, then `start()`. */
  restart(downMs?: number): Promise<void>;
  /** kill -9 of the postmaster and its backends (a crash); `start()` recovers from the WAL. */
  kill(): Promise<void>;
  /** Kills the server and removes the folder; safe to call twice. */
  stop(): Promise<void>;
  /** The server's log so far (for a failing test's message). */
  log(): string;
}

export interface PostgresOptions {
  /** Also listen on 127.0.0.1 at a free port, and give that in the URL. */
  readonly tcp?: boolean;
}

/** How long the server may take to accept connections after it is started. */
const READY_TIMEOUT_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Starts a PostgreSQL of its own in a temporary folder; see the file's comment. */
export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  const bin = postgresBin();
  const owner = serverOwner();
  removeLeftovers();
  const dir = mkdtempSync(join(baseFolder(owner !== undefined), 'pbx-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const port = options.tcp ? await freePort() : 5432;
  const host = options.tcp ? '127.0.0.1' : dir;
  const url = options.tcp ? `postgres://postgres@127.0.0.1:${port}/postgres` : `postgres://postgres@/postgres?host=${encodeURIComponent(dir)}&port=${port}`;
  let server: ChildProcess | undefined;
  let running = false;
  let exited: Promise<void> = Promise.resolve();
  let removed = false;

  const killNow = (): void => {
    if (running && server?.pid !== undefined) killTree(server.pid, 'SIGKILL');
  };
  const onExit = (): void => {
    killNow();
    if (!removed) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const run = async (args: readonly string[], what: string): Promise<void> => {
    const child = spawn(join(bin, args[0] ?? ''), args.slice(1), { ...asOwner(owner), cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`test postgres: ${what} failed (exit ${code}) in ${dir}:\n${out}`);
  };

  const start = async (): Promise<void> => {
    if (running) return;
    const args = ['-D', data, '-k', dir, '-p', String(port), '-c', `listen_addresses=${options.tcp ? '127.0.0.1' : ''}`,
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=16MB',
      '-c', 'max_connections=40', '-c', 'logging_collector=off', '-c', 'log_min_messages=warning'];
    const fd = openSync(logFile, 'a', 0o644);
    const child = spawn(join(bin, 'postgres'), args, { ...asOwner(owner), cwd: dir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    // Unreferenced: a test process that ends without stop() exits, and its exit hook kills the server.
    child.unref();
    server = child;
    running = true;
    exited = new Promise((resolve) =>
      child.once('exit', () => {
        running = false;
        resolve();
      }),
    );
    await waitReady(bin, host, port, child, () => readLog(logFile));
  };

  const shutdown = async (): Promise<void> => {
    if (!running || server?.pid === undefined) return;
    server.kill('SIGINT');
    await withTimeout(exited, SHUTDOWN_TIMEOUT_MS, `test postgres: no shutdown within ${SHUTDOWN_TIMEOUT_MS} ms (${dir})`);
  };

  const kill = async (): Promise<void> => {
    if (!running || server?.pid === undefined) return;
    const pids = killTree(server.pid, 'SIGKILL');
    await withTimeout(exited, SHUTDOWN_TIMEOUT_MS, `test postgres: still running after kill -9 (${dir})`);
    await waitGone(pids);
  };

  try {
    await run(['initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C', '--no-instructions'], 'initdb');
    await start();
  } catch (e) {
    onExit();
    process.removeListener('exit', onExit);
    throw e;
  }

  return {
    url,
    dir,
    pid: () => (running ? server?.pid : undefined),
    shutdown,
    start,
    restart: async (downMs = 0) => {
      await shutdown();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    kill,
    stop: async () => {
      if (removed) return;
      killNow();
      await withTimeout(exited, SHUTDOWN_TIMEOUT_MS, `test postgres: still running after kill -9 (${dir})`);
      rmSync(dir, { recursive: true, force: true });
      removed = true;
      process.removeListener('exit', onExit);
    },
    log: () => readLog(logFile),
  };
}

/** The folder of Debian's server programs (not on PATH), or the one that `initdb` on PATH is in. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  try {
    const initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    if (initdb) return join(initdb, '..');
  } catch {
    // not on PATH either
  }
  throw new Error('test postgres: no initdb in /usr/lib/postgresql/*/bin or on PATH: run bash scripts/ensure-postgres.sh (Debian: apt-get install postgresql)');
}

/**
 * The OS's temporary folder, unless the server could not use it: a unix socket path is at most 107
 * bytes, and a server running as another user than root must be able to reach the folder (a
 * TMPDIR under /root is not). Then /tmp.
 */
function baseFolder(otherUser: boolean): string {
  const tmp = tmpdir();
  if (join(tmp, 'pbx-pg-XXXXXX', '.s.PGSQL.65535').length > 100) return '/tmp';
  if (!otherUser) return tmp;
  for (let dir = tmp; dir !== '/'; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return '/tmp';
  }
  return tmp;
}

/**
 * Folders of earlier runs whose test process was killed before its exit hook ran (kill -9 of a
 * test worker): their server is dead when its postmaster.pid names no running process, or when
 * there is no postmaster.pid (a server shut down by a signal) and the folder is an hour old.
 */
function removeLeftovers(): void {
  for (const base of new Set([tmpdir(), '/tmp'])) {
    for (const name of existsSync(base) ? readdirSync(base) : []) {
      if (!name.startsWith('pbx-pg-')) continue;
      const pid = Number(readLog(join(base, name, 'data', 'postmaster.pid')).split('\n')[0]);
      const stale = pid > 0 ? !isRunning(pid) : ageMs(join(base, name)) > 3_600_000;
      if (stale) rmSync(join(base, name), { recursive: true, force: true });
    }
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** Who runs the server: nobody else but root has to change user (PostgreSQL will not run as root). */
function serverOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) return { uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('test postgres: running as root and neither the postgres nor the nobody user exists: create one (PostgreSQL refuses to run as root)');
}

function asOwner(owner: Owner | undefined): { uid?: number; gid?: number; env: NodeJS.ProcessEnv } {
  // LC_ALL=C: initdb and the server need no locale of the machine's; HOME of root is not theirs to read.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', ...(owner ? { HOME: '/' } : { HOME: process.env.HOME ?? '/' }) };
  return owner ? { uid: owner.uid, gid: owner.gid, env } : { env };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Polls with pg_isready until the server accepts connections, or fails with its log. */
async function waitReady(bin: string, host: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`test postgres: the server exited (${child.exitCode ?? child.signalCode}) while starting:\n${log()}`);
    try {
      execFileSync(join(bin, 'pg_isready'), ['-q', '-h', host, '-p', String(port), '-U', 'postgres', '-d', 'postgres'], { stdio: 'ignore' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`test postgres: not ready within ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

/** The postmaster and its backends (children): a kill -9 of the postmaster alone leaves them running a moment. */
function killTree(pid: number, signal: NodeJS.Signals): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    // no children, or no pgrep: the backends notice the postmaster's death and exit by themselves
  }
  for (const p of [pid, ...children]) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
  return [pid, ...children];
}

/** After a kill -9, a new postmaster refuses to start while backends of the old one still hold its shared memory. */
async function waitGone(pids: readonly number[]): Promise<void> {
  const until = Date.now() + SHUTDOWN_TIMEOUT_MS;
  while (Date.now() < until && pids.some(isRunning)) await new Promise((r) => setTimeout(r, 20));
}

/** Alive and not a zombie (a zombie holds no memory; in a container nobody may ever reap it). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function withTimeout(p: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port free on 127.0.0.1 right now (the OS picks it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
