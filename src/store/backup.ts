/**
 * Online backup of the SQLite database while the engine runs. Copying the file is not a backup in
 * WAL mode (recent writes live in the -wal file until a checkpoint); SQLite's backup API copies
 * a consistent snapshot, page by page, without stopping writers.
 */
import { closeSync, existsSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { schemaVersion } from './db.js';

export interface BackupResult {
  readonly file: string;
  readonly pages: number;
  readonly schemaVersion: number;
  /** `ok`, or what PRAGMA integrity_check said about the copy. */
  readonly integrity: string;
}

export class BackupError extends Error {
  constructor(
    readonly code: 'backup-no-database' | 'backup-exists' | 'backup-failed',
    message: string,
  ) {
    super(message);
  }
}

/** Copies `database` into a new file `target` (owner-only, 0600: call records are patient data); never overwrites. */
export async function backupDatabase(database: string, target: string): Promise<BackupResult> {
  if (!existsSync(database)) throw new BackupError('backup-no-database', `no database at ${database} (give --db or set PBX_ROUTER_DB)`);
  if (existsSync(target)) throw new BackupError('backup-exists', `${target} already exists; choose a new file name (a backup never overwrites)`);
  // Written beside the target under a temporary name, then renamed: a half-written backup never has the final name.
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  // An empty file is a valid empty database: creating it first gives the copy its mode from the start.
  try {
    closeSync(openSync(tmp, 'wx', 0o600));
  } catch (e) {
    throw new BackupError('backup-failed', `cannot create ${tmp} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): does the folder ${dirname(target)} exist and can this user write to it?`);
  }
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
