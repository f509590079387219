/**
 * Notices a database file deleted or replaced under the running engine. SQLite keeps writing to the
 * file it has open (on Linux an unlinked file lives on while open), so calls go on and nothing fails:
 * without this, every record written from then on vanished at the next restart with no line in the
 * log. The watch compares the path's device and inode with the open file's every few seconds; on a
 * mismatch the store is degraded (logged at error) and a copy of the open database is written next
 * to the path (`<path>.rescued-<time>`), so the records can be put back by hand. Nothing is ever
 * created at the path itself while the engine runs.
 */
import { statSync } from 'node:fs';
import type { SqliteDb } from './db.js';
import type { FileProblem, StoreHealth } from './store-health.js';

/** Why 2 s: a deletion is noticed before many calls are written into a file nobody will see again. */
export const FILE_WATCH_MS = 2000;

export interface FileWatch {
  /** Looks at the path now (the timer does it every FILE_WATCH_MS). */
  check(): void;
  stop(): void;
}

export interface FileWatchOptions {
  readonly intervalMs?: number;
  /** Runs after each look (e.g. retrying held writes while the store is degraded). */
  readonly onTick?: () => void;
  readonly now?: () => number;
}

/** Watches `path`, which `db` has open, reporting to `health`. */
export function watchDatabaseFile(db: SqliteDb, path: string, health: StoreHealth, log: (m: string) => void, o: FileWatchOptions = {}): FileWatch {
  if (path === ':memory:') return { check: () => {}, stop: () => {} };
  const open = statSync(path);
  const now = o.now ?? Date.now;
  let rescued = false;

  const rescue = (kind: FileProblem): void => {
    if (rescued) return;
    rescued = true;
    const copy = `${path}.rescued-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
    db.backup(copy).then(
      () => log(`database: the open database (the file ${kind === 'missing' ? 'deleted' : 'replaced'} at ${path}) was copied to ${copy}; stop the engine and move that copy to ${path} to keep its records`),
      (e: Error) => log(`database: copying the open database to ${copy} failed: ${e.message}; its records are lost when the engine stops`),
    );
  };

  const check = (): void => {
    let kind: FileProblem | null = null;
    try {
      const st = statSync(path);
      if (st.ino !== open.ino || st.dev !== open.dev) kind = 'replaced';
    } catch (e) {
      kind = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : null;
    }
    if (kind === null) health.fileBack();
    else {
      const what = kind === 'missing' ? 'was deleted or moved' : 'was replaced by another file';
      health.fileLostAs(kind, `the database file ${path} ${what} while the engine runs; calls go on from memory, but what is written now is not in the file at that path (stop the engine, put the right file at ${path}, start again)`);
      rescue(kind);
    }
    o.onTick?.();
  };

  const timer = setInterval(() => {
    try {
      check();
    } catch (e) {
      log(`database: checking the database file failed: ${(e as Error).message}`);
    }
  }, o.intervalMs ?? FILE_WATCH_MS);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}

/** No file to watch (the store is on PostgreSQL): only the tick that `onTick` needs (retrying held writes while the store is degraded). */
export function tickWithoutFile(onTick: () => void, log: (m: string) => void, intervalMs = FILE_WATCH_MS): FileWatch {
  const check = (): void => {
    try {
      onTick();
    } catch (e) {
      log(`database: retrying held writes failed: ${(e as Error).message}`);
    }
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
