/**
 * Load run: the engine as `pbx-router run` builds it, and a bare ari-client app as the baseline,
 * each against a fresh fake Asterisk 22 in another process, at several call rates, then (engine
 * only) 1,000 callers waiting at once in the scheduling queue. See README "Benchmark".
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../test/support/postgres.js';
import type { BatchReport, Placement } from './load-fake-process.js';
import type { AppSettings, EngineCalls } from './load-app-process.js';
import { spawnPeer, type Peer } from './load-ipc.js';
import type { ProcessFigures, Summary } from './load-stats.js';
import { MAIN } from '../test/support/numbers.js';
import { processTreeTicks, type StoreKind } from './store.js';

/** What the load run does (defaults: the figures in README). */
export interface LoadOptions {
  /**
   * Call rates, how many seconds of calls at each, and how many runs (bare, engine, bare, engine...:
   * the target rate, 100, gets three, so that one disturbed run on the shared cores does not decide).
   */
  readonly rates: readonly { readonly cps: number; readonly seconds: number; readonly runs?: number }[];
  readonly waiting: number;
  readonly waitingRate: number;
  /** How long the waiting callers are held after the last one arrived (covers the first announcement at 20 s). */
  readonly holdSeconds: number;
  /** Extra node flags for the application process (e.g. `--cpu-prof`). */
  readonly appNodeArgs: readonly string[];
  /** The engine's store: a SQLite file in a temp dir (default), or a fresh database on a PostgreSQL (`database`). */
  readonly store?: StoreKind;
  /** The postgres:// URL of the engine's database when `store` is postgres. */
  readonly database?: string;
}

/** One phase of one application. */
export interface PhaseFigures {
  readonly placement: Placement;
  readonly fake: BatchReport;
  readonly app: ProcessFigures;
  readonly engine: EngineCalls | null;
  /** Calls the app never answered or never sent a command for, or that went to the failsafe. */
  readonly lost: number;
  /** Calls left behind (channels or open calls after the drain), or waiting in silence / in a wrong state. */
  readonly stuck: number;
  /** The machine's 1-minute load average after the phase (the 2 cores are shared with other processes). */
  readonly load_average: number;
  /** CPU of the PostgreSQL server (postmaster and backends, from /proc) during the phase; null on SQLite and for the bare app. */
  readonly server_cpu_ms: number | null;
}

/** The whole load run. */
export interface LoadFigures {
  readonly store: StoreKind;
  readonly options: LoadOptions;
  readonly bare: Record<string, PhaseFigures>;
  readonly engine: Record<string, PhaseFigures>;
  readonly waiting: PhaseFigures | null;
  /** Rates run more than once: first-command latency of all their runs together, per application. */
  readonly pooled: Record<string, { readonly runs: number; readonly bare: Summary; readonly engine: Summary }>;
  /** RSS of each application process once connected, before any call (tsx and ari-client's API description included). */
  readonly idle_rss_mb: { readonly bare: number; readonly engine: number };
  /** The machine's load average at the end (1, 5, 15 min): other processes share the 2 cores. */
  readonly load_average: readonly number[];
  readonly seconds: number;
}

export const DEFAULT_LOAD: LoadOptions = { rates: [{ cps: 10, seconds: 6 }, { cps: 50, seconds: 6 }, { cps: 100, seconds: 10, runs: 3 }, { cps: 200, seconds: 6 }], waiting: 1000, waitingRate: 100, holdSeconds: 25, appNodeArgs: [] };

/** `--quick`: a short check (10 and 50 cps for 4 s each, 200 waiting callers), about a minute and a half per store. */
export const QUICK_LOAD: LoadOptions = { rates: [{ cps: 10, seconds: 4 }, { cps: 50, seconds: 4 }], waiting: 200, waitingRate: 100, holdSeconds: 25, appNodeArgs: [] };

/** The figures' key of run `i` (0-based) at a rate: `100cps`, then `100cps#2`, `100cps#3`. */
export const runKey = (cps: number, i: number): string => (i === 0 ? `${cps}cps` : `${cps}cps#${i + 1}`);

const CONFIG = 'config/example-clinic.yaml';
/** The caller presses 1 during the menu prompt (welcome 1 s, then the menu) and hangs up 5 s after the answer. */
const CALLER = { digitAt: 1600, hangupAfter: 5000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(100);
  }
  process.stderr.write(`load: gave up waiting for ${what} after ${ms / 1000} s\n`);
  return false;
}

async function phase(fake: Peer, app: Peer, kind: string, batch: string, count: number, rate: number, hold: boolean, holdSeconds: number, serverPid?: number): Promise<PhaseFigures> {
  await app.call('monitorStart');
  // The server's CPU is counted only while the engine runs a phase (the bare app has no store).
  const server = serverPid !== undefined && kind === 'engine' ? serverPid : undefined;
  const ticks0 = server !== undefined ? processTreeTicks(server) : 0;
  const serverCpu = () => (server !== undefined ? ((processTreeTicks(server) - ticks0) * 1000) / 100 : null);
  const placement = await fake.call<Placement>('place', { batch, count, rate, did: MAIN, digitAt: CALLER.digitAt, hangupAfter: hold ? null : CALLER.hangupAfter });
  const engineCalls = () => (kind === 'engine' ? app.call<EngineCalls>('calls') : Promise.resolve(null));
  if (hold) {
    await sleep(holdSeconds * 1000);
    const fakeReport = await fake.call<BatchReport>('report', { batch });
    const engine = await engineCalls();
    const figures = await app.call<ProcessFigures>('figures');
    const server_cpu_ms = serverCpu();
    const audible = (fakeReport.hearing.moh ?? 0) + (fakeReport.hearing.playback ?? 0);
    const stuck = count - audible + Math.abs(count - (engine?.open.queued ?? 0));
    await fake.call('hangupAll', { batch });
    await until('the waiting callers to hang up', async () => (await fake.call<number>('channels')) === 0 && Object.keys((await engineCalls())?.open ?? {}).length === 0, 30_000);
    return { placement, fake: fakeReport, app: figures, engine, lost: lostOf(fakeReport), stuck, load_average: load1(), server_cpu_ms };
  }
  await until(`the ${batch} calls to end`, async () => (await fake.call<number>('channels')) === 0 && Object.keys((await engineCalls())?.open ?? {}).length === 0, 30_000);
  const figures = await app.call<ProcessFigures>('figures');
  const server_cpu_ms = serverCpu();
  const fakeReport = await fake.call<BatchReport>('report', { batch });
  const engine = await engineCalls();
  const left = Object.values(engine?.open ?? {}).reduce((a, b) => a + b, 0);
  return { placement, fake: fakeReport, app: figures, engine, lost: lostOf(fakeReport), stuck: fakeReport.alive + left + (fakeReport.hearing.silence ?? 0), load_average: load1(), server_cpu_ms };
}

const load1 = () => Math.round(loadavg()[0]! * 10) / 10;

function lostOf(r: BatchReport): number {
  return Math.max(r.calls - r.answered, r.without_command) + r.failsafe;
}

interface Running {
  readonly kind: 'engine' | 'bare';
  readonly fake: Peer;
  readonly app: Peer;
  readonly idle: number;
}

async function startApp(kind: 'engine' | 'bare', o: LoadOptions): Promise<Running> {
  const fake = spawnPeer('./load-fake-process.ts');
  const app = spawnPeer('./load-app-process.ts', kind === 'engine' ? o.appNodeArgs : []);
  const conn = await fake.call<{ url: string; user: string; password: string; offsetMs: number }>('start', { at: '2026-11-23T10:00', config: CONFIG, promptMs: 1000 });
  await app.call('start', { kind, ...conn, config: CONFIG, bareHoldMs: CALLER.hangupAfter - 1000, ...(kind === 'engine' && o.database ? { database: o.database } : {}) } satisfies AppSettings);
  await until(`the ${kind} app to connect`, () => fake.call<boolean>('connected', { app: 'pbx-router' }), 10_000);
  return { kind, fake, app, idle: (await app.call<ProcessFigures>('figures')).peak_rss_mb };
}

async function stopApp(r: Running): Promise<void> {
  await r.app.call('stop').catch(() => undefined);
  await r.fake.call('stop').catch(() => undefined);
  await r.app.close();
  await r.fake.close();
}

/** Runs the bare baseline, then the engine, each against a fresh fake Asterisk; `serverPid` is the PostgreSQL server's, whose CPU is then measured. */
export async function runLoadBench(o: LoadOptions = DEFAULT_LOAD, serverPid?: () => number | undefined): Promise<LoadFigures> {
  const t0 = Date.now();
  // Both stay up; at each rate the bare app runs, then the engine, so that both see the machine alike.
  const apps = [await startApp('bare', o), await startApp('engine', o)];
  const figures = { bare: {} as Record<string, PhaseFigures>, engine: {} as Record<string, PhaseFigures> };
  const pooled: LoadFigures['pooled'] = {};
  let waiting: PhaseFigures | null = null;
  try {
    for (const { cps, seconds, runs = 1 } of o.rates) {
      for (let i = 0; i < runs; i++) {
        for (const r of apps) {
          const t = Date.now();
          figures[r.kind][runKey(cps, i)] = await phase(r.fake, r.app, r.kind, `${r.kind}-${cps}-${i + 1}`, Math.round(cps * seconds), cps, false, 0, serverPid?.());
          process.stderr.write(`load: ${r.kind} ${cps} cps${runs > 1 ? ` run ${i + 1}/${runs}` : ''} done (${(Date.now() - t) / 1000} s, load average ${load1()})\n`);
        }
      }
      if (runs > 1) {
        const all = (kind: string) => Array.from({ length: runs }, (_, i) => `${kind}-${cps}-${i + 1}`);
        pooled[`${cps}cps`] = { runs, bare: await apps[0]!.fake.call<Summary>('pooled', { batches: all('bare') }), engine: await apps[1]!.fake.call<Summary>('pooled', { batches: all('engine') }) };
      }
    }
    if (o.waiting > 0) waiting = await phase(apps[1]!.fake, apps[1]!.app, 'engine', 'waiting', o.waiting, o.waitingRate, true, o.holdSeconds, serverPid?.());
  } finally {
    for (const r of apps) await stopApp(r);
  }
  return { store: o.store ?? 'sqlite', options: o, ...figures, waiting, pooled, idle_rss_mb: { bare: apps[0]!.idle, engine: apps[1]!.idle }, load_average: loadavg().map((x) => Math.round(x * 10) / 10), seconds: Math.round((Date.now() - t0) / 100) / 10 };
}

/**
 * The load run once per store, in the order given. For PostgreSQL one server is started as the
 * tests start theirs (test/support/postgres.ts: unix socket, fsync off), and the engine gets a
 * database created for the run (`CREATE DATABASE`), so that it starts on an empty, freshly migrated store.
 */
export async function runLoadStores(stores: readonly StoreKind[], o: LoadOptions = DEFAULT_LOAD): Promise<LoadFigures[]> {
  const out: LoadFigures[] = [];
  let server: TestPostgres | undefined;
  try {
    for (const [i, store] of stores.entries()) {
      if (store === 'sqlite') {
        out.push(await runLoadBench({ ...o, store }));
        continue;
      }
      server ??= await startPostgres();
      const name = `pbx_load_${i + 1}`;
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const running = server;
      out.push(await runLoadBench({ ...o, store, database: server.url.replace('/postgres?', `/${name}?`) }, () => running.pid()));
    }
  } finally {
    await server?.stop();
  }
  return out;
}
