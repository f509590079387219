/**
 * The engine lease (issue 19): one row per lease in PostgreSQL saying which engine leads, until
 * when, and in which term (epoch). Every comparison of time is made by the database's clock
 * (`clock_timestamp()`), never by an engine's: two engines whose clocks disagree still agree on
 * who holds the lease. The engine's own clock is used only to give up early (lease-keeper.ts).
 *
 * Taking the lease is one INSERT ... ON CONFLICT DO UPDATE ... WHERE: the row is locked, and a
 * second engine taking it at the same moment waits and then sees the first one's row, so exactly
 * one wins. Every take bumps the epoch (even by the same holder: a new term fences every write of
 * the previous one, fence.ts), renewing keeps it.
 */
import type { QueryResult, QueryResultRow } from 'pg';

/** What the lease needs of a connection: a pg Pool or Client. */
export interface Sql {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** One term of holding the lease. */
export interface LeaseTerm {
  readonly name: string;
  readonly holder: string;
  /** Bumped on every take: a write carrying an older epoch is fenced out. */
  readonly epoch: number;
  /** By the database's clock. */
  readonly expiresAt: Date;
}

/** The lease row as it is now. */
export interface LeaseState {
  readonly holder: string | null;
  readonly epoch: number;
  readonly expiresAt: Date;
  /** Whether it has expired, by the database's clock. */
  readonly expired: boolean;
}

/** Why a renewal was refused: someone else took it (a newer epoch), it ran out, or it was released. */
export type LostReason = 'taken' | 'expired' | 'released';

export type RenewOutcome =
  | { readonly kind: 'renewed'; readonly term: LeaseTerm }
  | { readonly kind: 'lost'; readonly reason: LostReason; readonly holder: string | null; readonly epoch: number };

/**
 * The table, and the fencing functions of fence.ts. Safe to run on every start, by several
 * engines at once (a transaction-scoped advisory lock orders them; the statements are one simple
 * query, so one transaction).
 */
export async function migrateLease(sql: Sql): Promise<void> {
  await sql.query(LEASE_MIGRATION_SQL);
}

/** The lease named `name` (one per engine pair; tests use one per case). */
export class Lease {
  constructor(
    private readonly sql: Sql,
    readonly name = 'engine',
  ) {}

  /** Takes the lease for `holder` when it is free, expired or already theirs, with a new epoch; null when another holds it. */
  async acquire(holder: string, ttlMs: number): Promise<LeaseTerm | null> {
    const r = await this.sql.query<{ epoch: string; expires_at: Date }>(
      `INSERT INTO engine_lease AS l (name, holder, epoch, expires_at)
         VALUES ($1, $2, 1, clock_timestamp() + $3::double precision * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE
         SET holder = excluded.holder, epoch = l.epoch + 1, expires_at = excluded.expires_at
         WHERE l.holder IS NULL OR l.holder = excluded.holder OR l.expires_at < clock_timestamp()
       RETURNING epoch, expires_at`,
      [this.name, holder, ttlMs],
    );
    const row = r.rows[0];
    return row ? { name: this.name, holder, epoch: Number(row.epoch), expiresAt: row.expires_at } : null;
  }

  /** Extends `term` by `ttlMs` from now if it is still the current, unexpired term; else says why it was lost. */
  async renew(term: LeaseTerm, ttlMs: number): Promise<RenewOutcome> {
    const r = await this.sql.query<{ expires_at: Date }>(
      `UPDATE engine_lease SET expires_at = clock_timestamp() + $4::double precision * interval '1 millisecond'
       WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()
       RETURNING expires_at`,
      [this.name, term.holder, term.epoch, ttlMs],
    );
    const row = r.rows[0];
    if (row) return { kind: 'renewed', term: { ...term, expiresAt: row.expires_at } };
    const now = await this.read();
    if (!now) return { kind: 'lost', reason: 'released', holder: null, epoch: 0 };
    const reason: LostReason = now.epoch !== term.epoch ? 'taken' : now.holder === null ? 'released' : 'expired';
    return { kind: 'lost', reason, holder: now.holder, epoch: now.epoch };
  }

  /** Gives the lease up now if `term` is still current (the epoch stays: the next take bumps it); false when it was not. */
  async release(term: LeaseTerm): Promise<boolean> {
    const r = await this.sql.query(
      `UPDATE engine_lease SET holder = NULL, expires_at = '-infinity' WHERE name = $1 AND holder = $2 AND epoch = $3`,
      [this.name, term.holder, term.epoch],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** The row as it is now, or null when the lease was never taken. */
  async read(): Promise<LeaseState | null> {
    const r = await this.sql.query<{ holder: string | null; epoch: string; expires_at: Date; expired: boolean }>(
      `SELECT holder, epoch, expires_at, expires_at <= clock_timestamp() AS expired FROM engine_lease WHERE name = $1`,
      [this.name],
    );
    const row = r.rows[0];
    return row ? { holder: row.holder, epoch: Number(row.epoch), expiresAt: row.expires_at, expired: row.expired } : null;
  }
}

/**
 * The fence, in the database (fence.ts explains it). `engine_lease_check` raises SQLSTATE PXF01
 * with a JSON detail when `writer_epoch` is not the lease's current, unexpired epoch; it holds the
 * row FOR SHARE until the transaction ends, so no one takes the lease while the write commits.
 */
const FENCE_FUNCTIONS = `
  CREATE OR REPLACE FUNCTION engine_lease_check(lease_name text, writer_epoch bigint) RETURNS void
  LANGUAGE plpgsql AS $fn$
  DECLARE
    cur bigint;
    expiry timestamptz;
    why text;
  BEGIN
    SELECT epoch, expires_at INTO cur, expiry FROM engine_lease WHERE name = lease_name FOR SHARE;
    IF writer_epoch IS NULL THEN
      why := 'no-epoch';
    ELSIF cur IS NULL OR cur <> writer_epoch THEN
      why := 'newer-epoch';
    ELSIF expiry <= clock_timestamp() THEN
      why := 'expired';
    ELSE
      RETURN;
    END IF;
    RAISE EXCEPTION 'fenced out of lease %: write with epoch %, lease at epoch % (%)', lease_name, writer_epoch, cur, why
      USING ERRCODE = 'PXF01',
            DETAIL = json_build_object('lease', lease_name, 'stale', writer_epoch, 'current', cur, 'reason', why)::text;
  END
  $fn$;

  CREATE OR REPLACE FUNCTION engine_lease_fence() RETURNS trigger
  LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM engine_lease_check(TG_ARGV[0], nullif(current_setting('pbx_router.lease_epoch', true), '')::bigint);
    RETURN NULL;
  END
  $fn$;
`;

/** migrateLease's statements, one simple query (the PostgreSQL store runs them through its synchronous connection). */
export const LEASE_MIGRATION_SQL = `
    SELECT pg_advisory_xact_lock(hashtext('pbx-router engine_lease migration'));
    CREATE TABLE IF NOT EXISTS engine_lease (
      name text PRIMARY KEY,
      holder text,
      epoch bigint NOT NULL DEFAULT 0,
      expires_at timestamptz NOT NULL DEFAULT '-infinity'
    );
    ${FENCE_FUNCTIONS}
  `;
