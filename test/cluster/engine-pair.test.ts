/**
 * The engine pair in the cluster tier: two `pbx-router run` processes on one PostgreSQL (started
 * here, in a temporary folder), both given both Asterisk nodes; Kamailio in front, carrier calls
 * from SIPp, Aisha's desk phone (baresip) registered at Kamailio. Every call goes to one queue
 * that only Aisha serves. Checked, with the times measured and printed:
 * - a call lands on either node and reaches the desk phone;
 * - kill -9 of the leader: the standby takes over, and the callers waiting keep their places;
 * - kill -STOP of the leader past its lease: the standby takes over; the old leader, woken, stops
 *   and what it still tried to write is refused by the epoch;
 * - PostgreSQL restarted: the engine keeps routing and its store catches up.
 */
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { carrierLoad } from './carrier-load.js';
import { DID, KAMAILIO, NODES, CARRIER, startCluster, type Cluster } from './cluster.js';
import { ClusterEngine, waitFor, type EngineStatus } from './engines.js';

/** Every call to the one queue Aisha (1003, the phone registered at Kamailio) alone serves. */
const ENGINE_CONFIG = {
  'queues.cluster': { name: 'Cluster line', site: 'riverside', skills: { billing: 5 }, strategy: 'longest-idle', maxWait: 600, overflow: [{ voicemail: 'front-desk' }], ringTimeout: 15 },
  'routes.inbound': [{ name: 'Every call to the cluster line', then: [{ queue: 'cluster' }] }],
  'agents.aisha.wrapUp': 3,
};
const TTL_MS = 5000;

let cluster: Cluster;
let pg: TestPostgres;
let db: Pool;
const engines: ClusterEngine[] = [];
let nextAdmin = 18091;
let sipPort = 5170;
let mediaPort = 46000;
const kamailioAt = `${KAMAILIO.address}:${KAMAILIO.port}`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const calls = (o: { calls: number; rate: number; holdMs: number }) =>
  carrierLoad({ did: DID, ...o, from: CARRIER, sipPort: (sipPort += 2), mediaPort: (mediaPort += 200), kamailio: kamailioAt, audioPcap: cluster.voicePcap });

function engine(id: string): ClusterEngine {
  const e = new ClusterEngine(id, nextAdmin++, { config: cluster.config, database: pg.url, secrets: cluster.secrets, ttlMs: TTL_MS });
  engines.push(e);
  e.start();
  return e;
}

function postMortem(): string {
  const logs = engines.map((e) => `--- engine ${e.id} (end)\n${e.logs.slice(-40).join('\n')}`).join('\n');
  return `${logs}\n--- kamailio (end)\n${cluster.kamailio.log().slice(-3000)}\n--- phone\n${cluster.phone.log.slice(-1500)}`;
}

const leaderOf = async (e: ClusterEngine): Promise<EngineStatus | null> => {
  const s = await e.status();
  return s?.role === 'leader' && s.ari === 'connected' ? s : null;
};
const standbyOf = async (e: ClusterEngine): Promise<EngineStatus | null> => {
  const s = await e.status();
  return s?.role === 'standby' ? s : null;
};
const waiting = async (e: ClusterEngine): Promise<number> => (await e.status())?.queues?.find((q) => q.id === 'cluster')?.waiting ?? -1;

beforeAll(async () => {
  cluster = await startCluster((m) => console.log(m), ENGINE_CONFIG);
  pg = await startPostgres({ tcp: true });
  db = new Pool({ connectionString: pg.url, max: 2 });
  // The restart test ends the pool's idle connections: replaced on the next query.
  db.on('error', () => undefined);
}, 180_000);

afterAll(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  await db?.end();
  await pg?.stop();
  await cluster?.stop();
});

describe('cluster: an active/standby engine pair on PostgreSQL', () => {
  let a: ClusterEngine;
  let b: ClusterEngine;

  it('one engine leads and connects to both nodes, the other waits as a standby', async () => {
    a = engine('engine-a');
    const lead = await waitFor('engine-a to lead', () => leaderOf(a), 30_000, postMortem);
    b = engine('engine-b');
    await waitFor('engine-b to be a standby', () => standbyOf(b), 20_000, postMortem);
    console.log(`engine-a leads at epoch ${lead.value.epoch}; engine-b is a standby`);
    expect((await b.status())?.leader).toBe('engine-a');
    // The standby opened no ARI socket: each node's application has one connection, the leader's.
    for (const n of NODES) {
      const res = await fetch(`http://${n.address}:8088/ari/applications/pbx-router`, { headers: { authorization: `Basic ${Buffer.from(`router:${cluster.secrets.ASTERISK_ARI_PASSWORD}`).toString('base64')}` } });
      expect(res.status, `node ${n.name}`).toBe(200);
    }
  });

  it('a call lands on either node and reaches the desk phone registered at Kamailio', async () => {
    cluster.phone.set({ answer: 400 });
    const landed: string[] = [];
    for (let i = 0; i < 2; i++) {
      const since = cluster.phone.events.length;
      const startedAt = Date.now();
      const r = await calls({ calls: 1, rate: 1, holdMs: 9000 });
      const route = [...cluster.kamailio.routes().values()].find((c) => c.at >= startedAt);
      landed.push(route?.first ?? '?');
      const seen = cluster.phone.events.slice(since).map((e) => e.type);
      expect(r.ended.size, `${r.errors}\n${postMortem()}`).toBe(1);
      expect(seen, postMortem()).toContain('CALL_ESTABLISHED');
      await sleep(4000); // Aisha's wrap-up
    }
    console.log(`two calls landed on ${landed.join(' and ')}; both reached Aisha's desk phone through Kamailio`);
    expect(new Set(landed).size).toBe(2);
    const rows = await db.query<{ channel_id: string; agent: string | null; outcome: string | null }>(`SELECT channel_id, agent, outcome FROM calls ORDER BY arrived_at`);
    expect(rows.rows).toHaveLength(2);
    for (const r of rows.rows) expect(r.agent).toBe('aisha');
    // Asterisk's own ids carry the node (systemname): a call is known by its node.
    expect(new Set(rows.rows.map((r) => r.channel_id.split('-')[0]))).toEqual(new Set(NODES.map((n) => n.name)));
  });

  it('kill -9 of the leader: the standby takes over and the waiting callers keep their places', async () => {
    await a.post('/agents/aisha/pause');
    const load = calls({ calls: 3, rate: 1, holdMs: 45_000 });
    await waitFor('3 callers waiting', async () => (await waiting(a)) === 3, 20_000, postMortem);
    const before = await db.query<{ call_id: string; entered_at: string }>(`SELECT call_id, entered_at FROM queue_entries WHERE left_at IS NULL ORDER BY entered_at`);
    expect(before.rows).toHaveLength(3);
    await sleep(1000);
    const killAt = Date.now();
    await a.signal('SIGKILL');
    const took = await waitFor('engine-b to lead', () => leaderOf(b), 20_000, postMortem);
    const back = await waitFor('the 3 callers waiting on engine-b', async () => ((await waiting(b)) === 3 ? true : null), 15_000, postMortem);
    const takeover = took.ms;
    const reconciled = Date.now() - killAt;
    const s = (await b.status())!;
    const longest = s.queues!.find((q) => q.id === 'cluster')!.longestWait;
    console.log(`leader kill -9 -> engine-b leader with ARI connected after ${secs(takeover)} (lease ttl ${TTL_MS} ms); 3 callers waiting again after ${secs(reconciled)}; longest wait ${longest} s (counted from the first entry)`);
    void back;
    // The places: the same callers, the same order, the waits counted from when they first queued.
    const after = await db.query<{ call_id: string; entered_at: string }>(`SELECT call_id, entered_at FROM queue_entries WHERE left_at IS NULL ORDER BY entered_at`);
    expect(after.rows.map((r) => r.call_id)).toEqual(before.rows.map((r) => r.call_id));
    expect(longest * 1000).toBeGreaterThanOrEqual(Date.now() - Number(before.rows[0]!.entered_at) - 2000);
    expect(takeover).toBeLessThan(TTL_MS + TTL_MS / 3 + 5000);
    // Aisha is back: the first caller in line is the one she gets.
    cluster.phone.set({ answer: 400 });
    await b.post('/agents/aisha/unpause');
    const first = before.rows[0]!.call_id;
    await waitFor('the first caller to reach Aisha', async () => (await db.query(`SELECT 1 FROM calls WHERE id = $1 AND agent = 'aisha'`, [first])).rowCount === 1, 20_000, postMortem);
    const r = await load;
    expect(r.answered.size).toBe(3);
  });

  it('kill -STOP of the leader past its lease: the standby takes over, and the old leader stops when it wakes', async () => {
    // engine-a comes back (as systemd would restart it) and is the standby now.
    const a2 = engine('engine-a2');
    await waitFor('engine-a2 to be a standby', () => standbyOf(a2), 20_000, postMortem);
    await sleep(4000); // the last callers' calls and Aisha's wrap-up end
    await b.post('/agents/aisha/pause');
    const load = calls({ calls: 2, rate: 1, holdMs: 40_000 });
    await waitFor('2 callers waiting', async () => (await waiting(b)) === 2, 20_000, postMortem);
    const epochB = (await b.status())!.epoch!;
    const stopAt = Date.now();
    await b.signal('SIGSTOP');
    const took = await waitFor('engine-a2 to lead', () => leaderOf(a2), 20_000, postMortem);
    await waitFor('the 2 callers waiting on engine-a2', async () => ((await waiting(a2)) === 2 ? true : null), 15_000, postMortem);
    const asleep = Date.now() - stopAt;
    await sleep(Math.max(0, TTL_MS * 2 - asleep));
    // A request that reached the paused leader (queued in its socket): handled, if at all, after it wakes.
    const late = b.post('/mode', { mode: 'night' }).then(
      () => 'answered',
      (e: Error) => e.message.slice(0, 120),
    );
    await sleep(200);
    const wokeAt = Date.now();
    await b.signal('SIGCONT');
    const down = await waitFor('engine-b to be a standby again', () => standbyOf(b), 10_000, postMortem);
    const lateAnswer = await late;
    const refused = b.lines(/fenced out/i);
    console.log(
      `leader kill -STOP -> engine-a2 leader after ${secs(took.ms)}; engine-b woke ${secs(wokeAt - stopAt)} after the stop and was a standby ${secs(down.ms)} later; ` +
        `its writes refused by the epoch after waking: ${refused.length}${refused[0] ? ` (first: ${refused[0].slice(0, 200)})` : ''}`,
    );
    console.log(`  the late request to engine-b: ${lateAnswer}`);
    expect(b.lines(/lease \S+ epoch \d+ lost \((deadline|taken)/).length, postMortem()).toBeGreaterThanOrEqual(1);
    // Nothing engine-b wrote after it was paused landed: no event of its epoch after the stop, and the late mode change is not in the store.
    const lateEvents = await db.query(`SELECT type, at FROM call_events WHERE epoch = $1 AND at >= $2`, [epochB, stopAt]);
    expect(lateEvents.rows, postMortem()).toEqual([]);
    const modes = await db.query<{ value: string }>(`SELECT value FROM settings WHERE key = 'modes'`);
    expect(modes.rows[0]?.value ?? '{}').not.toMatch(/night/);
    // The new leader writes in its own epoch.
    const epochA2 = (await a2.status())!.epoch!;
    expect(epochA2).toBeGreaterThan(epochB);
    expect(Number((await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM call_events WHERE epoch = $1`, [epochA2])).rows[0]!.n)).toBeGreaterThan(0);
    // The woken engine sent nothing to Asterisk: the callers are still the new leader's, still waiting.
    expect(await waiting(a2)).toBe(2);
    expect((await a2.status())?.role).toBe('leader');
    cluster.phone.set({ answer: 400 });
    await a2.post('/agents/aisha/unpause');
    const r = await load;
    expect(r.answered.size).toBe(2);
    b = a2;
  });

  it('PostgreSQL restarted: the leader keeps routing and its store catches up', async () => {
    const leader = b;
    const epoch = (await leader.status())?.epoch;
    await sleep(4000);
    cluster.phone.set({ answer: 400 });
    const since = cluster.phone.events.length;
    const before = Number((await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM calls')).rows[0]!.n);
    const downAt = Date.now();
    await pg.shutdown();
    // A call arrives while the store is down: routed from memory, to Aisha's phone.
    const load = calls({ calls: 1, rate: 1, holdMs: 8000 });
    await sleep(1500);
    await pg.start();
    const downMs = Date.now() - downAt;
    const r = await load;
    expect(r.ended.size, postMortem()).toBe(1);
    expect(cluster.phone.events.slice(since).map((e) => e.type), postMortem()).toContain('CALL_ESTABLISHED');
    const still = await leaderOf(leader);
    expect(still?.epoch, postMortem()).toBe(epoch);
    await sleep(2000);
    const placed = await calls({ calls: 1, rate: 1, holdMs: 6000 });
    expect(placed.ended.size).toBe(1);
    const late = await db.query<{ id: string }>(`SELECT call_id AS id FROM call_events WHERE type = 'recorded-late'`);
    const after = Number((await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM calls')).rows[0]!.n);
    console.log(`PostgreSQL down ${secs(downMs)} (shutdown, 1.5 s, start): the leader kept the lease (epoch ${epoch}) and the call that came meanwhile reached Aisha; calls recorded since: ${after - before} of 2 (${late.rowCount} recorded late, once the store was back)`);
    expect(after - before, postMortem()).toBe(2);
    expect(late.rowCount).toBe(1);
  });

  it('kill -9 of an Asterisk node: its caller is written off as node-lost, the caller on the other node keeps waiting and is served', async () => {
    const leader = b;
    await sleep(4000);
    await leader.post('/agents/aisha/pause');
    const load = calls({ calls: 2, rate: 1, holdMs: 40_000 });
    await waitFor('2 callers waiting', async () => (await waiting(leader)) === 2, 20_000, postMortem);
    const open = await db.query<{ id: string; channel_id: string }>(`SELECT id, channel_id FROM calls WHERE ended_at IS NULL ORDER BY arrived_at`);
    const nodeOf = (c: { channel_id: string }) => c.channel_id.split('-')[0]!;
    expect(new Set(open.rows.map(nodeOf))).toEqual(new Set(['a', 'b']));
    const victim = open.rows.find((c) => nodeOf(c) === 'a')!;
    const survivor = open.rows.find((c) => nodeOf(c) === 'b')!;
    const killAt = Date.now();
    await cluster.nodes.get('a')!.kill();
    const lost = await waitFor(
      "node a's caller written off",
      async () => (await db.query<{ outcome: string }>(`SELECT outcome FROM calls WHERE id = $1 AND ended_at IS NOT NULL`, [victim.id])).rows[0]?.outcome,
      20_000,
      postMortem,
    );
    expect(lost.value).toBe('node-lost');
    const s = (await leader.status()) as EngineStatus & { nodes?: { name: string; state: string; lost: boolean }[] };
    console.log(`Asterisk node a kill -9: its caller ended as ${lost.value} ${secs(Date.now() - killAt)} after the kill (3 s grace); nodes now ${JSON.stringify(s.nodes)}`);
    expect(s.nodes?.find((n) => n.name === 'a')?.lost).toBe(true);
    expect(await waiting(leader)).toBe(1);
    cluster.phone.set({ answer: 400 });
    await leader.post('/agents/aisha/unpause');
    await waitFor('the caller on node b to reach Aisha', async () => (await db.query(`SELECT 1 FROM calls WHERE id = $1 AND agent = 'aisha'`, [survivor.id])).rowCount === 1, 20_000, postMortem);
    await load;
  });

});
