/**
 * The store suites run on both adapters: `describe.each(STORE_ADAPTERS)('%s', (kind) => { const
 * stores = useStores(kind); ... stores.open() ... })`. SQLite is `:memory:` (or a temp file with
 * `openFile`); PostgreSQL is one server per test file (started on the first use, stopped after
 * the last describe that uses it), and a fresh database per `open()`, copied from a template that
 * was migrated once (CREATE DATABASE ... TEMPLATE with FILE_COPY: a few ms, where migrating anew
 * would take a hundred).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openDb, type Db } from '../../src/store/db.js';
import { openPgDb, type PgStoreOptions } from '../../src/store/open-store.js';
import type { PgDb } from '../../src/store/pg-db.js';
import { PgSync } from '../../src/store/pg-sync.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export type StoreAdapter = 'sqlite' | 'postgres';
export const STORE_ADAPTERS: readonly StoreAdapter[] = ['sqlite', 'postgres'];

export interface Stores {
  /** A new, empty store at the newest schema version. */
  open(options?: PgStoreOptions): Db;
  /** A store that another `reopen()` of the same location sees again (SQLite: a temp file; PostgreSQL: the same database). */
  location(): string;
  /** Opens the store at a `location()`. */
  reopen(location: string, options?: PgStoreOptions): Db;
  /** The server (PostgreSQL only). */
  server(): TestPostgres;
}

let shared: { server: TestPostgres; admin: PgSync; users: number; databases: number } | undefined;

/** The test server's URL for database `name`. */
export function databaseUrl(server: TestPostgres, name: string): string {
  // The unix-socket form (postgres://postgres@/postgres?host=...) has no host, which URL refuses.
  return server.url.replace(/\/postgres(\?|$)/, `/${name}$1`);
}

/** Registers the hooks of `kind` in the calling describe; see the file's comment. */
export function useStores(kind: StoreAdapter): Stores {
  const opened: Db[] = [];
  if (kind === 'postgres') {
    beforeAll(async () => {
      if (!shared) {
        const server = await startPostgres();
        const admin = new PgSync(server.url, 15_000);
        admin.request([{ sql: 'CREATE DATABASE pbx_template' }], 'creating the template');
        openPgDb(databaseUrl(server, 'pbx_template'), { timeoutMs: 15_000 }).close();
        shared = { server, admin, users: 0, databases: 0 };
      }
      shared.users++;
    }, 60_000);
    afterAll(async () => {
      if (!shared || --shared.users > 0) return;
      const { server, admin } = shared;
      shared = undefined;
      admin.close();
      await server.stop();
    });
  }
  afterEach(() => {
    for (const db of opened.splice(0)) if (db.open) db.close();
  });
  const server = (): TestPostgres => {
    if (!shared) throw new Error('useStores: the PostgreSQL server is not started (call useStores in a describe, open stores in tests)');
    return shared.server;
  };
  const fresh = (): string => {
    const s = shared ?? (server(), shared!);
    const name = `pbx_test_${++s.databases}`;
    s.admin.request([{ sql: `CREATE DATABASE ${name} TEMPLATE pbx_template STRATEGY FILE_COPY` }], 'creating a test database');
    return databaseUrl(s.server, name);
  };
  const reopen = (location: string, options: PgStoreOptions = {}): Db => {
    const db = kind === 'sqlite' ? openDb(location) : openPgDb(location, { timeoutMs: 15_000, ...options });
    opened.push(db);
    return db;
  };
  return {
    open: (options) => reopen(kind === 'sqlite' ? ':memory:' : fresh(), options),
    location: () => (kind === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'pbx-store-')), 'calls.sqlite') : fresh()),
    reopen,
    server,
  };
}

/** The PgDb of a store opened on PostgreSQL (for tests of what only it has). */
export const asPg = (db: Db): PgDb => db as PgDb;
