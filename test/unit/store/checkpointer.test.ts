import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../../src/store/checkpointer.js';
import { openDb } from '../../../src/store/db.js';

const until = async (what: string, check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function fill(db: ReturnType<typeof openDb>) {
  db.exec('CREATE TABLE IF NOT EXISTS blobs (b BLOB)');
  const insert = db.prepare('INSERT INTO blobs VALUES (?)');
  for (let i = 0; i < 200; i++) insert.run(Buffer.alloc(10_000, i));
}

describe('WAL checkpoints from a worker thread', () => {
  it('the engine connection no longer checkpoints; the worker copies the WAL into the database file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pbx-ckpt-')), 'calls.sqlite');
    const db = openDb(path);
    const logs: string[] = [];
    const ck = startCheckpointer(db, path, (m) => logs.push(m), 50);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = statSync(path).size;
    fill(db);
    // 2 MB went into the WAL; only a checkpoint moves it into the database file.
    await until('the database file to receive the pages', () => statSync(path).size >= before + 2_000_000);
    await ck.stop();
    db.close();
    expect(logs).toEqual([]);
  });

  it('without the worker nothing is checkpointed (so the test above shows the worker did it)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pbx-ckpt-')), 'calls.sqlite');
    const db = openDb(path);
    db.pragma('wal_autocheckpoint = 0');
    const before = statSync(path).size;
    fill(db);
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(2_000_000);
    db.close();
  });

  it('a worker that cannot open the database gives the automatic checkpoint back, with a log line', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pbx-ckpt-')), 'calls.sqlite');
    const db = openDb(path);
    const logs: string[] = [];
    const ck = startCheckpointer(db, join(path, 'not-a-folder', 'x.sqlite'), (m) => logs.push(m), 50);
    await until('the fallback', () => logs.length > 0);
    expect(logs[0]).toMatch(/checkpoint worker (failed|exited).*SQLite checkpoints automatically again/);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await ck.stop();
    db.close();
  });
});
