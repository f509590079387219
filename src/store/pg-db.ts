/**
 * The store's port (Db, db.ts) on PostgreSQL, through the synchronous bridge (pg-sync.ts), so the
 * stores and the write groups run unchanged. Statements are written in SQLite's dialect and
 * translated once, when prepared (translateSql).
 *
 * Where PostgreSQL differs from SQLite and the port hides it:
 * - A failed statement inside a transaction leaves SQLite's transaction open and usable; in
 *   PostgreSQL it would abort the whole transaction (every later statement of the turn refused,
 *   the COMMIT turned into a ROLLBACK). So a write inside a transaction runs in a savepoint of its
 *   own and only it is undone, as in SQLite. That costs one more round trip per grouped write.
 * - `lastInsertRowid`: an INSERT into a table whose `id` is an identity column gets `RETURNING id`.
 * - Unquoted identifiers fold to lower case in PostgreSQL: camelCase aliases (`AS callId`) are quoted.
 * - BEGIN IMMEDIATE is SQLite's (take the write lock now); PostgreSQL's row locks make it BEGIN.
 *
 * Fencing (issue 19, src/cluster/fence.ts): with a fence, every write transaction this connection
 * opens (the write groups' BEGIN, transaction(), or a write outside any transaction, which is then
 * wrapped in one) first declares the engine's lease epoch and runs `engine_lease_check` in the same
 * transaction, so a leader that lost its lease has its write refused with FencedOut. The fence
 * trigger on the store's tables (fenceStoreTables) also refuses writes that declared no epoch: it
 * is put there by whoever turns clustering on, never by opening the store.
 */
import { escapeLiteral } from 'pg';
import { asFencedOut, FENCED_IDLE_LIMIT_MS, fenceTableSql } from '../cluster/fence.js';
import type { Db, RunResult, Statement, Transaction } from './db.js';
import type { PgAnswer, PgError, PgStep, PgSync } from './pg-sync.js';

/** The engine's lease this connection's writes are fenced by; `epoch()` null: not the leader (every write is refused). */
export interface StoreFence {
  readonly leaseName: string;
  epoch(): number | null;
}

/** The store's tables whose `id` is an identity column (their INSERTs return it). */
const IDENTITY_TABLES = new Set(['call_events', 'decisions', 'queue_entries', 'agent_states', 'callbacks', 'voicemails', 'outbox', 'oncall_overrides', 'sms_outbox']);

/** Every table of the store (the fence trigger goes on each). */
export const STORE_TABLES = [...IDENTITY_TABLES, 'calls', 'queue_positions', 'settings', 'failsafe_messages', 'sms_opt_outs'] as const;

/** A statement translated to PostgreSQL's dialect. */
export interface PgSql {
  readonly text: string;
  /** `@name` parameters in `$n` order (empty: positional `?`). */
  readonly names: readonly string[];
  readonly reader: boolean;
  /** `RETURNING id` was added: the first row's id is `lastInsertRowid`. */
  readonly returnsId: boolean;
}

/** Translates a statement of the stores from SQLite's dialect (see the file's comment); string literals and quoted names are left alone. */
export function translateSql(sql: string): PgSql {
  const names: string[] = [];
  /** The slot of each named parameter's typed uses. */
  const typed = new Map<string, number>();
  let positional = 0;
  let text = '';
  // Split into quoted parts (kept as they are) and the rest (translated).
  for (const part of sql.split(/('(?:[^']|'')*'|"(?:[^"]|"")*")/)) {
    if (part.startsWith("'") || part.startsWith('"')) {
      text += part;
      continue;
    }
    text += part
      // PostgreSQL cannot type a parameter whose first use is `IS NULL` (42P08): that use gets a slot of
      // its own, cast to text (the value is sent as text, so its NULL-ness is the same).
      .replace(/\?(\s+IS\s+(?:NOT\s+)?NULL\b)?|@([A-Za-z_][A-Za-z0-9_]*)(\s+IS\s+(?:NOT\s+)?NULL\b)?/gi, (_, positionalTest?: string, name?: string, namedTest?: string) => {
        if (name === undefined) return `$${++positional}${positionalTest ? `::text${positionalTest}` : ''}`;
        if (namedTest) return `$${names.push(name)}::text${namedTest}`;
        const at = typed.get(name) ?? names.push(name);
        typed.set(name, at);
        return `$${at}`;
      })
      .replace(/\bAS\s+([a-z][a-z0-9_]*[A-Z][A-Za-z0-9_]*)\b/g, 'AS "$1"')
      .replace(/^\s*BEGIN\s+(IMMEDIATE|DEFERRED|EXCLUSIVE)\b/i, 'BEGIN');
  }
  if (positional > 0 && names.length > 0) throw new Error(`a statement mixes ? and @name parameters, which the PostgreSQL store does not translate: ${sql}`);
  if (/^\s*INSERT\s+OR\s+/i.test(text)) throw new Error(`INSERT OR ... is SQLite's; write INSERT ... ON CONFLICT instead: ${sql}`);
  const table = /^\s*INSERT\s+INTO\s+"?([A-Za-z_][A-Za-z0-9_]*)/i.exec(text)?.[1];
  const returnsId = table !== undefined && IDENTITY_TABLES.has(table) && !/\bRETURNING\b/i.test(text);
  if (returnsId) text = `${text.trimEnd()} RETURNING id`;
  return { text, names, reader: /^\s*(SELECT|WITH|VALUES|SHOW|EXPLAIN)\b/i.test(text), returnsId };
}

/** The SQL that puts the fence trigger of `leaseName` on every table of the store (run once by whoever turns clustering on; idempotent). */
export function fenceStoreTablesSql(leaseName = 'engine'): string {
  return STORE_TABLES.map((t) => fenceTableSql(t, leaseName)).join(';\n');
}

let statements = 0;

class PgStatement implements Statement {
  readonly reader: boolean;
  private readonly name: string;

  constructor(
    private readonly db: PgDb,
    private readonly sql: PgSql,
  ) {
    this.reader = sql.reader;
    // A named statement is parsed and planned once per connection (pg keeps the names per client).
    this.name = `pbx_${++statements}`;
  }

  run(...args: unknown[]): RunResult {
    const r = this.db.statement(this.step(args), this.reader);
    const id = this.sql.returnsId ? r.rows[0]?.id : undefined;
    return { changes: r.rowCount, lastInsertRowid: typeof id === 'number' ? id : 0 };
  }

  get(...args: unknown[]): unknown {
    return this.db.statement(this.step(args), this.reader).rows[0];
  }

  all(...args: unknown[]): unknown[] {
    return this.db.statement(this.step(args), this.reader).rows;
  }

  private step(args: readonly unknown[]): PgStep {
    let params: unknown[];
    if (this.sql.names.length > 0) {
      const o = (args[0] ?? {}) as Record<string, unknown>;
      params = this.sql.names.map((n) => o[n] ?? null);
    } else params = args.map((v) => v ?? null);
    return { sql: this.sql.text, params, name: this.name };
  }
}

/** The store on PostgreSQL (see the file's comment). */
export class PgDb implements Db {
  private depth = 0;
  private tx = false;
  /** The savepoint of the last write in the transaction is still there (released by the next write's request, in the same round trip as the new one). */
  private armed = false;
  private isOpen = true;

  constructor(
    readonly conn: PgSync,
    private readonly fence?: StoreFence,
  ) {}

  get inTransaction(): boolean {
    return this.tx;
  }

  get open(): boolean {
    return this.isOpen;
  }

  /** Where it is (the URL with its password masked). */
  get where(): string {
    return this.conn.where;
  }

  prepare(sql: string): Statement {
    return new PgStatement(this, translateSql(sql));
  }

  /** Runs SQL as given (several statements allowed); BEGIN [IMMEDIATE], COMMIT and ROLLBACK keep `inTransaction` right and open fenced transactions. */
  exec(sql: string): this {
    const verb = sql.trim().replace(/;$/, '').toUpperCase();
    if (/^BEGIN( (IMMEDIATE|DEFERRED|EXCLUSIVE))?( TRANSACTION)?$/.test(verb)) this.begin();
    else if (verb === 'COMMIT' || verb === 'END') this.commit();
    else if (verb === 'ROLLBACK') this.rollback();
    else this.send([{ sql }], 'running SQL');
    return this;
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F> {
    const run = (...args: Parameters<F>): ReturnType<F> => {
      if (!this.tx) {
        this.begin();
        try {
          const result = fn(...args) as ReturnType<F>;
          this.commit();
          return result;
        } catch (e) {
          if (this.tx) this.rollback();
          throw e;
        }
      }
      const savepoint = `pbx_tx_${++this.depth}`;
      try {
        // The last write's savepoint is released first: releasing it later would release this one too.
        const release = this.armed ? 'RELEASE SAVEPOINT pbx_statement; ' : '';
        this.armed = false;
        this.send([{ sql: `${release}SAVEPOINT ${savepoint}` }], 'opening a nested transaction');
        const result = fn(...args) as ReturnType<F>;
        this.send([{ sql: `RELEASE SAVEPOINT ${savepoint}` }], 'ending a nested transaction');
        this.armed = false;
        return result;
      } catch (e) {
        this.armed = false;
        if (this.tx) this.send([{ sql: `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}` }], 'undoing a nested transaction');
        throw e;
      } finally {
        this.depth--;
      }
    };
    return Object.assign(run, { immediate: run, deferred: run, exclusive: run, default: run }) as unknown as Transaction<F>;
  }

  /** Only `user_version` (read, or `user_version = N`): the schema version, kept in the table schema_version. */
  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const set = /^\s*user_version\s*=\s*(\d+)\s*$/i.exec(source);
    if (set) {
      this.send([{ sql: `UPDATE schema_version SET version = ${Number(set[1])}` }], 'setting the schema version');
      return [];
    }
    if (/^\s*user_version\s*$/i.test(source)) {
      const [r] = this.send([{ sql: 'SELECT version FROM schema_version' }], 'reading the schema version');
      const version = Number(r?.rows[0]?.version ?? 0);
      return options.simple ? version : [{ user_version: version }];
    }
    throw new Error(`PRAGMA ${source} is SQLite's; the PostgreSQL store (${this.where}) has no such setting`);
  }

  close(): this {
    if (!this.isOpen) return this;
    if (this.tx) {
      try {
        this.rollback();
      } catch {
        // Closing anyway: the server rolls back what the closed connection left open.
      }
    }
    this.conn.close();
    this.isOpen = false;
    return this;
  }

  /** Runs one prepared statement: a write in a transaction gets its own savepoint, a fenced write outside one gets a transaction (see the file's comment). */
  statement(step: PgStep, reader: boolean): PgAnswer {
    if (reader) return this.one(this.send([step], 'reading'));
    if (this.tx) return this.inSavepoint(step);
    if (!this.fence) return this.one(this.send([step], 'writing'));
    const results = this.send([{ sql: this.beginSql() }, step, { sql: 'COMMIT' }], 'writing (fenced)', 'ROLLBACK');
    if (results[2]?.command === 'ROLLBACK') throw new Error(`PostgreSQL rolled back a write to ${this.where}`);
    return this.one(results, 1);
  }

  /**
   * A write inside a transaction, in a savepoint of its own (see the file's comment). The savepoint
   * is left in place after the write and released by the next write's request (RELEASE; SAVEPOINT
   * in one simple query), so each write costs two round trips to the server, not three.
   */
  private inSavepoint(step: PgStep): PgAnswer {
    const open = this.armed ? 'RELEASE SAVEPOINT pbx_statement; SAVEPOINT pbx_statement' : 'SAVEPOINT pbx_statement';
    this.armed = false;
    let results: PgAnswer[];
    try {
      results = this.send([{ sql: open }, step], 'writing', 'ROLLBACK TO SAVEPOINT pbx_statement');
    } catch (e) {
      // ROLLBACK TO keeps the savepoint; a lost connection took the transaction with it.
      this.armed = this.tx;
      throw e;
    }
    this.armed = true;
    return this.one(results, 1);
  }

  private one(results: readonly PgAnswer[], at = 0): PgAnswer {
    const r = results[at];
    if (!r) throw new Error(`PostgreSQL at ${this.where} gave no result`);
    return r;
  }

  private begin(): void {
    if (this.tx) throw new Error(`a transaction is already open on ${this.where} (nest with transaction(), not BEGIN)`);
    this.send([{ sql: this.beginSql() }], this.fence ? 'opening a fenced transaction' : 'opening a transaction', 'ROLLBACK');
    this.tx = true;
    this.armed = false;
  }

  private commit(): void {
    if (!this.tx) throw new Error(`no transaction is open on ${this.where} to commit`);
    // A COMMIT ends the transaction whatever it answers (a failed one answers ROLLBACK).
    this.tx = false;
    this.depth = 0;
    this.armed = false;
    const [r] = this.send([{ sql: 'COMMIT' }], 'committing');
    if (r?.command === 'ROLLBACK') throw new Error(`PostgreSQL at ${this.where} rolled the transaction back instead of committing it (a statement in it had failed)`);
  }

  private rollback(): void {
    this.tx = false;
    this.depth = 0;
    this.armed = false;
    this.send([{ sql: 'ROLLBACK' }], 'rolling back');
  }

  /** BEGIN, and with a fence the lease check in the same transaction (one round trip: a simple query of several statements). */
  private beginSql(): string {
    if (!this.fence) return 'BEGIN';
    const epoch = this.fence.epoch();
    const declared = epoch === null ? "''" : escapeLiteral(String(epoch));
    return `BEGIN; SELECT set_config('pbx_router.lease_epoch', ${declared}, true), set_config('idle_in_transaction_session_timeout', '${FENCED_IDLE_LIMIT_MS}', true), engine_lease_check(${escapeLiteral(this.fence.leaseName)}, ${epoch === null ? 'NULL' : Math.trunc(epoch)})`;
  }

  private send(steps: readonly PgStep[], what: string, onError?: string): PgAnswer[] {
    try {
      return this.conn.request(steps, what, onError);
    } catch (e) {
      // The connection is gone, and its transaction with it (the server rolled it back).
      if ((e as PgError).lost) {
        this.tx = false;
        this.depth = 0;
      }
      throw asFencedOut(e) ?? e;
    }
  }
}
