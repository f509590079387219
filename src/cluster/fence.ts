/**
 * Fenced writes: a write carries the writer's lease epoch, and the database refuses it when the
 * lease has moved on (a newer epoch: another engine took over) or ran out. This is what stops a
 * leader that was paused (kill -STOP, a long GC, a frozen VM) from writing after it wakes, before
 * its keeper has noticed: checking "am I still leader?" in the engine and then writing leaves a
 * gap between the two; the check has to be in the same transaction as the write.
 *
 * How: the write runs in a transaction that first calls `engine_lease_check(name, epoch)`, which
 * reads the lease row `FOR SHARE`. That row lock is held until COMMIT, and taking the lease is an
 * UPDATE of that row, which waits for it: so a takeover is ordered either wholly before the write
 * (and the check sees the newer epoch and refuses) or wholly after its commit. There is no window
 * in which an old-epoch write lands after a new epoch exists. (A check without the lock, or a
 * compare of the epoch in the engine, has that window.) The cost: renewals also wait for an open
 * fenced transaction, so fenced transactions must be short.
 *
 * Why also a trigger: `fenceTable()` puts a statement-level trigger on a table that runs the same
 * check with the epoch the transaction declared (`set_config('pbx_router.lease_epoch', ...)`, which
 * `fencedTransaction` does). A write that forgot the fence, or came from a tool or an old engine
 * version, is refused (reason `no-epoch`) rather than slipping through. The trigger is
 * statement-level, so it fires once per statement, even for one that touches no rows, and for
 * TRUNCATE too. Writes to fenced tables go through `fenced` or `fencedTransaction`.
 *
 * A leader frozen in the middle of a fenced transaction would hold that row lock, and so keep the
 * standby out, for as long as its connection lives. So the transaction sets PostgreSQL's
 * `idle_in_transaction_session_timeout` (`idleLimitMs`, default 1 s): a session that sits in the
 * transaction that long without sending anything is ended by the server, its transaction rolled
 * back, the lock freed; the frozen leader's write is then lost, never late.
 *
 * A refusal is a `FencedOut` error (SQLSTATE PXF01 in the database) naming the stale and the
 * current epoch. It is not to be retried: the engine that gets it has lost the lease and stops.
 */
import { escapeIdentifier, escapeLiteral, type ClientBase, type QueryResult, type QueryResultRow } from 'pg';
import type { Sql } from './lease.js';

/** Why a write was refused: another engine holds a newer epoch, the lease ran out, or the write declared no epoch. */
export type FenceReason = 'newer-epoch' | 'expired' | 'no-epoch';

/** A write refused by the lease's fence: the writer is no longer the leader. */
export class FencedOut extends Error {
  readonly code = 'fenced-out';
  constructor(
    readonly lease: string,
    /** The epoch the refused write carried (null: none). */
    readonly staleEpoch: number | null,
    /** The lease's epoch when it was refused (null: the lease row does not exist). */
    readonly currentEpoch: number | null,
    readonly reason: FenceReason,
  ) {
    super(
      reason === 'no-epoch'
        ? `fenced out of lease "${lease}": a write to a fenced table without a lease epoch (write through fenced() or fencedTransaction())`
        : `fenced out of lease "${lease}": this engine writes with epoch ${staleEpoch} but the lease is at epoch ${currentEpoch}` +
            (reason === 'expired' ? ' and has expired' : ' (another engine took over)') +
            ': this engine is no longer the leader and must stop; do not retry the write',
    );
  }
}

/** Which lease a write is fenced by, and the writer's epoch in it. */
export interface Fence {
  readonly name: string;
  readonly epoch: number;
}

/** SQLSTATE raised by engine_lease_check (lease.ts). */
const FENCED_SQLSTATE = 'PXF01';

/** How long a fenced transaction may sit without sending anything before the server ends its session (see the file's comment). */
export const FENCED_IDLE_LIMIT_MS = 1000;

/** Runs `work` in a transaction on `client` (one connection, not a pool) that is refused unless `fence.epoch` is the lease's current, unexpired epoch. */
export async function fencedTransaction<T>(client: ClientBase, fence: Fence, work: (tx: Sql) => Promise<T>, idleLimitMs = FENCED_IDLE_LIMIT_MS): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('pbx_router.lease_epoch', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)`, [
      String(fence.epoch),
      String(Math.max(1, Math.round(idleLimitMs))),
    ]);
    await client.query('SELECT engine_lease_check($1, $2)', [fence.name, fence.epoch]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw asFencedOut(e) ?? e;
  }
}

/** One fenced statement (see fencedTransaction). */
export async function fenced<R extends QueryResultRow = QueryResultRow>(client: ClientBase, fence: Fence, text: string, values: unknown[] = []): Promise<QueryResult<R>> {
  return fencedTransaction(client, fence, (tx) => tx.query<R>(text, values));
}

/** Puts the fence trigger of lease `leaseName` on `table`: every INSERT, UPDATE, DELETE and TRUNCATE must then carry the current epoch. Idempotent. */
export async function fenceTable(sql: Sql, table: string, leaseName = 'engine'): Promise<void> {
  await sql.query(fenceTableSql(table, leaseName));
}

/** fenceTable's statement (the PostgreSQL store runs it through its synchronous connection). */
export function fenceTableSql(table: string, leaseName = 'engine'): string {
  const trigger = escapeIdentifier(`${table}_lease_fence`);
  return `
    CREATE OR REPLACE TRIGGER ${trigger}
      BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${escapeIdentifier(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION engine_lease_fence(${escapeLiteral(leaseName)})
  `;
}

/** The FencedOut that a database error stands for, or undefined when it is another error. */
export function asFencedOut(e: unknown): FencedOut | undefined {
  if (e instanceof FencedOut) return e;
  const err = e as { code?: unknown; detail?: unknown };
  if (err?.code !== FENCED_SQLSTATE || typeof err.detail !== 'string') return undefined;
  try {
    const d = JSON.parse(err.detail) as { lease: string; stale: number | string | null; current: number | string | null; reason: FenceReason };
    return new FencedOut(d.lease, toEpoch(d.stale), toEpoch(d.current), d.reason);
  } catch {
    return undefined;
  }
}

function toEpoch(v: number | string | null): number | null {
  return v === null ? null : Number(v);
}
