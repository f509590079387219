import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CallStore } from '../../../src/store/call-store.js';
import { openDb } from '../../../src/store/db.js';
import { PgSync } from '../../../src/store/pg-sync.js';
import { groupWrites } from '../../../src/store/write-groups.js';
import { STORE_ADAPTERS, useStores, type StoreAdapter, type Stores } from '../../support/store-adapters.js';

const nextTurn = () => new Promise((r) => setImmediate(r));
const fresh = () => join(mkdtempSync(join(tmpdir(), 'pbx-groups-')), 'calls.sqlite');
const call = (id: string) => ({ id, channelId: `ch-${id}`, did: '+15125550100', caller: '+15125550123', site: null, language: 'en', priority: 0, state: 'routing' as const, arrivedAt: 1, configVersion: 'v1' });
/** What another process sees: a second connection to the same file or database. */
const outside = (path: string, kind: StoreAdapter = 'sqlite') => {
  if (kind === 'postgres') {
    const other = new PgSync(path, 15_000);
    try {
      return other.request([{ sql: 'SELECT id FROM calls ORDER BY id' }], 'reading')[0]!.rows.map((r) => r.id as string);
    } finally {
      other.close();
    }
  }
  const other = new Database(path, { readonly: true });
  try {
    return (other.prepare('SELECT id FROM calls ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  } finally {
    other.close();
  }
};

/** A fresh database (a file, or a PostgreSQL database with `stores`) with grouped writes, the store on it, and what the groups logged. */
function grouped(stores?: Stores) {
  const path = stores ? stores.location() : fresh();
  const db = stores ? stores.reopen(path) : openDb(path);
  const logs: string[] = [];
  const groups = groupWrites(db, (m) => logs.push(m));
  return { path, db, logs, groups, store: new CallStore(db) };
}

describe.each(STORE_ADAPTERS)('one transaction per event-loop turn on %s', (kind) => {
  const stores = useStores(kind);
  const seen = (path: string) => outside(path, kind);

  it('the writes of a turn are committed together once the turn ends; the engine reads its own writes at once', async () => {
    const { path, db, logs, groups, store } = grouped(stores);
    store.createCall(call('a'));
    store.addEvent('a', 1, 'arrived');
    store.updateCall('a', { state: 'menu' });
    expect(store.call('a')?.state).toBe('menu');
    expect(seen(path)).toEqual([]);
    await nextTurn();
    expect(seen(path)).toEqual(['a']);
    expect(groups.figures()).toEqual({ turns: 1, writes: 3, lost: 0 });
    store.createCall(call('b'));
    await nextTurn();
    expect(groups.figures()).toMatchObject({ turns: 2, writes: 4 });
    expect(logs).toEqual([]);
    groups.stop();
    db.close();
  });

  it('a failing write throws to its caller as before and the other writes of the turn are kept', async () => {
    const { path, db, store } = grouped(stores);
    store.createCall(call('a'));
    expect(() => store.createCall(call('a'))).toThrow(/UNIQUE|unique constraint/);
    store.createCall(call('b'));
    await nextTurn();
    expect(seen(path)).toEqual(['a', 'b']);
    db.close();
  });

  it("a store's own transaction nests inside the turn: when it fails only its writes are undone", async () => {
    const { path, db, store } = grouped(stores);
    store.createCall(call('a'));
    expect(() =>
      store.transaction(() => {
        store.createCall(call('b'));
        throw new Error('the email could not be queued');
      }),
    ).toThrow(/email/);
    store.transaction(() => store.createCall(call('c')));
    await nextTurn();
    expect(seen(path)).toEqual(['a', 'c']);
    db.close();
  });

  it('stop commits the open turn; after it every write is committed on its own again', async () => {
    const { path, db, groups, store } = grouped(stores);
    store.createCall(call('a'));
    groups.stop();
    expect(seen(path)).toEqual(['a']);
    store.createCall(call('b'));
    expect(seen(path)).toEqual(['a', 'b']);
    db.close();
  });
});

describe('one SQLite transaction per event-loop turn', () => {
  it('a process that dies of an uncaught error in the middle of a turn still commits that turn', () => {
    const path = fresh();
    const script = join(mkdtempSync(join(tmpdir(), 'pbx-groups-')), 'crash.ts');
    writeFileSync(
      script,
      `import { openDb } from ${JSON.stringify(resolve('src/store/db.ts'))};
import { groupWrites } from ${JSON.stringify(resolve('src/store/write-groups.ts'))};
import { CallStore } from ${JSON.stringify(resolve('src/store/call-store.ts'))};
const db = openDb(${JSON.stringify(path)});
groupWrites(db, () => {});
new CallStore(db).createCall(${JSON.stringify(call('crashed'))});
throw new Error('boom');
`,
    );
    let failed = false;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', script], { stdio: 'pipe' });
    } catch (e) {
      failed = true;
      expect(String((e as { stderr: Buffer }).stderr)).toMatch(/boom/);
    }
    expect(failed).toBe(true);
    expect(outside(path)).toEqual(['crashed']);
  });
});

describe('a disk that fills up in the middle of a turn', () => {
  it('the failing write throws as before, the writes SQLite rolled back with it are logged by count, and the next ones start a new group', async () => {
    const { path, db, logs, groups, store } = grouped();
    store.createCall(call('a'));
    await nextTurn();
    // SQLite's page limit stands in for a full disk: SQLITE_FULL, and SQLite ends the transaction.
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 1}`);
    store.addEvent('a', 2, 'small');
    expect(() => {
      for (let i = 0; i < 50; i++) store.addEvent('a', 3, 'big', { pad: 'x'.repeat(4000) });
    }).toThrow(/full/);
    expect(logs).toEqual([expect.stringMatching(/^database: SQLite rolled back the \d+ write\(s\) before this one in the same turn after: database or disk is full; they are lost$/)]);
    expect(groups.figures().lost).toBeGreaterThanOrEqual(1);
    // Space again: the next write of the same turn opens a new group, committed at the turn's end.
    db.pragma('max_page_count = 1073741823');
    store.createCall(call('b'));
    expect(db.inTransaction).toBe(true);
    await nextTurn();
    expect(outside(path)).toEqual(['a', 'b']);
    expect(logs).toHaveLength(1);
    groups.stop();
    db.close();
  });
});
