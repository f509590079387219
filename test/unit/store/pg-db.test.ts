/** The PostgreSQL store adapter: the synchronous bridge, the dialect, transactions, migrations next to SQLite's, and the lease fence. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FencedOut } from '../../../src/cluster/fence.js';
import { Lease } from '../../../src/cluster/lease.js';
import { backupDatabase } from '../../../src/store/backup.js';
import { CallStore } from '../../../src/store/call-store.js';
import { openDb, schemaVersion, StoreError } from '../../../src/store/db.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { fenceStoreTables, openPgDb, openStore } from '../../../src/store/open-store.js';
import { PgDb, translateSql } from '../../../src/store/pg-db.js';
import { PG_MIGRATIONS } from '../../../src/store/pg-migrations.js';
import { maskUrl, type PgError } from '../../../src/store/pg-sync.js';
import { postgresBin } from '../../support/postgres.js';
import { asPg, databaseUrl, useStores } from '../../support/store-adapters.js';

const call = (id: string) => ({ id, channelId: `ch-${id}`, did: '+15125550100', caller: '+15125550123', site: null, language: 'en', priority: 0, state: 'routing' as const, arrivedAt: 1, configVersion: 'v1' });

/** The postmaster and its backends: stopping only the postmaster leaves open connections served. */
const serverProcesses = (pid: number): number[] => [pid, ...execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)];

describe('translating the stores’ SQLite statements', () => {
  it.each([
    ['SELECT a FROM t WHERE b = ? AND c = ?', 'SELECT a FROM t WHERE b = $1 AND c = $2', []],
    ['UPDATE t SET a = @x, b = @y WHERE id = @x', 'UPDATE t SET a = $1, b = $2 WHERE id = $1', ['x', 'y']],
    ["SELECT channel_id AS channelId, to_number AS \"to\", '?@x' AS n FROM t WHERE a = ?", 'SELECT channel_id AS "channelId", to_number AS "to", \'?@x\' AS n FROM t WHERE a = $1', []],
    ['INSERT INTO call_events (call_id, at) VALUES (?, ?)', 'INSERT INTO call_events (call_id, at) VALUES ($1, $2) RETURNING id', []],
    ['INSERT INTO calls (id) VALUES (?)', 'INSERT INTO calls (id) VALUES ($1)', []],
    ['SELECT id FROM t WHERE (@status IS NULL OR status = @status) LIMIT @limit', 'SELECT id FROM t WHERE ($1::text IS NULL OR status = $2) LIMIT $3', ['status', 'status', 'limit']],
    ['SELECT id FROM t WHERE ? IS NOT NULL AND a = ?', 'SELECT id FROM t WHERE $1::text IS NOT NULL AND a = $2', []],
  ])('%s', (sql, text, names) => {
    expect(translateSql(sql)).toMatchObject({ text, names });
  });

  it('refuses what it does not translate', () => {
    expect(() => translateSql('INSERT OR IGNORE INTO calls (id) VALUES (?)')).toThrow(/ON CONFLICT/);
    expect(() => translateSql('UPDATE t SET a = ? WHERE b = @b')).toThrow(/mixes/);
  });

  it('masks the password of a URL', () => {
    expect(maskUrl('postgres://router:s3cret@db.clinic:5432/pbx')).toBe('postgres://router:***@db.clinic:5432/pbx');
    expect(maskUrl('postgres://router@/pbx?host=/run/pg&password=s3cret')).not.toContain('s3cret');
  });
});

describe('on a real PostgreSQL', () => {
  const stores = useStores('postgres');

  it('the bridge: a query, an error with its SQLSTATE', () => {
    const db = asPg(stores.open());
    expect(db.prepare('SELECT 1 + ? AS two, 9007199254740991::bigint AS big, 1.5::numeric AS half').get(1)).toEqual({ two: 2, big: 9007199254740991, half: 1.5 });
    let err: PgError | undefined;
    try {
      db.prepare('SELECT nope FROM calls').all();
    } catch (e) {
      err = e as PgError;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: '42703', message: expect.stringMatching(/column "nope" does not exist/) });
  });

  it('a server that does not answer: a timeout naming the server and the work, then the next statement works once it is back', () => {
    const url = stores.location();
    const db = openPgDb(url, { timeoutMs: 400 });
    try {
      const store = new CallStore(db);
      store.createCall(call('a'));
      const pids = serverProcesses(stores.server().pid()!);
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      const started = Date.now();
      try {
        expect(() => store.call('a')).toThrow(/PostgreSQL at postgres:\/\/.* did not answer within 400 ms while reading/);
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        for (const pid of pids) process.kill(pid, 'SIGCONT');
      }
      expect(store.call('a')?.id).toBe('a');
    } finally {
      db.close();
    }
  });

  it('a restarted server: the next statement connects again', async () => {
    const db = stores.open();
    const store = new CallStore(db);
    store.createCall(call('a'));
    await stores.server().restart();
    let attempts = 0;
    let found: string | undefined;
    // The first statement may meet the closed connection (it fails clearly); the one after connects again.
    for (; attempts < 2 && found === undefined; attempts++) {
      try {
        found = store.call('a')?.id;
      } catch (e) {
        expect((e as PgError).lost).toBe(true);
      }
    }
    expect(found).toBe('a');
  });

  it('run() gives lastInsertRowid of identity tables and changes as the rows touched', () => {
    const db = stores.open();
    const store = new CallStore(db);
    store.createCall(call('a'));
    const first = store.enterQueue('a', 'front', 0, 'en', 1);
    const second = store.enterQueue('a', 'front', 0, 'en', 2);
    expect(second).toBe(first + 1);
    expect(db.prepare('UPDATE queue_entries SET agent = ? WHERE call_id = ?').run('maria', 'a')).toEqual({ changes: 2, lastInsertRowid: 0 });
    expect(store.leaveQueue(first, 3, 'answered')).toBe(true);
    expect(store.leaveQueue(first, 4, 'answered')).toBe(false);
  });

  it('transactions commit, roll back on a throw, and nest as savepoints; inTransaction follows', () => {
    const db = stores.open();
    const store = new CallStore(db);
    expect(db.inTransaction).toBe(false);
    store.transaction(() => {
      expect(db.inTransaction).toBe(true);
      store.createCall(call('a'));
      expect(() =>
        store.transaction(() => {
          store.createCall(call('b'));
          throw new Error('inner');
        }),
      ).toThrow('inner');
      // A failing statement undoes only itself, as in SQLite.
      expect(() => store.createCall(call('a'))).toThrow(/unique constraint/);
      store.createCall(call('c'));
    });
    expect(db.inTransaction).toBe(false);
    expect(() =>
      store.transaction(() => {
        store.createCall(call('d'));
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(db.inTransaction).toBe(false);
    expect(store.openCalls().map((c) => c.id).sort()).toEqual(['a', 'c']);
    db.exec('BEGIN IMMEDIATE');
    expect(db.inTransaction).toBe(true);
    db.exec('ROLLBACK');
    expect(db.inTransaction).toBe(false);
    // A turn as the write groups run it: each write's savepoint is released by the next request, before a nested one opens.
    db.exec('BEGIN IMMEDIATE');
    store.createCall(call('e'));
    store.transaction(() => store.createCall(call('f')));
    store.createCall(call('g'));
    expect(() => store.createCall(call('g'))).toThrow(/unique constraint/);
    store.transaction(() => {
      store.createCall(call('h'));
      store.transaction(() => store.createCall(call('i')));
    });
    store.createCall(call('j'));
    db.exec('COMMIT');
    expect(store.openCalls().map((c) => c.id).sort()).toEqual(['a', 'c', 'e', 'f', 'g', 'h', 'i', 'j']);
    expect(() => db.pragma('journal_mode')).toThrow(/PRAGMA journal_mode is SQLite's/);
  });

  it('refuses a database newer than this code, and an unreachable server, in one clear line without the password', () => {
    const url = stores.location();
    openPgDb(url, { migrations: [...PG_MIGRATIONS, { version: 50, name: 'x', sql: 'CREATE TABLE x (a int)' }] }).close();
    expect(() => openStore(url)).toThrow(StoreError);
    expect(() => openStore(url)).toThrow(/schema version 50, newer than this pbx-router knows \(10\)/);
    const wrong = 'postgres://router:s3cret@127.0.0.1:1/pbx';
    let err: StoreError | undefined;
    try {
      openStore(wrong, { timeoutMs: 2000 });
    } catch (e) {
      err = e as StoreError;
    }
    expect(err).toMatchObject({ code: 'store-open-failed', message: expect.stringMatching(/cannot reach the PostgreSQL database postgres:\/\/router:\*\*\*@127\.0\.0\.1:1\/pbx/) });
    expect(err?.message).not.toContain('s3cret');
  });

  it('both migration lists end at the same version with the same tables and columns', () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    const sqlite = openDb(':memory:');
    const pg = stores.open();
    expect(schemaVersion(pg)).toBe(schemaVersion(sqlite));
    const tables = (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    const sqliteColumns = tables.map((t) => [t, (sqlite.pragma(`table_info(${t})`) as { name: string; type: string }[]).map((c) => `${c.name}:${family(c.type)}`)]);
    const pgRows = pg
      .prepare(`SELECT table_name AS t, column_name AS c, data_type AS ty FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT IN ('schema_version', 'engine_lease') ORDER BY table_name, ordinal_position`)
      .all() as { t: string; c: string; ty: string }[];
    const pgColumns = [...new Set(pgRows.map((r) => r.t))].sort().map((t) => [t, pgRows.filter((r) => r.t === t).map((r) => `${r.c}:${family(r.ty)}`)]);
    expect(pgColumns).toEqual(sqliteColumns);
    sqlite.close();
  });

  it('backup: pg_dump in custom format into a new 0600 file, which pg_restore brings back into an empty database', async () => {
    const url = stores.location();
    const db = stores.reopen(url);
    new CallStore(db).createCall(call('kept'));
    const file = join(mkdtempSync(join(tmpdir(), 'pbx-pgdump-')), 'store.dump');
    const r = await backupDatabase(url, file);
    expect(r).toMatchObject({ file, schemaVersion: PG_MIGRATIONS.at(-1)!.version, integrity: 'ok' });
    expect(r.entries).toBeGreaterThan(20);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await expect(backupDatabase(url, file)).rejects.toThrow(/already exists/);
    const admin = asPg(stores.open());
    admin.exec('CREATE DATABASE pbx_restored');
    const restored = databaseUrl(stores.server(), 'pbx_restored');
    execFileSync(join(postgresBin(), 'pg_restore'), ['--no-owner', `--dbname=${restored}`, file], { stdio: 'pipe' });
    const back = stores.reopen(restored);
    expect(new CallStore(back).call('kept')?.id).toBe('kept');
  });

  it('fenced: a write with a stale epoch is refused with FencedOut and changes nothing; the current epoch writes', async () => {
    const url = stores.location();
    const setup = openPgDb(url) as PgDb;
    fenceStoreTables(setup, 'engine');
    setup.close();
    // The lease is taken with pg itself (src/cluster/lease.ts), as the lease keeper does.
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const lease = new Lease(client, 'engine');
      const first = await lease.acquire('engine-a', 60_000);
      let epoch: number | null = first!.epoch;
      const db = openPgDb(url, { fence: { leaseName: 'engine', epoch: () => epoch } });
      const store = new CallStore(db);
      store.createCall(call('a'));
      store.transaction(() => store.addEvent('a', 2, 'arrived'));
      // Another engine takes over (the lease expired: released here), so epoch first+1 exists.
      await lease.release(first!);
      const second = await lease.acquire('engine-b', 60_000);
      expect(second!.epoch).toBe(first!.epoch + 1);
      expect(() => store.addEvent('a', 3, 'late')).toThrow(FencedOut);
      expect(() => store.transaction(() => store.updateCall('a', { state: 'menu' }))).toThrow(/fenced out of lease "engine".*epoch 1 but the lease is at epoch 2/);
      // The write groups' BEGIN IMMEDIATE runs the check at once: the turn never opens.
      expect(() => db.exec('BEGIN IMMEDIATE')).toThrow(FencedOut);
      expect(db.inTransaction).toBe(false);
      // Reads are not fenced.
      expect(store.events('a').map((e) => e.type)).toEqual(['arrived']);
      // Each event carries the epoch it was written in (migration 10): the term of the engine that wrote it.
      expect((await client.query<{ epoch: number }>(`SELECT epoch::int AS epoch FROM call_events WHERE call_id = 'a'`)).rows).toEqual([{ epoch: first!.epoch }]);
      expect(store.call('a')?.state).toBe('routing');
      // An unfenced connection (a tool, an old engine) is refused by the trigger.
      const unfenced = openPgDb(url);
      expect(() => new CallStore(unfenced).addEvent('a', 4, 'sneaky')).toThrow(FencedOut);
      unfenced.close();
      // The new leader's epoch writes.
      epoch = second!.epoch;
      store.addEvent('a', 5, 'new-leader');
      expect(store.events('a').map((e) => e.type)).toEqual(['arrived', 'new-leader']);
      epoch = null;
      expect(() => store.addEvent('a', 6, 'no-epoch')).toThrow(FencedOut);
      db.close();
    } finally {
      await client.end();
    }
  });
});

/** SQLite's declared type and PostgreSQL's data_type, reduced to what the stores rely on. */
function family(type: string): string {
  const t = type.toLowerCase();
  if (/int/.test(t)) return 'integer';
  if (/real|double|numeric|float/.test(t)) return 'real';
  if (/text|char/.test(t)) return 'text';
  return t;
}
