/**
 * The active/standby pair's life cycle on a real PostgreSQL, with a stand-in engine: only the
 * lease holder starts its engine, the standby's admin API says so, a lease taken away or an
 * ApplicationReplaced halts the leader at once and makes it a standby, and a released lease is
 * taken by the standby without waiting for it to expire.
 */
import { createServer } from 'node:net';
import { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEnginePair, pairSettingsFromEnv, type EnginePair, type Leadership } from '../../../src/cluster/engine-pair.js';
import { startPostgres, type TestPostgres } from '../../support/postgres.js';

let pg: TestPostgres;
let admin: Pool;
const pairs: EnginePair[] = [];
const token = 'pair-test-token-0123456789';

beforeAll(async () => {
  pg = await startPostgres();
  admin = new Pool({ connectionString: pg.url, max: 2 });
}, 30_000);

afterEach(async () => {
  await Promise.all(pairs.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await admin?.end();
  await pg?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** One engine of the pair with a stand-in engine that records what was asked of it. */
async function engineOf(holder: string, leaseName: string, o: { port?: number; ttlMs?: number } = {}) {
  const seen = { started: [] as number[], halted: 0, stopped: 0, logs: [] as string[], lead: null as Leadership | null };
  const log = (m: string) => seen.logs.push(m);
  const pair = await runEnginePair({
    settings: { url: pg.url, holder, ttlMs: o.ttlMs ?? 1500, leaseName },
    log: { info: log, warn: log, error: log },
    ...(o.port ? { admin: { host: '127.0.0.1', port: o.port, token } } : {}),
    start: async (lead) => {
      seen.started.push(lead.term.epoch);
      seen.lead = lead;
      return { halt: () => void seen.halted++, stop: async () => void seen.stopped++ };
    },
  });
  pairs.push(pair);
  return { pair, seen };
}

const get = async (port: number, path: string, auth = true) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text) as Record<string, unknown>; } catch { return null; } })() };
};

describe('engine pair (active/standby on a PostgreSQL lease)', () => {
  it('starts the engine only in the lease holder; the standby API says standby and who leads', async () => {
    const port = await freePort();
    const a = await engineOf('engine-a', 'pair1');
    await a.pair.led();
    const b = await engineOf('engine-b', 'pair1', { port });
    await sleep(1200);
    expect(a.seen.started).toHaveLength(1);
    expect(b.seen.started).toEqual([]);
    expect(b.pair.role()).toBe('standby');
    const health = await get(port, '/healthz', false);
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'standby', role: 'standby', leader: 'engine-a', engine: 'engine-b' });
    expect((await get(port, '/status', false)).status).toBe(401);
    expect((await get(port, '/status')).json).toMatchObject({ role: 'standby', leader: 'engine-a', epoch: a.seen.started[0] });
    const metrics = await get(port, '/metrics');
    expect(metrics.text).toMatch(/pbx_router_engine_role\{role="standby"\} 1/);
    expect(metrics.text).toMatch(/pbx_router_engine_role\{role="leader"\} 0/);
    expect((await get(port, '/agents/x/pause')).status).toBe(503);
  });

  it('hands over at once when the leader stops (the lease is released, not left to expire)', async () => {
    const a = await engineOf('engine-a', 'pair2', { ttlMs: 5000 });
    await a.pair.led();
    const b = await engineOf('engine-b', 'pair2', { ttlMs: 5000 });
    await sleep(300);
    const t0 = Date.now();
    await a.pair.stop();
    await b.pair.led();
    const took = Date.now() - t0;
    expect(a.seen.halted).toBeGreaterThanOrEqual(1);
    expect(a.seen.stopped).toBe(1);
    expect(b.seen.started[0]).toBe(a.seen.started[0]! + 1);
    // Within one try of the standby (ttl/3), far less than the 5 s ttl.
    expect(took).toBeLessThan(2500);
  });

  it('halts the leader at once when the lease is taken from it, and it becomes a standby that can lead again', async () => {
    const a = await engineOf('engine-a', 'pair3');
    await a.pair.led();
    const epoch = a.seen.started[0]!;
    await admin.query(`UPDATE engine_lease SET holder = 'intruder', epoch = epoch + 1, expires_at = clock_timestamp() + interval '2 seconds' WHERE name = 'pair3'`);
    await until('the leader halted', () => a.seen.halted > 0 && a.seen.stopped > 0);
    expect(a.pair.role()).toBe('standby');
    expect(a.seen.logs.join('\n')).toMatch(/lease pair3 epoch \d+ lost \(taken, now held by intruder\): this engine stops taking calls now/);
    // The intruder's lease runs out: the engine leads again, in a newer term.
    await until('the engine leads again', () => a.seen.started.length === 2);
    expect(a.seen.started[1]).toBe(epoch + 2);
  });

  it('halts on ApplicationReplaced and gives the lease up, so the other engine can lead', async () => {
    const a = await engineOf('engine-a', 'pair4', { ttlMs: 4000 });
    await a.pair.led();
    const b = await engineOf('engine-b', 'pair4', { ttlMs: 4000 });
    a.seen.lead!.replaced();
    expect(a.seen.halted).toBeGreaterThanOrEqual(1);
    await until('engine b leads', () => b.seen.started.length === 1 || a.seen.started.length === 2);
    expect(a.seen.stopped).toBe(1);
    expect(a.seen.logs.join('\n')).toMatch(/ApplicationReplaced/);
  });

  it('reads its settings from the environment, refusing a bad ttl', () => {
    const s = pairSettingsFromEnv('postgres://x', { PBX_ROUTER_ENGINE_ID: 'e1', PBX_ROUTER_LEASE_TTL_MS: '4000' });
    expect(s).toEqual({ url: 'postgres://x', holder: 'e1', ttlMs: 4000, leaseName: 'engine' });
    expect(() => pairSettingsFromEnv('postgres://x', { PBX_ROUTER_LEASE_TTL_MS: '5s' })).toThrow(/PBX_ROUTER_LEASE_TTL_MS '5s' must be a whole number of milliseconds/);
    expect(pairSettingsFromEnv('postgres://x', {}).holder).toMatch(/:\d+$/);
  });
});
