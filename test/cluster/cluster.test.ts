/**
 * The cluster tier (`npm run test:cluster`): Kamailio with the shipped config in front of two real
 * Asterisk 22 nodes configured by `asterisk-config --node`, carrier calls from SIPp at 2 calls/s,
 * a baresip desk phone registered at Kamailio. No engine yet: the nodes' failsafe dialplan answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carrierLoad, type CarrierLoadResult } from './carrier-load.js';
import { sipRequest } from './kamailio.js';
import { CARRIER, DID, KAMAILIO, NODES, PHONE, startCluster, type Cluster, type NodeName } from './cluster.js';

let cluster: Cluster;
const kamailioAt = `${KAMAILIO.address}:${KAMAILIO.port}`;
let sipPort = 5070;
let mediaPort = 56000;
const calls = (o: { calls: number; rate: number; holdMs: number; audio?: boolean }) =>
  carrierLoad({ did: DID, ...o, from: CARRIER, sipPort: (sipPort += 2), mediaPort: (mediaPort += 200), kamailio: kamailioAt, audioPcap: o.audio ? cluster.voicePcap : undefined });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Everything a failed assertion needs: SIPp's errors, Kamailio's log and the nodes' logs. */
function postMortem(extra = ''): string {
  const nodes = [...cluster.nodes].map(([n, a]) => `--- node ${n} messages.log (end)\n${a.messages().slice(-3000)}`).join('\n');
  return `${extra}\n--- kamailio (end)\n${cluster.kamailio.log().slice(-6000)}\n${nodes}\n--- phone\n${cluster.phone.log.slice(-2000)}`;
}

/** The node a contact shows in `pjsip show contacts` (Avail, Unavail, NonQual, Unknown). */
async function contactStatus(node: NodeName, ext: string): Promise<string> {
  const out = await cluster.nodes.get(node)!.cli('pjsip show contacts');
  return new RegExp(`Contact:\\s+${ext}/\\S+\\s+\\S+\\s+(\\S+)`).exec(out)?.[1] ?? 'absent';
}

async function ari(node: NodeName, method: string, path: string): Promise<{ status: number; body: unknown }> {
  const n = NODES.find((x) => x.name === node)!;
  const res = await fetch(`http://${n.address}:8088/ari${path}`, { method, headers: { authorization: `Basic ${Buffer.from(`router:${cluster.secrets.ASTERISK_ARI_PASSWORD}`).toString('base64')}` } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

beforeAll(async () => {
  cluster = await startCluster((m) => console.log(m));
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('cluster: two Asterisk nodes behind Kamailio', () => {
  it('starts each node with its generated files without an ERROR line, and with its own entity id', async () => {
    for (const [name, node] of cluster.nodes) expect(node.messages().split('\n').filter((l) => / ERROR\[/.test(l)), `node ${name}`).toEqual([]);
    const eid = async (n: NodeName) => /Entity ID:\s+(\S+)/.exec(await cluster.nodes.get(n)!.cli('core show settings'))?.[1];
    const [a, b] = [await eid('a'), await eid('b')];
    expect(a).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(b).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(a).not.toBe(b);
  });

  it('spreads carrier calls to the clinic number over both nodes, and each node answers (failsafe)', async () => {
    const r = await calls({ calls: 10, rate: 2, holdMs: 1000 });
    const routes = [...cluster.kamailio.routes().values()].filter((c) => c.at >= r.startedAt);
    const per = (n: NodeName) => routes.filter((c) => c.first === cluster.uri(n)).length;
    console.log(`10 calls at 2/s: node a ${per('a')}, node b ${per('b')}; answered ${r.answered.size}, ended ${r.ended.size} in ${secs(r.endedAt - r.startedAt)}`);
    expect(r.ended.size, postMortem(r.errors)).toBe(10);
    expect(r.code).toBe(0);
    expect(routes).toHaveLength(10);
    expect(per('a')).toBeGreaterThanOrEqual(3);
    expect(per('b')).toBeGreaterThanOrEqual(3);
    expect(routes.every((c) => c.failovers.length === 0)).toBe(true);
    // No engine: each node's Stasis entry failed and its failsafe took the call.
    for (const [name, node] of cluster.nodes) expect(node.messages(), `node ${name}`).toMatch(/ARI app pbx-router not available \(STASISSTATUS=FAILED\)/);
  });

  it('refuses calls from elsewhere than the carrier, and to numbers that are not the clinic\'s', async () => {
    const before = cluster.kamailio.routes().size;
    const wrongNumber = await carrierLoad({ did: '+15125550199', calls: 1, rate: 1, holdMs: 100, from: CARRIER, sipPort: (sipPort += 2), mediaPort: (mediaPort += 200), kamailio: kamailioAt });
    const stranger = await carrierLoad({ did: DID, calls: 1, rate: 1, holdMs: 100, from: '127.0.0.6', sipPort: (sipPort += 2), mediaPort: (mediaPort += 200), kamailio: kamailioAt });
    expect(wrongNumber.answered.size).toBe(0);
    expect(stranger.answered.size).toBe(0);
    expect(cluster.kamailio.log()).toMatch(/refused a call from 127\.0\.0\.4 to 15125550199: not a clinic number/);
    expect(cluster.kamailio.log()).toMatch(/refused INVITE from 127\.0\.0\.6/);
    expect(cluster.kamailio.routes().size).toBe(before);
    // No relay inside a made-up dialog either: a stranger's in-dialog request routed through Kamailio.
    const relay = await sipRequest('127.0.0.6', KAMAILIO, 1500, (via) => ({
      line: 'MESSAGE sip:anyone@192.0.2.99:5060 SIP/2.0',
      headers: [via, `Route: <sip:${KAMAILIO.address}:${KAMAILIO.port};lr>`, 'From: <sip:stranger@127.0.0.6>;tag=s1', 'To: <sip:anyone@192.0.2.99>;tag=t1', `Call-ID: relay-${Date.now()}@stranger`, 'CSeq: 1 MESSAGE'],
    }));
    expect(relay).toBe('SIP/2.0 403 Not allowed');
  });

  it('reaches a desk phone registered at Kamailio from a node (ARI originate), and not an unregistered one', async () => {
    // The node qualifies the phone through Kamailio every 15 s; the first answer may take one round.
    const deadline = Date.now() + 40_000;
    while ((await contactStatus('b', PHONE)) !== 'Avail' && Date.now() < deadline) await sleep(500);
    expect(await contactStatus('b', PHONE), postMortem()).toBe('Avail');
    // 1001 is not registered: Kamailio ignores the node's OPTIONS for it, so its qualify times out
    // (a 404 would have made it Avail: Asterisk counts any answer).
    const unavailBy = Date.now() + 25_000;
    while ((await contactStatus('b', '1001')) !== 'Unavail' && Date.now() < unavailBy) await sleep(500);
    expect(await contactStatus('b', '1001'), postMortem()).toBe('Unavail');

    cluster.phone.set({ answer: 300 });
    const since = cluster.phone.events.length;
    const made = await ari('b', 'POST', `/channels?endpoint=PJSIP/${PHONE}&context=sim-agent&extension=noanswer&timeout=15`);
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const id = (made.body as { id: string }).id;
    const until = Date.now() + 10_000;
    while (!cluster.phone.events.slice(since).some((e) => e.type === 'CALL_ESTABLISHED') && Date.now() < until) await sleep(100);
    const seen = cluster.phone.events.slice(since).map((e) => e.type);
    expect(seen, postMortem()).toContain('CALL_INCOMING');
    expect(seen).toContain('CALL_ESTABLISHED');
    const channel = await ari('b', 'GET', `/channels/${id}`);
    expect((channel.body as { state: string }).state).toBe('Up');
    expect((await ari('b', 'DELETE', `/channels/${id}`)).status).toBe(204);
    const closeBy = Date.now() + 5000;
    while (!cluster.phone.events.slice(since).some((e) => e.type === 'CALL_CLOSED') && Date.now() < closeBy) await sleep(100);
    expect(cluster.phone.events.slice(since).map((e) => e.type)).toContain('CALL_CLOSED');

    // An unregistered phone: the node cannot reach it (no ring, the originate fails at once).
    const unreachable = await ari('b', 'POST', '/channels?endpoint=PJSIP/1001&context=sim-agent&extension=noanswer&timeout=5');
    if (unreachable.status === 200) {
      await sleep(1500);
      const still = await ari('b', 'GET', `/channels/${(unreachable.body as { id: string }).id}`);
      expect(still.status).toBe(404);
    } else expect(unreachable.status).toBeGreaterThanOrEqual(400);
  });

  it('kill -9 of a node: later calls go to the other node within the probing window, and a call up on the survivor stays up', async () => {
    // A long call (talking, 30 s) first; the node it lands on survives, the other one is killed.
    const longStart = Date.now();
    const long = calls({ calls: 1, rate: 1, holdMs: 30_000, audio: true });
    let longRoute;
    for (let i = 0; i < 50 && !longRoute; i++) {
      await sleep(100);
      longRoute = [...cluster.kamailio.routes().values()].find((c) => c.at >= longStart);
    }
    expect(longRoute).toBeDefined();
    const survivor = NODES.find((n) => cluster.uri(n.name) === longRoute!.first)!.name;
    const victim = NODES.find((n) => n.name !== survivor)!.name;
    await sleep(2000);

    const loadStart = Date.now();
    const load = calls({ calls: 40, rate: 2, holdMs: 1000 });
    await sleep(6000);
    const killAt = Date.now();
    await cluster.nodes.get(victim)!.kill();
    console.log(`kill -9 of node ${victim} ${secs(killAt - loadStart)} into 40 calls at 2/s; a 30 s call is up on node ${survivor}`);
    const [r, l]: [CarrierLoadResult, CarrierLoadResult] = await Promise.all([load, long]);
    const states = await cluster.kamailio.nodeStates();

    const routes = [...cluster.kamailio.routes().values()].filter((c) => c.at >= r.startedAt && c.callId !== longRoute!.callId).sort((x, y) => x.at - y.at);
    const victimUri = cluster.uri(victim);
    const survivorUri = cluster.uri(survivor);
    const down = cluster.kamailio.matching(new RegExp(`node down: .*${victimUri.replace(/\./g, '\\.')}`)).find((d) => d.at >= killAt);
    const after = routes.filter((c) => c.at >= killAt);
    const triedVictim = after.filter((c) => c.first === victimUri);
    const lastTried = triedVictim.at(-1)?.at ?? killAt;
    const firstOnlySurvivor = after.find((c) => c.at > lastTried && c.first === survivorUri);
    const failedAfter = after.filter((c) => !r.ended.has(c.callId));
    const lostWithNode = routes.filter((c) => c.at < killAt && !r.ended.has(c.callId));
    const detection = down ? down.at - killAt : Number.NaN;
    const byCalls = firstOnlySurvivor ? firstOnlySurvivor.at - killAt : Number.NaN;
    console.log(
      [
        `node failure detection: Kamailio marked node ${victim} down ${secs(detection)} after the kill -9 (by ${down && /<null>\s*$/.test(down.text) ? 'an unanswered OPTIONS probe' : "a call's unanswered INVITE"}; probes every 1 s, 2 s timeout)`,
        `  first call routed only to node ${survivor}: ${secs(byCalls)} after the kill (after the last call that tried node ${victim})`,
        `  calls after the kill: ${after.length}; ${triedVictim.length} tried node ${victim} first and failed over (${triedVictim.filter((c) => r.ended.has(c.callId)).length} completed); ${failedAfter.length} failed`,
        `  calls up on node ${victim} at the kill, lost with it: ${lostWithNode.length}; long call on node ${survivor}: ${l.ended.size === 1 ? `stayed up ${secs(l.endedAt - l.startedAt)} and ended by its caller` : 'LOST'}`,
      ].join('\n'),
    );

    expect(down, postMortem(r.errors)).toBeDefined();
    // Still down, and still probed, after the calls (Kamailio's own view: kamcmd dispatcher.list).
    expect(states.get(victimUri)).toMatch(/^IP/);
    expect(states.get(survivorUri)).toMatch(/^AP/);
    // The probing window: a probe every 1 s that times out after 2 s, plus the log's own delay.
    expect(detection).toBeLessThan(4500);
    // Every call placed after the kill completed: straight to the survivor or failed over to it.
    expect(failedAfter.map((c) => c.callId), postMortem(r.errors)).toEqual([]);
    for (const c of triedVictim) expect(c.failovers.map((f) => f.to)).toEqual([survivorUri]);
    // Once the node is marked down, no call is offered to it any more.
    expect(after.filter((c) => c.at > down!.at + 50 && c.first === victimUri)).toEqual([]);
    expect(after.length).toBeGreaterThanOrEqual(25);
    // Only calls that were up on the dead node were lost.
    for (const c of routes.filter((x) => !r.ended.has(x.callId))) expect(c.first).toBe(victimUri);
    // The long call on the survivor was not disturbed: it was up after the kill and ended normally.
    // (Asterisk tearing it down would have sent a BYE that the caller's scenario does not accept.)
    expect(l.endedAt - l.startedAt).toBeGreaterThanOrEqual(30_000);
    expect(l.code, postMortem(l.errors)).toBe(0);
    expect(l.ended.size).toBe(1);
  });
});
