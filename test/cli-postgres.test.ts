/** The commands that open the store, given a postgres:// URL in --db: they read and write PostgreSQL, and `backup` runs pg_dump. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallStore } from '../src/store/call-store.js';
import { runCli as cli } from './cli-helpers.js';
import { useStores } from './support/store-adapters.js';

describe('the CLI on a PostgreSQL store', () => {
  const stores = useStores('postgres');

  it('callbacks list and done read and write it; backup dumps it', async () => {
    const url = stores.location();
    const store = new CallStore(stores.reopen(url));
    const id = store.createCallback({ callId: null, list: 'callbacks', number: '+15125550123', reason: 'records-request', site: 'riverside', createdAt: 1, deadline: 900 });
    const list = await cli('callbacks', 'list', '--db', url, '--json', '--tz', 'UTC');
    expect(list.code, list.err).toBe(0);
    expect(JSON.parse(list.out)).toMatchObject([{ id, number: '+15125550123', doneAt: null }]);
    const done = await cli('callbacks', 'done', String(id), '--db', url, '--by', 'maria');
    expect(done.code, done.err).toBe(0);
    expect(store.callbacks(false)[0]).toMatchObject({ id, doneBy: 'maria' });
    const file = join(mkdtempSync(join(tmpdir(), 'pbx-cli-pg-')), 'store.dump');
    const backup = await cli('backup', file, '--db', url);
    expect(backup.code, backup.err).toBe(0);
    expect(backup.out).toMatch(/^backup of postgres:\/\/.* written to .*store\.dump \(pg_dump custom format, restore with pg_restore\): \d+ entries, schema version \d+/);
  });

  it('an unreachable server is refused in one line, without the password', async () => {
    const r = await cli('callbacks', 'list', '--db', 'postgres://router:s3cret@127.0.0.1:1/pbx');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: cannot reach the PostgreSQL database postgres:\/\/router:\*\*\*@127\.0\.0\.1:1\/pbx/);
    expect(r.err).not.toContain('s3cret');
  });
});
