/** Presence merged over two Asterisk nodes' AMI (issue 19), each a fake AMI over real TCP. */
import { afterEach, describe, expect, it } from 'vitest';
import { NodePresence } from '../src/asterisk/node-presence.js';
import type { PresenceState } from '../src/calls/agents.js';
import { FakeAmi } from './fakes/fake-ami.js';

const until = async (what: string, cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const stops: (() => unknown)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

describe('NodePresence', () => {
  it('in use on any node is in use, else reachable on any node is reachable; a node that drops counts for nothing', async () => {
    const amis = { a: new FakeAmi('router', 'ami-secret'), b: new FakeAmi('router', 'ami-secret') };
    // Both nodes qualify the phone through Kamailio: both see it reachable.
    for (const ami of Object.values(amis)) ami.devices.set('PJSIP/1001', 'NOT_INUSE');
    const ports = { a: await amis.a.start(), b: await amis.b.start() };
    stops.push(() => amis.a.stop(), () => amis.b.stop());
    const seen: PresenceState[] = [];
    const p = new NodePresence(
      (['a', 'b'] as const).map((name) => ({ name, settings: { host: '127.0.0.1', port: ports[name], user: 'router', password: 'ami-secret' } })),
      new Map([['PJSIP/1001', 'maria']]),
      (agent, presence) => agent === 'maria' && seen.push(presence),
    );
    p.start();
    stops.push(() => p.stop());
    await until('both connected', () => p.nodeStates().every((n) => n.state === 'connected'));
    await until('maria reachable', () => seen.at(-1) === 'reachable');
    // A call on node b: only b's device state says in use.
    amis.b.deviceState('PJSIP/1001', 'INUSE');
    await until('maria in use', () => seen.at(-1) === 'in-use');
    // Node b's AMI drops: its word no longer counts; a says reachable.
    await amis.b.stop();
    await until('maria reachable again', () => seen.at(-1) === 'reachable');
    expect(p.health().state).toBe('connected');
    amis.a.deviceState('PJSIP/1001', 'UNAVAILABLE');
    await until('maria unreachable', () => seen.at(-1) === 'unreachable');
    expect(seen).toEqual(['reachable', 'in-use', 'reachable', 'unreachable']);
  });
});
