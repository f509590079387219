/** Issue 13: `run` refuses an unusable database in one line, before anything else starts. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../src/store/db.js';

const CODE = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'pbx-router', ...process.argv.slice(1)]);";
const ROOT = process.getuid?.() === 0;

/** `pbx-router run --db <db>` as a child process; as root, run as nobody (root writes through any chmod). */
function run(db: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CODE, 'run', '-c', 'config/example-clinic.yaml', '--db', db, '--ari-url', 'http://127.0.0.1:9'], {
    encoding: 'utf8',
    timeout: 60_000,
    ...(ROOT ? { uid: 65534, gid: 65534 } : {}),
    env: { ...process.env, ASTERISK_ARI_PASSWORD: 'ari-password-x', PBX_ROUTER_SECRETS: '', LOG_LEVEL: 'warn', HOME: tmpdir() },
  });
}

describe('an unusable database at start', () => {
  it('read-only file and folder: one line naming the file and what to do, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-ro-'));
    const db = join(dir, 'calls.sqlite');
    openDb(db).close();
    chmodSync(db, 0o444);
    chmodSync(dir, 0o555);
    const r = run(db);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('{'));
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^error: the database ${db} cannot be written \\(.*\\); give the user pbx-router runs as write access to the file and to its folder ${dir}`))]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 70_000);

  it.each([
    ['not a SQLite file', (db: string) => writeFileSync(db, 'this is not a database, just text '.repeat(200)), /^the database .* is not a SQLite database/],
    ['a missing file whose -wal is still there', (db: string) => writeFileSync(`${db}-wal`, ''), /^the database .* is missing but its folder still has calls\.sqlite-wal/],
  ])('%s: refused by openDb with a clear reason', (_what, make, message) => {
    const db = join(mkdtempSync(join(tmpdir(), 'pbx-bad-')), 'calls.sqlite');
    make(db);
    expect(() => openDb(db)).toThrow(message);
  });
});
