import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.js';
import { CallStore } from '../src/store/call-store.js';
import { openDb, schemaVersion } from '../src/store/db.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) };
  return { code: await main(['node', 'pbx-router', ...args], io), out, err };
}

describe('pbx-router backup', () => {
  it('copies a database that is open and being written (WAL, nothing checkpointed) into a 0600 file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-backup-'));
    const db = join(dir, 'pbx-router.sqlite');
    const live = openDb(db);
    const store = new CallStore(live);
    live.pragma('wal_autocheckpoint = 0');
    const id = store.addOncallOverride('on-call-nurse', 'dr-chen', 1, 2, 3);
    // The row is only in the -wal file: a plain file copy of the .sqlite would miss it.
    expect(statSync(`${db}-wal`).size).toBeGreaterThan(0);
    const target = join(dir, 'backup.sqlite');
    const r = await cli('backup', target, '--db', db);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/backup of .* written to .*backup\.sqlite: \d+ page\(s\), schema version \d+, integrity ok/);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    const copy = openDb(target);
    expect(copy.prepare('SELECT id FROM oncall_overrides').all()).toEqual([{ id }]);
    expect(schemaVersion(copy)).toBe(schemaVersion(live));
    copy.close();
    live.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('never overwrites an existing file, and names a missing database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-backup-'));
    const db = join(dir, 'pbx-router.sqlite');
    openDb(db).close();
    const target = join(dir, 'exists.sqlite');
    writeFileSync(target, 'keep me');
    const r = await cli('backup', target, '--db', db);
    expect(r.code).toBe(1);
    expect(r.err).toContain('already exists');
    const missing = await cli('backup', join(dir, 'b.sqlite'), '--db', join(dir, 'nope.sqlite'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`no database at ${join(dir, 'nope.sqlite')}`);
    expect(existsSync(join(dir, 'b.sqlite'))).toBe(false);
    const noFolder = await cli('backup', join(dir, 'missing', 'b.sqlite'), '--db', db);
    expect(noFolder.code).toBe(1);
    expect(noFolder.err).toContain(`does the folder ${join(dir, 'missing')} exist`);
  });

  it('a backup restores: the engine opens the copy as its database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-backup-'));
    const db = join(dir, 'pbx-router.sqlite');
    const live = openDb(db);
    new CallStore(live).addOncallOverride('on-call-nurse', 'dr-okafor', 10, 20, 30);
    live.close();
    const target = join(dir, 'restore-me.sqlite');
    expect((await cli('backup', target, '--db', db)).code).toBe(0);
    const restored = new CallStore(openDb(target));
    expect(restored.oncallOverrides(0)['on-call-nurse']).toHaveLength(1);
  });
});
