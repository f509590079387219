/**
 * The connection pool the lease and its keeper use: small, and with timeouts shorter than the
 * lease's ttl, so that a query to a database that stopped answering fails instead of hanging past
 * the point where it could still keep the lease. A broken idle connection (PostgreSQL restarted)
 * is reported to `onError` and replaced on the next query; pg would otherwise crash the process.
 */
import { Pool } from 'pg';

export interface LeasePoolOptions {
  /** postgres:// URL (a unix socket folder goes in `?host=`). */
  readonly url: string;
  readonly ttlMs: number;
  readonly onError?: (error: Error) => void;
}

/** A pg Pool for the lease (see the file's comment); end it with `pool.end()`. */
export function openLeasePool(options: LeasePoolOptions): Pool {
  const third = Math.max(100, Math.floor(options.ttlMs / 3));
  const pool = new Pool({
    connectionString: options.url,
    max: 4,
    connectionTimeoutMillis: third,
    query_timeout: third,
    idleTimeoutMillis: 10_000,
    application_name: 'pbx-router lease',
  });
  pool.on('error', (e) => options.onError?.(e));
  return pool;
}
