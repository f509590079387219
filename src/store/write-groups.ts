/**
 * The running engine's writes, one SQLite transaction per turn of the event loop. A call event
 * makes several small writes (the call row, its event, the decision with its trace, the queue
 * entry and position); each on its own is a commit that appends its pages to the WAL, so under
 * load the commits were most of the engine's SQLite time. Here the first write of a turn opens a
 * transaction (BEGIN IMMEDIATE, before any read of that turn, so it never has to upgrade a read
 * lock) and `setImmediate` commits it once the turn's I/O callbacks have run: the writes are on
 * disk within the same loop iteration, and reads in between see them as before.
 *
 * Nothing changes for code that runs its own transaction (better-sqlite3 nests it as a savepoint
 * inside the turn's). If SQLite rolls the turn back itself (disk full, I/O error), the writes of
 * that turn are reported as lost, by count, in the log. The turn is committed on `stop` and when
 * the process exits (an uncaught error included); only a hard kill loses the one open turn, which
 * a restarted engine then reconciles like any call it did not know.
 *
 * On PostgreSQL (pg-db.ts) the same: BEGIN IMMEDIATE is a BEGIN (with the lease check when the
 * store is fenced), each write runs in a savepoint of its own so a failed one leaves the turn's
 * other writes as SQLite does, and a connection lost mid-turn counts as the turn rolled back.
 */
import type Database from 'better-sqlite3';
import type { Db } from './db.js';

export interface WriteGroups {
  /** Commits the open turn now, if any; false when that commit failed (the turn's writes are lost). */
  flush(): boolean;
  /** Commits the open turn; later writes are committed one by one again. */
  stop(): void;
  /** Turns committed and writes in them so far (for the benchmark). */
  figures(): { readonly turns: number; readonly writes: number; readonly lost: number };
}

type Statement = ReturnType<Db['prepare']>;

/** Told how each group ended (StoreHealth: a full disk may refuse only the COMMIT). */
export interface GroupOutcomes {
  committed(): void;
  failed(what: string, err: unknown, lost: number): void;
}

/** Groups the writes of every statement prepared on `db` from now on. */
export function groupWrites(db: Db, log: (m: string) => void, outcomes?: GroupOutcomes): WriteGroups {
  let open = false;
  let stopped = false;
  let pending = 0;
  const totals = { turns: 0, writes: 0, lost: 0 };

  const flush = (): boolean => {
    if (!open) return true;
    open = false;
    const n = pending;
    pending = 0;
    if (!db.open) return false;
    if (!db.inTransaction) {
      // SQLite ended the transaction itself after a failed write (SQLITE_FULL, SQLITE_IOERR...).
      totals.lost += n;
      if (outcomes) outcomes.failed('group', new Error('SQLite rolled the group back after a failed write'), n);
      else log(`database: SQLite rolled back a group of ${n} write(s) after a failed write; they are lost (see the error logged before this)`);
      return false;
    }
    try {
      db.exec('COMMIT');
      totals.turns++;
      totals.writes += n;
      outcomes?.committed();
      return true;
    } catch (e) {
      totals.lost += n;
      // With outcomes, StoreHealth logs once per kind of failure: a full disk fails every turn.
      if (outcomes) outcomes.failed('commit', e, n);
      else log(`database: committing ${n} write(s) failed: ${(e as Error).message}; they are lost`);
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } catch {
        // Nothing more to do: the connection reports its own state on the next write.
      }
      return false;
    }
  };

  const rolledBack = (why: string, err: unknown): void => {
    totals.lost += pending;
    if (outcomes) {
      if (pending > 0) outcomes.failed('earlier writes of the turn', err, pending);
    } else log(`database: SQLite rolled back the ${pending} write(s) before this one in the same turn after: ${why}; they are lost`);
    open = false;
    pending = 0;
  };

  const begin = (): void => {
    if (stopped || open || db.inTransaction) return;
    db.exec('BEGIN IMMEDIATE');
    open = true;
    setImmediate(flush);
  };

  const prepare = db.prepare.bind(db) as (sql: string) => Statement;
  const grouped = (sql: string): Statement => {
    const st = prepare(sql);
    if (!st.reader) {
      const run = st.run.bind(st) as (...args: unknown[]) => Database.RunResult;
      st.run = ((...args: unknown[]) => {
        begin();
        try {
          const r = run(...args);
          if (open) pending++;
          return r;
        } catch (e) {
          // SQLite ends the whole transaction itself on some errors (SQLITE_FULL, SQLITE_IOERR):
          // say so at once, and let the next write start a new group instead of running alone.
          if (open && !db.inTransaction) rolledBack((e as Error).message, e);
          throw e;
        }
      }) as Statement['run'];
    }
    return st;
  };
  db.prepare = grouped as Db['prepare'];
  process.on('exit', flush);

  return {
    flush,
    stop() {
      flush();
      stopped = true;
      process.off('exit', flush);
      if (db.prepare === (grouped as Db['prepare'])) db.prepare = prepare as Db['prepare'];
    },
    figures: () => ({ ...totals }),
  };
}
