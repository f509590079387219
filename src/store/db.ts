/**
 * Opening the SQLite database: WAL, foreign keys, a busy timeout, owner-only file permissions
 * (call records are patient data), and the migrations up to the newest version.
 */
import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export class StoreError extends Error {
  constructor(
    readonly code: 'store-too-new' | 'store-migration-failed' | 'store-open-failed',
    message: string,
  ) {
    super(message);
  }
}

/** Opens (creating if needed) and migrates the database at `path` (`:memory:` for tests). */
export function openDb(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  const fresh = path !== ':memory:' && !existsSync(path);
  let db: Db;
  try {
    db = new Database(path);
  } catch (e) {
    throw new StoreError('store-open-failed', `cannot open the database ${path}: ${(e as Error).message}`);
  }
  if (fresh) chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations, path);
  return db;
}

/** The schema version the database is at. */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, migrations: readonly Migration[], path: string): void {
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
