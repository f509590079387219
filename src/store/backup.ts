/**
 * Online backup of the database while the engine runs. SQLite: copying the file is not a backup in
 * WAL mode (recent writes live in the -wal file until a checkpoint); SQLite's backup API copies
 * a consistent snapshot, page by page, without stopping writers. PostgreSQL: `pg_dump
 * --format=custom` (one consistent snapshot too), checked by reading its table of contents back
 * with `pg_restore --list`; restore with `pg_restore --dbname=URL FILE`.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { schemaVersion } from './db.js';
import { isPostgresUrl, maskUrl, PgSync, urlPassword } from './pg-sync.js';

const run = promisify(execFile);

export interface BackupResult {
  readonly file: string;
  readonly pages: number;
  readonly schemaVersion: number;
  /** `ok`, or what PRAGMA integrity_check said about the copy. */
  readonly integrity: string;
  /** PostgreSQL: the entries of the dump's table of contents (tables, indexes, data...); pages is 0. */
  readonly entries?: number;
}

export class BackupError extends Error {
  constructor(
    readonly code: 'backup-no-database' | 'backup-exists' | 'backup-failed',
    message: string,
  ) {
    super(message);
  }
}

/** Copies `database` (a SQLite file or a postgres:// URL) into a new file `target` (owner-only, 0600: call records are patient data); never overwrites. */
export async function backupDatabase(database: string, target: string): Promise<BackupResult> {
  if (isPostgresUrl(database)) return backupPostgres(database, target);
  if (!existsSync(database)) throw new BackupError('backup-no-database', `no database at ${database} (give --db or set PBX_ROUTER_DB)`);
  if (existsSync(target)) throw new BackupError('backup-exists', `${target} already exists; choose a new file name (a backup never overwrites)`);
  // An empty file is a valid empty database: creating it first gives the copy its mode from the start.
  const tmp = createTemporary(target);
  const source = new Database(database, { readonly: true, fileMustExist: true });
  try {
    const meta = await source.backup(tmp);
    const copy = new Database(tmp, { readonly: true });
    let integrity: string;
    let version: number;
    try {
      integrity = (copy.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
      version = schemaVersion(copy);
    } finally {
      copy.close();
    }
    if (integrity !== 'ok') throw new BackupError('backup-failed', `the copy of ${database} failed its integrity check: ${integrity}`);
    renameSync(tmp, target);
    return { file: target, pages: meta.totalPages, schemaVersion: version, integrity };
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof BackupError) throw e;
    throw new BackupError('backup-failed', `backup of ${database} failed: ${(e as Error).message}`);
  } finally {
    source.close();
  }
}

/** An empty 0600 file beside the target under a temporary name, renamed at the end: a half-written backup never has the final name. */
function createTemporary(target: string): string {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    closeSync(openSync(tmp, 'wx', 0o600));
  } catch (e) {
    throw new BackupError('backup-failed', `cannot create ${tmp} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): does the folder ${dirname(target)} exist and can this user write to it?`);
  }
  return tmp;
}

/** pg_dump of the PostgreSQL store at `url` into `target` (custom format); the password goes in PGPASSWORD, never on the command line (ps shows it). */
async function backupPostgres(url: string, target: string): Promise<BackupResult> {
  const where = maskUrl(url);
  if (existsSync(target)) throw new BackupError('backup-exists', `${target} already exists; choose a new file name (a backup never overwrites)`);
  const pgDump = postgresProgram('pg_dump');
  const pgRestore = postgresProgram('pg_restore');
  let version: number;
  const conn = new PgSync(url);
  try {
    version = Number(conn.request([{ sql: 'SELECT version FROM schema_version' }], 'reading the schema version')[0]?.rows[0]?.version ?? 0);
  } catch (e) {
    throw new BackupError('backup-no-database', `cannot read the PostgreSQL database ${where}: ${(e as Error).message} (give --db or set PBX_ROUTER_DB)`);
  } finally {
    conn.close();
  }
  const tmp = createTemporary(target);
  const password = urlPassword(url);
  const env = { ...process.env, ...(password !== undefined ? { PGPASSWORD: password } : {}) };
  try {
    await run(pgDump, ['--format=custom', '--no-owner', `--file=${tmp}`, `--dbname=${withoutPassword(url)}`], { env, maxBuffer: 16 * 1024 * 1024 });
    const { stdout } = await run(pgRestore, ['--list', tmp], { env, maxBuffer: 64 * 1024 * 1024 });
    const entries = stdout.split('\n').filter((l) => /^\d+;/.test(l));
    if (!entries.some((l) => / TABLE DATA public calls /.test(l))) throw new Error(`pg_restore --list finds no data of the table calls in the dump`);
    renameSync(tmp, target);
    return { file: target, pages: 0, schemaVersion: version, integrity: 'ok', entries: entries.length };
  } catch (e) {
    rmSync(tmp, { force: true });
    const why = ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').join(' ');
    throw new BackupError('backup-failed', `backup of ${where} failed: ${password ? why.split(password).join('***') : why}`);
  }
}

/** The URL without its password (given to pg_dump in PGPASSWORD instead). */
function withoutPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1@').replace(/([?&])password=[^&]*&?/, '$1').replace(/[?&]$/, '');
}

/** A PostgreSQL client program: on PATH, else the newest in Debian's /usr/lib/postgresql/N/bin. */
function postgresProgram(name: 'pg_dump' | 'pg_restore'): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', name))) return join(root, v, 'bin', name);
  throw new BackupError('backup-failed', `no ${name} on PATH or in /usr/lib/postgresql/*/bin: install PostgreSQL's client programs (Debian: apt-get install postgresql-client)`);
}
