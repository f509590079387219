/**
 * The application under load, in a child process of its own so that its RSS and event-loop lag
 * are its alone: either the engine exactly as `pbx-router run` builds it (startEngine: real
 * SQLite file in a temp dir, or the PostgreSQL database it is given; ari-client over HTTP and
 * WebSocket) or the bare baseline app.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../src/calls/clock.js';
import { startEngine, type RunningEngine } from '../src/main.js';
import { startBareApp, type BareApp } from './bare-app.js';
import { servePeer } from './load-ipc.js';
import { ProcessMonitor } from './load-stats.js';
import { installSqliteProbe, resetSqliteFigures, sqliteFigures, type SqliteFigures } from './sqlite-probe.js';

/** How to start the application. */
export interface AppSettings {
  readonly kind: 'engine' | 'bare';
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** The fake's virtual time minus the wall clock (speed 1). */
  readonly offsetMs: number;
  readonly config: string;
  readonly bareHoldMs: number;
  /** The engine's store when not the default SQLite file in a temp dir: a postgres:// URL. */
  readonly database?: string;
}

/** What the engine's database says about the calls it holds. */
export interface EngineCalls {
  readonly open: Record<string, number>;
  readonly errors: number;
  /** SQLite writes since the phase started (until the drain ends); zeros on PostgreSQL. */
  readonly sqlite: SqliteFigures;
}

const monitor = new ProcessMonitor();
const app = { engine: null as RunningEngine | null, bare: null as BareApp | null, dir: '', logFd: -1 };
const logs: string[] = [];

async function start(s: AppSettings): Promise<void> {
  if (s.kind === 'bare') {
    app.bare = await startBareApp({ url: s.url, user: s.user, password: s.password, app: 'pbx-router', holdMs: s.bareHoldMs });
    return;
  }
  if (!s.database) installSqliteProbe();
  app.dir = mkdtempSync(join(tmpdir(), 'pbx-load-'));
  const clock: Clock = {
    now: () => Date.now() + s.offsetMs,
    after: (ms, fn) => setTimeout(fn, Math.max(0, ms)),
    cancel: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  // The engine logs as it does in production: JSON lines at info (one per step of each call),
  // written synchronously to a file as they would be to stderr; warnings and errors kept to count.
  const logFd = (app.logFd = openSync(join(app.dir, 'engine.log'), 'a'));
  const logDestination = {
    write: (line: string) => {
      writeSync(logFd, line);
      if (logs.length < 20_000 && !line.includes('"level":"info"')) logs.push(line);
    },
  };
  const run = await startEngine({ config: s.config, ariUrl: s.url, ariUser: s.user, ariPassword: s.password, app: 'pbx-router', database: s.database ?? join(app.dir, 'calls.sqlite'), clock, logDestination, env: { ...process.env, LOG_LEVEL: 'info' } });
  // Nobody takes calls: every caller who presses 1 waits in the scheduling queue.
  for (const id of run.engine.currentPlan().agents.keys()) run.engine.pauseAgent(id, true);
  app.engine = run;
}

function engineCalls(): EngineCalls {
  const open: Record<string, number> = {};
  for (const c of app.engine?.store.openCalls() ?? []) open[c.state] = (open[c.state] ?? 0) + 1;
  return { open, errors: logs.filter((l) => /error|fail|not accept/i.test(l)).length, sqlite: sqliteFigures() };
}

servePeer({
  start: (s: AppSettings) => start(s),
  monitorStart: () => {
    resetSqliteFigures();
    monitor.start();
  },
  figures: () => monitor.figures(),
  calls: () => engineCalls(),
  answered: () => app.bare?.answered() ?? null,
  logs: (a: { last: number }) => logs.slice(-a.last),
  stop: async () => {
    monitor.stop();
    app.bare?.stop();
    await app.engine?.stop();
    if (app.logFd >= 0) closeSync(app.logFd);
    app.logFd = -1;
    if (app.dir) rmSync(app.dir, { recursive: true, force: true });
  },
});
