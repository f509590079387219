/**
 * Opening the SQLite database: WAL, foreign keys, a busy timeout, owner-only file permissions
 * (call records are patient data), and the migrations up to the newest version.
 */
import { chmodSync, existsSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

/** The SQLite connection (better-sqlite3): what the SQLite-file tools (checkpointer, file watch, backup) need. */
export type SqliteDb = Database.Database;

/** What a statement's write did: rows changed, and the id of an inserted row (0 when none). */
export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

/** A prepared statement: positional arguments, or one object for `@name` parameters. */
export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Whether it returns rows (a read); writes are grouped per turn (write-groups.ts). */
  readonly reader: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- better-sqlite3's own constraint (its Database must satisfy Db)
type AnyFunction = (...args: any[]) => unknown;
type ArgumentsOf<F extends AnyFunction> = F extends (...args: infer A) => unknown ? A : never;

/** `fn` run as one transaction (nested inside an open one: a savepoint). */
export interface Transaction<F extends AnyFunction> {
  (...args: ArgumentsOf<F>): ReturnType<F>;
  immediate(...args: ArgumentsOf<F>): ReturnType<F>;
}

/**
 * The store's port: the part of better-sqlite3's synchronous Database the stores and the write
 * groups use. SQLite's connection is one; the PostgreSQL adapter (pg-db.ts) is the other.
 */
export interface Db {
  prepare(sql: string): Statement;
  transaction<F extends AnyFunction>(fn: F): Transaction<F>;
  exec(sql: string): unknown;
  /** Settings and facts of the connection; the PostgreSQL adapter has only `user_version`. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): unknown;
  readonly inTransaction: boolean;
  readonly open: boolean;
}

export class StoreError extends Error {
  constructor(
    readonly code: 'store-too-new' | 'store-migration-failed' | 'store-open-failed' | 'store-missing' | 'store-not-sqlite' | 'store-read-only',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Opens (creating if needed) and migrates the database at `path` (`:memory:` for tests). A new file
 * is created only when its folder holds nothing of a database by that name: a missing file next to
 * its -wal, -shm or a rescued copy was lost, and starting afresh would hide that. A database the
 * engine could not write (read-only file or folder), that is not SQLite, or is newer than this
 * code is refused here, in one line naming the file and what to do, before anything else starts.
 */
export function openDb(path: string, migrations: readonly Migration[] = MIGRATIONS): SqliteDb {
  const fresh = path !== ':memory:' && !existsSync(path);
  if (fresh) refuseIfLost(path);
  let db: SqliteDb | undefined;
  try {
    db = new Database(path);
    if (fresh) chmodSync(path, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations, path);
    if (path !== ':memory:') probeWrite(db);
    return db;
  } catch (e) {
    db?.close();
    throw e instanceof StoreError ? e : refusal(path, e);
  }
}

/** A write that changes nothing (the schema version, set to itself): proves the file and its folder take writes. */
function probeWrite(db: SqliteDb): void {
  db.transaction(() => db.pragma(`user_version = ${schemaVersion(db)}`)).immediate();
}

function refusal(path: string, e: unknown): StoreError {
  const code = String((e as { code?: unknown }).code ?? '');
  const why = (e as Error).message;
  if (code === 'SQLITE_NOTADB') return new StoreError('store-not-sqlite', `the database ${path} is not a SQLite database (${why}); give the right file with --db or PBX_ROUTER_DB, or move this one away to start with a new database`);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) {
    return new StoreError('store-read-only', `the database ${path} cannot be written (${why}); give the user pbx-router runs as write access to the file and to its folder ${dirname(path)} (SQLite writes its -wal and -shm files there)`);
  }
  return new StoreError('store-open-failed', `cannot open the database ${path}: ${why}`);
}

function refuseIfLost(path: string): void {
  const name = basename(path);
  let left: string[];
  try {
    left = readdirSync(dirname(path)).filter((f) => f === `${name}-wal` || f === `${name}-shm` || f.startsWith(`${name}.rescued-`));
  } catch {
    return;
  }
  if (left.length === 0) return;
  throw new StoreError('store-missing', `the database ${path} is missing but its folder still has ${left.join(', ')}: the file was deleted or moved; put it back (or move a ${name}.rescued-* copy to ${path}), or move those files away to start with a new, empty database`);
}

/** The schema version the database is at (PostgreSQL: its schema_version table). */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: SqliteDb, migrations: readonly Migration[], path: string): void {
  const current = schemaVersion(db);
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new StoreError('store-too-new', `the database ${path} is at schema version ${current}, newer than this pbx-router knows (${newest}); upgrade pbx-router or restore a backup`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (e) {
      throw new StoreError('store-migration-failed', `migration ${m.version} (${m.name}) failed on ${path}: ${(e as Error).message}`);
    }
  }
}
