/** NodeTelephony (issue 19) on two fake Asterisk nodes, `a` and `b`, over real HTTP and WebSocket. */
import { afterEach, describe, expect, it } from 'vitest';
import { AriTelephony } from '../src/asterisk/ari-telephony.js';
import { NodeTelephony } from '../src/asterisk/node-telephony.js';
import type { TelephonyEvent } from '../src/calls/telephony.js';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Two nodes, each a fake Asterisk with its systemname, and the composite on them. */
async function twoNodes(lostAfterMs = 400) {
  const fakes: Record<'a' | 'b', FakeAsterisk> = { a: new FakeAsterisk({ systemName: 'a', password: 'nodes-secret' }), b: new FakeAsterisk({ systemName: 'b', password: 'nodes-secret' }) };
  const urls: Record<string, string> = {};
  for (const [name, fake] of Object.entries(fakes)) {
    urls[name] = (await fake.start()).url;
    cleanups.push(() => fake.stop());
  }
  const logs: string[] = [];
  const events: TelephonyEvent[] = [];
  const t = new NodeTelephony(
    (['a', 'b'] as const).map((name) => ({ name, telephony: new AriTelephony({ url: urls[name]!, user: 'router', password: 'nodes-secret', app: 'pbx-router', retry: { firstMs: 50, maxMs: 100 } }, (m) => logs.push(`${name}: ${m}`)) })),
    { lostAfterMs },
    (m) => logs.push(m),
  );
  t.handler = (e) => events.push(e);
  cleanups.push(() => t.stop());
  await t.start();
  await until('both nodes connected', () => t.nodes().every((n) => n.state === 'connected') && fakes.a.isConnected('pbx-router') && fakes.b.isConnected('pbx-router'));
  /** A caller on a node, in the application and answered. */
  const call = async (node: 'a' | 'b') => {
    const rec = fakes[node].placeCall({ did: '+15125550100', caller: '+15125550123', script: { hangupAfter: 600_000 } });
    await until(`the call on ${node}`, () => events.some((e) => e.type === 'call-arrived' && e.channel === rec.channelId));
    await t.answer(rec.channelId);
    return rec.channelId;
  };
  return { fakes, t, events, logs, call };
}

describe('NodeTelephony on two Asterisk nodes', () => {
  it('takes a call on each node; the ids carry the node name; the inventory is the union and covers both', async () => {
    const { t, fakes, call } = await twoNodes();
    const onA = await call('a');
    const onB = await call('b');
    expect(onA).toMatch(/^a-\d+\.\d+$/);
    expect(onB).toMatch(/^b-\d+\.\d+$/);
    expect(fakes.a.inStasis(onA) && fakes.b.inStasis(onB)).toBe(true);
    const inv = await t.inventory();
    expect(inv.channels.map((c) => c.id).sort()).toEqual([onA, onB].sort());
    expect(inv.covers?.(onA)).toBe(true);
    expect(inv.covers?.(onB)).toBe(true);
    expect(t.connection()).toBe('connected');
  });

  it("a queue's holding bridge is on every node with one of its callers, under one id, with music; destroyed on all", async () => {
    const { t, fakes, call } = await twoNodes();
    const onA = await call('a');
    const onB = await call('b');
    const bridge = 'pbx-queue-scheduling-1';
    await t.createBridge(bridge, 'holding', 'queue scheduling');
    await t.startBridgeMoh(bridge, 'default');
    await t.addToBridge(bridge, onA);
    await t.addToBridge(bridge, onB);
    for (const [fake, ch] of [
      [fakes.a, onA],
      [fakes.b, onB],
    ] as const) {
      expect(fake.bridges().map((b) => b.id)).toEqual([bridge]);
      expect(fake.hearing(ch)).toBe('moh');
    }
    await t.destroyBridge(bridge);
    expect([...fakes.a.bridges(), ...fakes.b.bridges()]).toEqual([]);
  });

  it("an agent leg for a caller on b is originated on b, and bridged with the caller there", async () => {
    const { t, fakes, events, call } = await twoNodes();
    await call('a');
    const onB = await call('b');
    fakes.a.setAgent('PJSIP/1001', { answer: 100 });
    fakes.b.setAgent('PJSIP/1001', { answer: 100 });
    const leg = 'call1-leg-1';
    await t.originate({ channelId: leg, endpoint: 'PJSIP/1001', callerId: '+15125550123', timeout: 20, role: 'agent', caller: onB });
    await until('the leg answered', () => events.some((e) => e.type === 'leg-answered' && e.channel === leg));
    expect(fakes.b.channels().some((c) => c.id === leg)).toBe(true);
    expect(fakes.a.channels().some((c) => c.id === leg)).toBe(false);
    await t.createBridge('pbx-call-call1', 'mixing', 'call call1');
    await t.addToBridge('pbx-call-call1', onB);
    await t.addToBridge('pbx-call-call1', leg);
    expect(fakes.b.hearing(onB)).toBe('party');
    expect(fakes.a.bridges()).toEqual([]);
  });

  it('node b gone past its grace: its caller and its leg end (the caller as node-lost), the call on a goes on; routing goes on with a', async () => {
    const { t, fakes, events, logs, call } = await twoNodes(300);
    const onA = await call('a');
    const onB = await call('b');
    fakes.b.setAgent('PJSIP/1002', { answer: 100 });
    await t.originate({ channelId: 'call2-leg-1', endpoint: 'PJSIP/1002', callerId: '+15125550123', timeout: 20, role: 'agent', caller: onB });
    await until('the leg answered', () => events.some((e) => e.type === 'leg-answered' && e.channel === 'call2-leg-1'));
    // A voicemail recording on b waits for an event b will never send.
    const recording = t.record(onB, 'pbx-vm-call2', { maxDuration: 60, maxSilence: 30, terminateOn: '#' });
    await fakes.b.waitForEvent((e) => e.type === 'RecordingStarted');
    await fakes.b.stop();
    await until('node b written off', () => t.nodes().find((n) => n.name === 'b')!.lost, 3000);
    const ends = events.filter((e) => e.type === 'hangup' || e.type === 'leg-failed');
    expect(ends).toEqual([
      { type: 'hangup', channel: onB, at: expect.any(Number), nodeLost: 'b' },
      { type: 'hangup', channel: 'call2-leg-1', at: expect.any(Number), nodeLost: 'b' },
    ]);
    expect(await recording).toEqual({ end: 'failed', duration: 0, talking: null, silence: null });
    expect(logs.some((l) => /^error: Asterisk node b lost: .* its 1 call\(s\) are written off and its 1 agent leg\(s\) ended; routing goes on with a$/.test(l))).toBe(true);
    // What the engine then does to b's channels is no error: they are gone with their node.
    await t.hangup('call2-leg-1');
    expect(await t.channelStatus(onB)).toBe('gone');
    expect(await t.play(onB, 'pb-x', [])).toBe('hangup');
    // a is untouched and still works.
    expect(fakes.a.inStasis(onA)).toBe(true);
    expect(t.connection()).toBe('connected');
    expect(await t.channelStatus(onA)).toBe('in-app');
    const inv = await t.inventory();
    expect(inv.channels.map((c) => c.id)).toEqual([onA]);
    // A lost node counts as read and empty: a reconcile ends calls left on it.
    expect(inv.covers?.(onB)).toBe(true);
  });

  it('node b cut off past its grace and then back: written off, then used again for new calls', async () => {
    const { t, fakes, events, call } = await twoNodes(300);
    const onB = await call('b');
    fakes.b.cutWebSocket('pbx-router', 1500);
    await until('node b written off', () => t.nodes().find((n) => n.name === 'b')!.lost, 3000);
    expect(events.filter((e) => e.type === 'hangup')).toEqual([{ type: 'hangup', channel: onB, at: expect.any(Number), nodeLost: 'b' }]);
    await until('node b back', () => t.nodes().find((n) => n.name === 'b')!.state === 'connected', 10_000);
    expect(t.nodes().find((n) => n.name === 'b')!.lost).toBe(false);
    const next = await call('b');
    expect(await t.channelStatus(next)).toBe('in-app');
    // The caller written off is still in b's Asterisk: the inventory (the reconcile) finds it there.
    expect((await t.inventory()).channels.map((c) => c.id).sort()).toEqual([onB, next].sort());
  });

  it('node b down but within its grace: nothing is written off, and the inventory does not speak for its calls', async () => {
    const { t, fakes, events, call } = await twoNodes(60_000);
    const onA = await call('a');
    const onB = await call('b');
    await fakes.b.stop();
    await until('b disconnected', () => t.nodes().find((n) => n.name === 'b')!.state !== 'connected');
    const inv = await t.inventory();
    expect(inv.channels.map((c) => c.id)).toEqual([onA]);
    expect(inv.covers?.(onA)).toBe(true);
    expect(inv.covers?.(onB)).toBe(false);
    expect(events.some((e) => e.type === 'hangup')).toBe(false);
  });
});
