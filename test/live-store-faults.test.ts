/**
 * Issue 13 against the fake Asterisk and a real SQLite file: a store that cannot write never stops
 * routing and never crashes the engine; /healthz says so, and says when it is over.
 */
import { existsSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.js';
import { startLive, type Live } from './scenarios/live-harness.js';
import { PHONES } from './scenarios/live-helpers.js';
import { MAIN } from './support/numbers.js';
import { only } from './support/agents.js';

let live: Live | null = null;
const rejections: unknown[] = [];
const onRejection = (e: unknown) => void rejections.push(e);
afterEach(async () => {
  process.off('unhandledRejection', onRejection);
  await live?.stop();
  live = null;
});

const TOKEN = 'admin-token-0123456789';
const healthz = async (l: Live) => {
  const r = await fetch(`${l.run.admin!.url}/healthz`);
  return { code: r.status, body: (await r.json()) as { status: string; store?: string } };
};
/** The engine's own connection (max_page_count is per connection). */
const dbOf = (l: Live) => (l.run.store as unknown as { db: Db }).db;

describe('live: the store cannot write', () => {
  it('every write refused mid-call (a disk with no space left): callers still reach agents through the queue, no crash, healthz degraded; space freed: healthy again', async () => {
    rejections.length = 0;
    process.on('unhandledRejection', onRejection);
    live = await startLive({ at: '2026-11-23T10:00', adminToken: TOKEN });
    const l = live;
    for (const p of PHONES) l.fake.setAgent(p, { answer: 1000, hangupAfter: 3000 });
    only(l.run.engine, ['james', 'maria']);
    const db = dbOf(l);
    // Every write refused, as on a disk with no byte left. (A page limit, max_page_count, is not
    // steady enough here: the odd small row still fits a freed page, and the store recovers for a moment.)
    db.pragma('query_only = ON');
    for (let i = 0; i < 6; i++) {
      l.fake.placeCall({ did: MAIN, caller: `+1512555${2000 + i}`, script: { dtmf: [{ at: 2000, digit: '1' }] } });
      await l.sleep(500);
    }
    await l.until('the store degraded', () => l.run.storeHealth.report().state === 'degraded', 60_000);
    expect(await healthz(l)).toMatchObject({ code: 503, body: { status: 'degraded', store: 'degraded' } });
    const metrics = await (await fetch(`${l.run.admin!.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/^pbx_router_store_degraded 1$/m);
    await l.until('six callers answered by agents', () => (l.run.engine.endedByOutcome().answered ?? 0) === 6, 300_000);
    expect(l.run.engine.endedByOutcome().failsafe ?? 0).toBe(0);
    expect(l.run.storeHealth.report().failedWrites).toBeGreaterThan(0);
    expect(l.logs.filter((m) => m.includes('a write failed')).length).toBeLessThanOrEqual(6);

    db.pragma('query_only = OFF');
    l.fake.placeCall({ did: MAIN, caller: '+15125553000', script: { dtmf: [{ at: 2000, digit: '1' }] } });
    await l.until('the store is ok again', () => l.run.storeHealth.report().state === 'ok', 60_000);
    expect(await healthz(l)).toMatchObject({ code: 200, body: { status: 'ok', store: 'ok' } });
    expect(rejections).toEqual([]);
  }, 90_000);

  it('the database file deleted while running: logged at error, healthz degraded, calls still routed, nothing created at the path', async () => {
    live = await startLive({ at: '2026-11-23T10:00', adminToken: TOKEN });
    const l = live;
    for (const p of PHONES) l.fake.setAgent(p, { answer: 1000, hangupAfter: 3000 });
    only(l.run.engine, ['james']);
    rmSync(l.database);
    await l.until('the deletion noticed', () => l.logs.some((m) => m.includes(`the database file ${l.database} was deleted or moved`)), 200_000);
    expect((await healthz(l)).body).toMatchObject({ status: 'degraded', store: 'degraded' });
    l.fake.placeCall({ did: MAIN, caller: '+15125554000', script: { dtmf: [{ at: 2000, digit: '1' }] } });
    await l.until('the caller answered', () => (l.run.engine.endedByOutcome().answered ?? 0) === 1, 200_000);
    expect(existsSync(l.database)).toBe(false);
  }, 90_000);
});
