/**
 * Store benchmark: CPU and wall time of the writes one call makes, on SQLite and on PostgreSQL,
 * side by side. Each call writes what the engine writes for a caller who goes through a menu,
 * waits in a queue and is answered (createCall, addEvent ×5, addDecision, enterQueue,
 * recordPosition ×2, leaveQueue, updateCall, endCall: 13 writes), spread over five event-loop
 * turns and grouped per turn as `run` groups them (write-groups.ts), with the reads the engine
 * makes between them (the call row, the waiting list).
 *
 * SQLite is a real file opened as `run` opens it (WAL, checkpoints in a worker thread).
 * PostgreSQL is a server of its own started as the tests start theirs (test/support/postgres.ts:
 * a unix socket, fsync off), reached through the synchronous bridge (pg-sync.ts). The CPU
 * figures are this process's (every thread: the bridge's worker included); the server's own CPU
 * (its backends) is given apart. Calls go one after another; the figures follow 30 calls of warm-up.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startPostgres, type TestPostgres } from '../test/support/postgres.js';
import { CallStore } from '../src/store/call-store.js';
import { startCheckpointer } from '../src/store/checkpointer.js';
import { openDb, type Db } from '../src/store/db.js';
import { openStore } from '../src/store/open-store.js';
import { groupWrites } from '../src/store/write-groups.js';

export type StoreKind = 'sqlite' | 'postgres';

export interface StoreBenchFigures {
  readonly kind: StoreKind;
  readonly calls: number;
  readonly writes_per_call: number;
  readonly turns_per_call: number;
  /** This process's CPU (user + system, every thread) per call. */
  readonly cpu_ms_per_call: number;
  readonly wall_ms_per_call: number;
  readonly wall_us_per_write: number;
  /** The PostgreSQL server's CPU per call (its processes); null for SQLite (it runs in this process). */
  readonly server_cpu_ms_per_call: number | null;
  /** Why it did not run, if it did not (PostgreSQL not installed). */
  readonly error?: string;
}

const WARM_UP = 30;
const WRITES_PER_CALL = 13;
const TURNS_PER_CALL = 5;

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** One call's writes, turn by turn, as the engine makes them. */
async function oneCall(store: CallStore, n: number): Promise<void> {
  const id = `bench-${n}`;
  const t = n * 1000;
  store.createCall({ id, channelId: `ch-${id}`, did: '+15125550100', caller: '+15125550123', site: 'riverside', language: 'en', priority: 0, state: 'routing', arrivedAt: t, configVersion: 'bench' });
  store.addEvent(id, t, 'arrived', { did: '+15125550100' });
  store.addDecision(id, { at: t, configVersion: 'bench', status: 'done', action: 'queue', target: 'scheduling', site: 'riverside', steps: [{ kind: 'menu', menu: 'main' }], trace: [{ rule: 'open', matched: true }] });
  await nextTurn();
  store.call(id);
  store.addEvent(id, t + 1, 'dtmf', { digit: '1' });
  const entry = store.enterQueue(id, 'scheduling', 0, 'en', t + 1);
  store.recordPosition(entry, t + 1, 1, 60);
  await nextTurn();
  store.waiting();
  store.recordPosition(entry, t + 2, 1, 30);
  store.addEvent(id, t + 2, 'position', { position: 1 });
  await nextTurn();
  store.leaveQueue(entry, t + 3, 'answered', 'maria');
  store.updateCall(id, { state: 'connected', answeredAt: t + 3, agent: 'maria' });
  store.addEvent(id, t + 3, 'answered', { agent: 'maria' });
  await nextTurn();
  store.endCall(id, t + 4, 'answered');
  store.addEvent(id, t + 4, 'ended');
  await nextTurn();
}

/** CPU ticks (user + system) of a process and its children, from /proc (Linux); 0 when unreadable. */
export function processTreeTicks(pid: number): number {
  let ticks = 0;
  const pids = [pid];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) pids.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

async function measure(kind: StoreKind, db: Db, calls: number, server: TestPostgres | undefined): Promise<StoreBenchFigures> {
  const writes = groupWrites(db, () => undefined);
  const store = new CallStore(db);
  for (let i = 0; i < WARM_UP; i++) await oneCall(store, i);
  const serverPid = server?.pid();
  const ticks0 = serverPid ? processTreeTicks(serverPid) : 0;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < calls; i++) await oneCall(store, WARM_UP + i);
  const wall = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = serverPid ? ((processTreeTicks(serverPid) - ticks0) * 1000) / 100 : null;
  writes.stop();
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    kind,
    calls,
    writes_per_call: WRITES_PER_CALL,
    turns_per_call: TURNS_PER_CALL,
    cpu_ms_per_call: round((cpu.user + cpu.system) / 1000 / calls),
    wall_ms_per_call: round(wall / calls),
    wall_us_per_write: round((wall * 1000) / calls / WRITES_PER_CALL),
    server_cpu_ms_per_call: serverMs === null ? null : round(serverMs / calls),
  };
}

/** Runs `calls` calls' writes on each store and returns both sets of figures. */
export async function runStoreBench(calls = 500): Promise<StoreBenchFigures[]> {
  const out: StoreBenchFigures[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pbx-bench-store-'));
  try {
    const file = join(dir, 'calls.sqlite');
    const db = openDb(file);
    const checkpoints = startCheckpointer(db, file, () => undefined);
    try {
      out.push(await measure('sqlite', db, calls, undefined));
    } finally {
      await checkpoints.stop();
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let server: TestPostgres | undefined;
  try {
    server = await startPostgres();
    const db = openStore(server.url);
    try {
      out.push(await measure('postgres', db, calls, server));
    } finally {
      db.close();
    }
  } catch (e) {
    out.push({ kind: 'postgres', calls: 0, writes_per_call: WRITES_PER_CALL, turns_per_call: TURNS_PER_CALL, cpu_ms_per_call: 0, wall_ms_per_call: 0, wall_us_per_write: 0, server_cpu_ms_per_call: null, error: (e as Error).message.split('\n')[0] });
  } finally {
    await server?.stop();
  }
  return out;
}

/** The figures as a table, SQLite and PostgreSQL side by side. */
export function formatStore(figures: readonly StoreBenchFigures[]): string {
  const [first] = figures;
  const rows: [string, (f: StoreBenchFigures) => string][] = [
    ['cpu ms / call (this process)', (f) => f.cpu_ms_per_call.toFixed(3)],
    ['server cpu ms / call', (f) => (f.server_cpu_ms_per_call === null ? '-' : f.server_cpu_ms_per_call.toFixed(3))],
    ['wall ms / call', (f) => f.wall_ms_per_call.toFixed(3)],
    ['wall µs / write', (f) => f.wall_us_per_write.toFixed(1)],
  ];
  const cell = (f: StoreBenchFigures, value: (f: StoreBenchFigures) => string) => (f.error ? 'n/a' : value(f)).padStart(12);
  return [
    `store: the writes of one call (${first?.writes_per_call ?? WRITES_PER_CALL} writes in ${first?.turns_per_call ?? TURNS_PER_CALL} turns, grouped per turn), ${first?.calls ?? 0} calls after ${WARM_UP} of warm-up`,
    `  ${''.padEnd(30)}${figures.map((f) => f.kind.padStart(12)).join('')}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(30)}${figures.map((f) => cell(f, value)).join('')}`),
    ...figures.filter((f) => f.error).map((f) => `  ${f.kind}: not run: ${f.error}`),
    '',
  ].join('\n');
}
