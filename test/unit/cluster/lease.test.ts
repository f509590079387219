import { Client, type Pool, type PoolClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asFencedOut, fenced, fencedTransaction, fenceTable, FencedOut } from '../../../src/cluster/fence.js';
import { Lease, migrateLease } from '../../../src/cluster/lease.js';
import { openLeasePool } from '../../../src/cluster/lease-pool.js';
import { startPostgres, type TestPostgres } from '../../support/postgres.js';

let pg: TestPostgres;
let pool: Pool;
let writer: PoolClient;

beforeAll(async () => {
  pg = await startPostgres();
  pool = openLeasePool({ url: pg.url, ttlMs: 3000 });
  await Promise.all([migrateLease(pool), migrateLease(pool)]);
  await pool.query('CREATE TABLE notes (lease text, epoch bigint, body text)');
  await fenceTable(pool, 'notes', 'notes');
  await fenceTable(pool, 'notes', 'notes');
  writer = await pool.connect();
}, 30_000);

afterAll(async () => {
  writer?.release();
  await pool?.end();
  await pg?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const notes = async () => (await pool.query<{ epoch: string; body: string }>('SELECT epoch, body FROM notes ORDER BY body')).rows.map((r) => `${r.epoch}:${r.body}`);

describe('the lease row', () => {
  it('is taken when free, refused while held, and every take starts a new epoch', async () => {
    const lease = new Lease(pool, 'basics');
    const a1 = await lease.acquire('a', 5000);
    expect(a1?.epoch).toBe(1);
    expect(await lease.acquire('b', 5000)).toBeNull();
    const a2 = await lease.acquire('a', 5000);
    expect(a2?.epoch).toBe(2);
    expect(await lease.renew(a1!, 5000)).toMatchObject({ kind: 'lost', reason: 'taken', holder: 'a', epoch: 2 });
    const renewed = await lease.renew(a2!, 5000);
    expect(renewed.kind).toBe('renewed');
    expect(await lease.release(a1!)).toBe(false);
    expect(await lease.release(a2!)).toBe(true);
    expect(await lease.renew(a2!, 5000)).toMatchObject({ kind: 'lost', reason: 'released', holder: null, epoch: 2 });
    const b = await lease.acquire('b', 5000);
    expect(b?.epoch).toBe(3);
    expect(await lease.read()).toMatchObject({ holder: 'b', epoch: 3, expired: false });
  });

  it("expires by the database's clock: another holder takes it after the ttl, not before", async () => {
    const lease = new Lease(pool, 'expiry');
    const a = await lease.acquire('a', 300);
    expect(await lease.acquire('b', 300)).toBeNull();
    await sleep(350);
    expect(await lease.renew(a!, 300)).toMatchObject({ kind: 'lost', reason: 'expired', holder: 'a', epoch: 1 });
    const b = await lease.acquire('b', 300);
    expect(b?.epoch).toBe(2);
    expect(await lease.renew(a!, 300)).toMatchObject({ kind: 'lost', reason: 'taken', holder: 'b', epoch: 2 });
  });

  it('goes to exactly one of many engines taking it at the same moment', async () => {
    const lease = new Lease(pool, 'race');
    const terms = await Promise.all(Array.from({ length: 12 }, (_, i) => lease.acquire(`engine-${i}`, 5000)));
    const won = terms.filter((t) => t !== null);
    expect(won).toHaveLength(1);
    expect(won[0]?.epoch).toBe(1);
    expect((await lease.read())?.holder).toBe(won[0]?.holder);
  });
});

describe('fenced writes', () => {
  it('land with the current epoch and are refused, naming both epochs, once another engine took over', async () => {
    const lease = new Lease(pool, 'notes');
    const a = (await lease.acquire('a', 5000))!;
    await fenced(writer, { name: 'notes', epoch: a.epoch }, 'INSERT INTO notes VALUES ($1, $2, $3)', ['notes', a.epoch, 'a-before']);
    await lease.release(a);
    const b = (await lease.acquire('b', 5000))!;
    const late = fenced(writer, { name: 'notes', epoch: a.epoch }, 'INSERT INTO notes VALUES ($1, $2, $3)', ['notes', a.epoch, 'a-late']);
    await expect(late).rejects.toBeInstanceOf(FencedOut);
    await expect(late).rejects.toMatchObject({ code: 'fenced-out', lease: 'notes', staleEpoch: a.epoch, currentEpoch: b.epoch, reason: 'newer-epoch' });
    await fenced(writer, { name: 'notes', epoch: b.epoch }, 'INSERT INTO notes VALUES ($1, $2, $3)', ['notes', b.epoch, 'b-after']);
    expect(await notes()).toEqual([`${a.epoch}:a-before`, `${b.epoch}:b-after`]);
    await lease.release(b);
  });

  it('are refused once the lease has expired, even when no one took it yet', async () => {
    const lease = new Lease(pool, 'notes');
    const a = (await lease.acquire('a', 150))!;
    await sleep(200);
    await expect(fenced(writer, { name: 'notes', epoch: a.epoch }, 'DELETE FROM notes')).rejects.toMatchObject({ reason: 'expired', staleEpoch: a.epoch, currentEpoch: a.epoch });
    expect(await notes()).toHaveLength(2);
  });

  it.each([
    ['an insert', "INSERT INTO notes VALUES ('notes', 0, 'sneaky')"],
    ['a delete that matches no row', "DELETE FROM notes WHERE body = 'none'"],
    ['a truncate', 'TRUNCATE notes'],
  ])('without an epoch (%s straight to the table) are refused by the trigger', async (_what, sql) => {
    const error = await pool.query(sql).then(() => undefined, (e: unknown) => e);
    expect(asFencedOut(error)).toMatchObject({ reason: 'no-epoch', staleEpoch: null });
    expect(await notes()).toHaveLength(2);
  });

  it('hold off a takeover until the write in flight has committed (no old-epoch write lands after a new epoch exists)', async () => {
    const lease = new Lease(pool, 'notes');
    const a = (await lease.acquire('a', 200))!;
    let finish: () => void = () => undefined;
    const inFlight = fencedTransaction(writer, { name: 'notes', epoch: a.epoch }, async (tx) => {
      await tx.query('INSERT INTO notes VALUES ($1, $2, $3)', ['notes', a.epoch, 'a-in-flight']);
      await new Promise<void>((r) => (finish = r));
    });
    await sleep(250);
    let tookAt = 0;
    const takeover = lease.acquire('b', 5000).then((t) => ((tookAt = Date.now()), t));
    await sleep(150);
    expect(tookAt).toBe(0);
    const committedAt = Date.now();
    finish();
    await inFlight;
    const b = await takeover;
    expect(b?.epoch).toBe(a.epoch + 1);
    expect(tookAt).toBeGreaterThanOrEqual(committedAt);
    expect(await notes()).toContain(`${a.epoch}:a-in-flight`);
    await lease.release(b!);
  });

  it('of an engine frozen inside its transaction do not keep the standby out: the server ends that session, and the write is lost, not late', async () => {
    const lease = new Lease(pool, 'notes');
    const a = (await lease.acquire('a', 200))!;
    const frozen = new Client({ connectionString: pg.url });
    frozen.on('error', () => undefined);
    await frozen.connect();
    let wake: () => void = () => undefined;
    const write = fencedTransaction(
      frozen,
      { name: 'notes', epoch: a.epoch },
      async (tx) => {
        await tx.query('INSERT INTO notes VALUES ($1, $2, $3)', ['notes', a.epoch, 'a-frozen']);
        await new Promise<void>((r) => (wake = r));
      },
      300,
    ).then(() => 'committed', (e: unknown) => (e instanceof FencedOut ? 'fenced-out' : 'connection ended'));
    await sleep(100);
    const askedAt = Date.now();
    // The take waits on the frozen transaction's row lock until the server ends that session (300 ms idle).
    const b = await lease.acquire('b', 5000);
    expect(b?.epoch).toBe(a.epoch + 1);
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(100);
    expect(Date.now() - askedAt).toBeLessThan(1000);
    wake();
    expect(await write).toBe('connection ended');
    expect(await notes()).not.toContain(`${a.epoch}:a-frozen`);
    await frozen.end().catch(() => undefined);
    await lease.release(b!);
  });
});
