import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fenced, fenceTable } from '../../../src/cluster/fence.js';
import { Lease, migrateLease, type LeaseTerm } from '../../../src/cluster/lease.js';
import { LeaseKeeper, type LeadershipLost } from '../../../src/cluster/lease-keeper.js';
import { openLeasePool } from '../../../src/cluster/lease-pool.js';
import { startPostgres, type TestPostgres } from '../../support/postgres.js';

let pg: TestPostgres;
let pool: Pool;
const keepers: LeaseKeeper[] = [];
const pools: Pool[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  pool = openLeasePool({ url: pg.url, ttlMs: 3000, onError: () => undefined });
  await migrateLease(pool);
  await pool.query('CREATE TABLE lease_writes (lease text, epoch bigint, what text)');
  await fenceTable(pool, 'lease_writes', 'paused');
}, 30_000);

afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await Promise.all(keepers.splice(0).map((k) => k.stop()));
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

afterAll(async () => {
  await pool?.end();
  await pg?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function startTime(): Promise<number> {
  const r = await pool.query<{ t: Date }>('SELECT pg_postmaster_start_time() AS t');
  return r.rows[0]!.t.getTime();
}

/** A keeper on a pool of its own (as each engine has), with what it said recorded. */
function keeper(name: string, holder: string, ttlMs: number) {
  let brokenConnections = 0;
  const p = openLeasePool({ url: pg.url, ttlMs, onError: () => brokenConnections++ });
  pools.push(p);
  const k = new LeaseKeeper({ lease: new Lease(p, name), holder, ttlMs });
  keepers.push(k);
  const said = { led: [] as LeaseTerm[], renewedAt: [] as number[], lost: [] as (LeadershipLost & { at: number })[], problems: 0 };
  k.on('leader', (t) => said.led.push(t));
  k.on('renewed', () => said.renewedAt.push(Date.now()));
  k.on('lost', (l) => said.lost.push({ ...l, at: Date.now() }));
  k.on('problem', () => said.problems++);
  return { k, said, brokenConnections: () => brokenConnections };
}

describe('the lease keeper', () => {
  it('two engines compete: exactly one leads, the other stays standby while the leader renews', async () => {
    const a = keeper('compete', 'a', 600);
    const b = keeper('compete', 'b', 600);
    a.k.start();
    b.k.start();
    await until('a leader', () => a.said.led.length + b.said.led.length > 0);
    await sleep(1300);
    const roles = [a.k.role, b.k.role].sort();
    expect(roles).toEqual(['leader', 'standby']);
    expect(a.said.led.length + b.said.led.length).toBe(1);
    expect([...a.said.lost, ...b.said.lost]).toEqual([]);
    const leader = a.k.role === 'leader' ? a : b;
    expect(leader.said.renewedAt.length).toBeGreaterThanOrEqual(3);
    expect(await new Lease(pool, 'compete').read()).toMatchObject({ holder: leader === a ? 'a' : 'b', epoch: 1, expired: false });

    // A leader that stops releases the lease: the standby takes it at its next try, not after the ttl.
    const other = leader === a ? b : a;
    const stoppedAt = Date.now();
    await leader.k.stop();
    expect(leader.k.role).toBe('stopped');
    expect(await new Lease(pool, 'compete').read()).toMatchObject({ holder: null, epoch: 1 });
    await until('the standby to lead', () => other.said.led.length > 0);
    expect(Date.now() - stoppedAt).toBeLessThan(600);
    expect(other.said.led[0]?.epoch).toBe(2);
  });

  it('a paused leader (kill -STOP) is replaced after expiry with epoch + 1; on waking it is lost and its late write is fenced out', async () => {
    const ttl = 1200;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/lease-holder.ts', pg.url, 'paused', 'old', String(ttl)], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    const lines: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    await until('the child to lead', () => lines.some((l) => l.event === 'leader'), 10_000);
    const oldEpoch = lines[0]?.epoch as number;

    const standby = keeper('paused', 'new', ttl);
    standby.k.start();
    await sleep(100);
    expect(standby.k.role).toBe('standby');
    const stoppedAt = Date.now();
    child.kill('SIGSTOP');
    await until('the standby to take over', () => standby.said.led.length > 0, 3 * ttl);
    // The child's last renewal was at most ttl/3 before the stop: the database lets no one in before that plus the ttl.
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual((2 * ttl) / 3 - 50);
    expect(standby.said.led[0]?.epoch).toBe(oldEpoch + 1);
    const client = await pools[0]!.connect();
    try {
      await fenced(client, { name: 'paused', epoch: oldEpoch + 1 }, 'INSERT INTO lease_writes VALUES ($1, $2, $3)', ['paused', oldEpoch + 1, 'new leader']);
    } finally {
      client.release();
    }

    child.stdin!.write('write\n');
    child.kill('SIGCONT');
    await until('the late write to be answered', () => lines.some((l) => l.event === 'fenced-out' || l.event === 'written' || l.event === 'error'));
    expect(lines.slice(1).map((l) => l.event)).toEqual(['lost', 'role-at-wake', 'fenced-out']);
    expect(lines[1]).toMatchObject({ cause: 'deadline', epoch: oldEpoch });
    expect(lines[2]).toMatchObject({ role: 'standby' });
    expect(lines[3]).toMatchObject({ stale: oldEpoch, current: oldEpoch + 1, reason: 'newer-epoch' });
    const rows = await pool.query<{ what: string }>('SELECT what FROM lease_writes');
    expect(rows.rows.map((r) => r.what)).toEqual(['new leader']);
    expect(standby.k.role).toBe('leader');
  }, 15_000);

  it('PostgreSQL restarted within the ttl: the keepers reconnect and the leader keeps its lease and epoch', async () => {
    // 3 s: a fast shutdown and start take 0.4-1.3 s on two busy cores, and the leader must renew within the ttl of its last renewal.
    const ttl = 3000;
    const a = keeper('restart', 'a', ttl);
    a.k.start();
    await until('a to lead', () => a.said.led.length > 0);
    const b = keeper('restart', 'b', ttl);
    b.k.start();
    const renewals = a.said.renewedAt.length;
    await until('a renewal', () => a.said.renewedAt.length > renewals);
    const startedBefore = await startTime();
    await pg.restart();
    const afterRestart = a.said.renewedAt.length;
    await until('a renewal after the restart', () => a.said.renewedAt.length > afterRestart, ttl);
    expect(await startTime()).toBeGreaterThan(startedBefore);
    // The restart cut the keepers' connections (idle ones report it to the pool, a renewal in flight to the keeper).
    expect(a.brokenConnections() + a.said.problems).toBeGreaterThan(0);
    expect(a.said.lost).toEqual([]);
    expect(a.k.role).toBe('leader');
    expect(a.k.term()?.epoch).toBe(a.said.led[0]?.epoch);
    expect(b.k.role).toBe('standby');
    expect(b.said.led).toEqual([]);
    expect(await new Lease(pool, 'restart').read()).toMatchObject({ holder: 'a', epoch: a.said.led[0]?.epoch, expired: false });
  }, 15_000);

  it('a database that is down makes the leader step down when its lease runs out, never later, and not at the first failed renewal', async () => {
    const ttl = 1000;
    const a = keeper('down', 'a', ttl);
    a.k.start();
    await until('a to lead', () => a.said.led.length > 0);
    const renewals = a.said.renewedAt.length;
    await until('a renewal', () => a.said.renewedAt.length > renewals);
    await pg.kill();
    const killedAt = Date.now();
    let lastLed = 0;
    while (a.said.lost.length === 0 && Date.now() - killedAt < 3 * ttl) {
      if (a.k.term()) lastLed = Date.now();
      await sleep(5);
    }
    const lastRenewal = a.said.renewedAt.at(-1)!;
    expect(a.said.lost).toMatchObject([{ cause: 'deadline' }]);
    expect(a.said.problems).toBeGreaterThan(0);
    // The renewal's answer came after it was sent: the deadline (sent + ttl) is before this bound.
    expect(lastLed).toBeLessThan(lastRenewal + ttl);
    // When `lost` is emitted is up to the timers of a busy machine; what the engine is told (term()) is exact.
    expect(a.said.lost[0]!.at).toBeLessThanOrEqual(lastRenewal + ttl + 200);
    expect(a.said.lost[0]!.at - killedAt).toBeGreaterThan(ttl / 2);
    expect(a.k.role).toBe('standby');
    expect(a.k.term()).toBeUndefined();
  }, 15_000);
});
