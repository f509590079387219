/**
 * Whether the store can keep what the engine writes. Two things make it degraded: writes that fail
 * (disk full, read-only file, I/O error), which clear by themselves once a write is kept again, and
 * a database file that is gone or replaced under the running engine, which clears only when the
 * same file is back (see db-file-watch.ts). Calls never wait on either: they are routed from memory.
 *
 * The log gets one error line per kind of failure (SQLite's code), then a count at most once a
 * minute and on recovery: a full disk under load fails thousands of writes, and a line per write
 * would drown the log and fill what little disk is left.
 */
import type { Logger } from '../logging/logger.js';

export type StoreState = 'ok' | 'degraded';

export type FileProblem = 'missing' | 'replaced';

export interface StoreHealthReport {
  readonly state: StoreState;
  /** Writes that failed since the engine started. */
  readonly failedWrites: number;
  /** Why the store is degraded (empty when ok). */
  readonly reasons: readonly string[];
}

/** Why once a minute: often enough to see a failure go on, rare enough not to flood a full disk. */
const COUNT_EVERY_MS = 60_000;

export interface StoreHealthOptions {
  /**
   * With writes grouped into one transaction per turn (write-groups.ts), a statement that runs
   * proves nothing (a full disk refuses the COMMIT): only `committed()` clears a write failure.
   */
  readonly confirmByCommit?: boolean;
  readonly now?: () => number;
}

export class StoreHealth {
  private failedTotal = 0;
  /** Failures by kind since the store was last ok. */
  private readonly kinds = new Map<string, number>();
  private failedSinceCount = 0;
  private lastCountAt = 0;
  private writeProblem: string | null = null;
  private fileProblem: { kind: FileProblem; message: string } | null = null;
  private readonly onOk: (() => void)[] = [];
  private readonly now: () => number;

  constructor(
    private readonly log: Logger,
    private readonly o: StoreHealthOptions = {},
  ) {
    this.now = o.now ?? Date.now;
  }

  /** Where the store stands, for /healthz and /metrics. */
  report(): StoreHealthReport {
    const reasons = [...(this.writeProblem ? [this.writeProblem] : []), ...(this.fileProblem ? [this.fileProblem.message] : [])];
    return { state: reasons.length ? 'degraded' : 'ok', failedWrites: this.failedTotal, reasons };
  }

  /** True while a write failure has not been followed by a kept write. */
  writesFailing(): boolean {
    return this.writeProblem !== null;
  }

  /** True while the database file is gone or replaced: what is written now does not survive a restart. */
  fileLost(): boolean {
    return this.fileProblem !== null;
  }

  /** Runs `fn` each time the store becomes ok again (retrying what could not be written). */
  whenOk(fn: () => void): void {
    this.onOk.push(fn);
  }

  /** A write (`what`) failed with `err`; `count` writes were lost with it. */
  failed(what: string, err: unknown, count = 1): void {
    const kind = errorKind(err);
    const message = err instanceof Error ? err.message : String(err);
    this.failedTotal += count;
    this.failedSinceCount += count;
    const seen = this.kinds.get(kind);
    this.kinds.set(kind, (seen ?? 0) + count);
    this.writeProblem = `writes fail: ${message} (${kind})`;
    if (seen === undefined) {
      this.lastCountAt = this.now();
      this.failedSinceCount = 0;
      this.log.error({ kind, write: what, err: message }, `database: a write failed (${what}: ${message}); calls go on from memory, the store is degraded; further ${kind} failures are counted, not logged one by one`);
      return;
    }
    if (this.now() - this.lastCountAt >= COUNT_EVERY_MS) {
      this.log.error({ kind, failed: this.failedSinceCount, total: this.failedTotal }, `database: still failing, ${this.failedSinceCount} more failed write(s) in the last ${Math.round((this.now() - this.lastCountAt) / 1000)} s (${this.failedTotal} since start): ${message}`);
      this.lastCountAt = this.now();
      this.failedSinceCount = 0;
    }
  }

  /** A write ran (ignored when only commits count). */
  wrote(): void {
    if (!this.o.confirmByCommit) this.kept();
  }

  /** A group of writes was committed. */
  committed(): void {
    this.kept();
  }

  /** The database file at the path is not the one the engine has open (logged at error once per kind). */
  fileLostAs(kind: FileProblem, message: string): void {
    if (this.fileProblem?.kind === kind) return;
    this.fileProblem = { kind, message };
    this.log.error({ kind }, `database: ${message}`);
  }

  /** The file at the path is the open one again. */
  fileBack(): void {
    if (!this.fileProblem) return;
    this.fileProblem = null;
    this.log.warn('database: the database file is back at its path; writes are kept again');
    this.maybeOk();
  }

  private kept(): void {
    if (!this.writeProblem) return;
    const kinds = [...this.kinds].map(([k, n]) => `${k}: ${n}`).join(', ');
    this.log.warn({ failed: [...this.kinds.values()].reduce((a, b) => a + b, 0) }, `database: writes are kept again after ${kinds} failed write(s); what failed meanwhile is only in the log`);
    this.writeProblem = null;
    this.kinds.clear();
    this.maybeOk();
  }

  private maybeOk(): void {
    if (this.writeProblem || this.fileProblem) return;
    for (const fn of this.onOk) {
      try {
        fn();
      } catch (e) {
        this.log.error({ err: e }, `database: retrying what could not be written failed: ${(e as Error).message}`);
      }
    }
  }
}

/** SQLite's code (SQLITE_FULL, SQLITE_READONLY...), else the error's name. */
export function errorKind(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
}
