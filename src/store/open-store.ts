/**
 * Opening the store at a location: a `postgres://` or `postgresql://` URL opens PostgreSQL (PgDb),
 * anything else is a SQLite file (openDb). Either way the schema is migrated to the newest version
 * first, and a store that cannot be used (unreachable, newer than this code) is refused here, in
 * one line naming it (password masked) and what to do.
 */
import { existsSync } from 'node:fs';
import { LEASE_MIGRATION_SQL } from '../cluster/lease.js';
import { openDb, StoreError, type Db } from './db.js';
import type { Migration } from './migrations.js';
import { fenceStoreTablesSql, PgDb, type StoreFence } from './pg-db.js';
import { PG_MIGRATIONS } from './pg-migrations.js';
import { isPostgresUrl, maskUrl, PgSync, PG_REQUEST_TIMEOUT_MS, type PgError } from './pg-sync.js';

export { isPostgresUrl, urlPassword } from './pg-sync.js';

export interface PgStoreOptions {
  /** Writes fenced by the engine lease (clustering); see pg-db.ts. */
  readonly fence?: StoreFence;
  /** Time limit of each request to the server (pg-sync.ts). */
  readonly timeoutMs?: number;
  readonly migrations?: readonly Migration[];
}

/** The store at `location` (a PostgreSQL URL or a SQLite file), migrated; see the file's comment. */
export function openStore(location: string, options: PgStoreOptions = {}): Db {
  return isPostgresUrl(location) ? openPgDb(location, options) : openDb(location);
}

/** Opens and migrates the PostgreSQL store at `url`, with the lease table and its functions (the fence needs them). */
export function openPgDb(url: string, options: PgStoreOptions = {}): PgDb {
  const where = maskUrl(url);
  const conn = new PgSync(url, options.timeoutMs ?? PG_REQUEST_TIMEOUT_MS);
  try {
    try {
      conn.request([{ sql: 'SELECT 1' }], 'connecting');
    } catch (e) {
      throw new StoreError('store-open-failed', `cannot reach the PostgreSQL database ${where}: ${(e as PgError).reason ?? (e as Error).message}; check that the server runs and the URL in --db or PBX_ROUTER_DB (host, port, user, password, database)`);
    }
    migratePg(conn, options.migrations ?? PG_MIGRATIONS, where);
    return new PgDb(conn, options.fence);
  } catch (e) {
    conn.close();
    throw e;
  }
}

/**
 * Each migration in a transaction of its own that holds an advisory lock, so two engines starting
 * together migrate once; the version reached is the one row of `schema_version`.
 */
function migratePg(conn: PgSync, migrations: readonly Migration[], where: string): void {
  const newest = migrations.at(-1)?.version ?? 0;
  const lock = `SELECT pg_advisory_xact_lock(hashtext('pbx-router store migration'))`;
  try {
    conn.request(
      [{ sql: `BEGIN; ${lock}; CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL); INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version); ${LEASE_MIGRATION_SQL}; COMMIT` }],
      'creating the schema version and lease tables',
      'ROLLBACK',
    );
  } catch (e) {
    throw new StoreError('store-migration-failed', `preparing the PostgreSQL database ${where} failed: ${(e as Error).message}`);
  }
  for (;;) {
    const [, r] = conn.request([{ sql: `BEGIN; ${lock}` }, { sql: 'SELECT version FROM schema_version' }], 'reading the schema version', 'ROLLBACK');
    const current = Number(r?.rows[0]?.version ?? 0);
    if (current > newest) {
      conn.request([{ sql: 'ROLLBACK' }], 'rolling back');
      throw new StoreError('store-too-new', `the database ${where} is at schema version ${current}, newer than this pbx-router knows (${newest}); upgrade pbx-router or restore a backup`);
    }
    const next = migrations.find((m) => m.version > current);
    if (!next) {
      conn.request([{ sql: 'COMMIT' }], 'reading the schema version');
      return;
    }
    try {
      conn.request([{ sql: next.sql }, { sql: `UPDATE schema_version SET version = ${Number(next.version)}` }, { sql: 'COMMIT' }], `migration ${next.version}`, 'ROLLBACK');
    } catch (e) {
      const code = (e as PgError).code ? ` (SQLSTATE ${(e as PgError).code})` : '';
      throw new StoreError('store-migration-failed', `migration ${next.version} (${next.name}) failed on ${where}: ${(e as Error).message}${code}`);
    }
  }
}

/** Puts the fence trigger of `leaseName` on every table of the store: from then on every write must carry the lease's current epoch (open the store with `fence`). Whoever turns clustering on calls this once. */
export function fenceStoreTables(db: PgDb, leaseName = 'engine'): void {
  db.exec(fenceStoreTablesSql(leaseName));
}

/** Whether there is no store at `location`: a SQLite file not created yet (a PostgreSQL URL is tried when opened). */
export function storeMissing(location: string): boolean {
  return !isPostgresUrl(location) && location !== ':memory:' && !existsSync(location);
}

/** The location as messages and logs name it: a PostgreSQL URL with its password masked. */
export function storeName(location: string): string {
  return isPostgresUrl(location) ? maskUrl(location) : location;
}
