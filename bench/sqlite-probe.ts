/**
 * Times every SQLite write of this process (better-sqlite3 Statement.run, shared by all
 * statements, and the BEGIN / COMMIT of the engine's per-turn write groups, Database.exec), for the load run's check of "every call event persisted with no measurable
 * effect": the time the event loop spends in writes, and the writes that stall it (WAL checkpoints).
 */
import Database from 'better-sqlite3';

/** SQLite writes since the last reset. */
export interface SqliteFigures {
  readonly writes: number;
  /** Transactions committed by exec (the engine groups each event-loop turn's writes into one). */
  readonly commits: number;
  /** Time on the event loop in writes and in their BEGIN / COMMIT. */
  readonly write_ms: number;
  /** Writes over 5 ms (an automatic WAL checkpoint runs inside the commit that fills the WAL). */
  readonly stalls: number;
  readonly stall_max_ms: number;
}

const totals = { writes: 0, commits: 0, ms: 0, stalls: 0, max: 0 };
let installed = false;

/** Wraps Statement.run once, for every database this process opens. */
export function installSqliteProbe(): void {
  if (installed) return;
  installed = true;
  const scratch = new Database(':memory:');
  const proto = Object.getPrototypeOf(scratch.prepare('SELECT 1')) as { run: (...args: unknown[]) => unknown };
  const dbProto = Object.getPrototypeOf(scratch) as { exec: (sql: string) => unknown };
  scratch.close();
  const exec = dbProto.exec;
  dbProto.exec = function timedExec(this: unknown, sql: string) {
    if (!/^(BEGIN|COMMIT)/.test(sql)) return exec.call(this, sql);
    const t = performance.now();
    try {
      return exec.call(this, sql);
    } finally {
      const ms = performance.now() - t;
      if (sql.startsWith('COMMIT')) totals.commits++;
      totals.ms += ms;
      if (ms > 5) totals.stalls++;
      totals.max = Math.max(totals.max, ms);
    }
  };
  const run = proto.run;
  proto.run = function timedRun(this: unknown, ...args: unknown[]) {
    const t = performance.now();
    try {
      return run.apply(this, args);
    } finally {
      const ms = performance.now() - t;
      totals.writes++;
      totals.ms += ms;
      if (ms > 5) totals.stalls++;
      totals.max = Math.max(totals.max, ms);
    }
  };
}

/** The figures since the last reset. */
export function sqliteFigures(): SqliteFigures {
  return { writes: totals.writes, commits: totals.commits, write_ms: Math.round(totals.ms), stalls: totals.stalls, stall_max_ms: Math.round(totals.max * 10) / 10 };
}

/** Starts the figures over. */
export function resetSqliteFigures(): void {
  Object.assign(totals, { writes: 0, commits: 0, ms: 0, stalls: 0, max: 0 });
}
