import { afterEach, describe, expect, it } from 'vitest';
import { AmiPresence, presenceOf } from '../src/asterisk/ami-presence.js';
import type { PresenceState } from '../src/calls/agents.js';
import { FakeAmi } from './fakes/fake-ami.js';

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const stops: (() => unknown)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

describe('presence from AMI over real TCP', () => {
  it('maps device states', () => {
    expect(['NOT_INUSE', 'RINGING', 'INUSE', 'BUSY', 'ONHOLD', 'UNAVAILABLE', 'INVALID', 'UNKNOWN'].map(presenceOf)).toEqual(['reachable', 'reachable', 'in-use', 'in-use', 'in-use', 'unreachable', 'unreachable', 'unreachable']);
  });

  it('reads DeviceStateList at connect, follows changes, and re-syncs after a dropped connection', async () => {
    const ami = new FakeAmi('router', 'ami-secret');
    ami.devices.set('PJSIP/1001', 'NOT_INUSE');
    ami.devices.set('PJSIP/1002', 'UNAVAILABLE');
    ami.devices.set('MWI:100@default', 'INUSE');
    const port = await ami.start();
    stops.push(() => ami.stop());
    const seen: Record<string, PresenceState> = {};
    const logs: string[] = [];
    const p = new AmiPresence({ host: '127.0.0.1', port, user: 'router', password: 'ami-secret' }, new Map([['PJSIP/1001', 'maria'], ['PJSIP/1002', 'james']]), (agent, presence) => (seen[agent] = presence), (m) => logs.push(m));
    p.start();
    stops.push(() => p.stop());
    await until(() => seen.james === 'unreachable' && seen.maria === 'reachable');
    expect(p.health()).toEqual({ state: 'connected', fullyBooted: true });
    expect(ami.actions.map((a) => a.action?.toLowerCase())).toEqual(['login', 'devicestatelist']);
    ami.deviceState('PJSIP/1001', 'INUSE');
    await until(() => seen.maria === 'in-use');
    ami.contactStatus('1001', 'Removed');
    await until(() => seen.maria === 'unreachable');
    ami.dropAll();
    await until(() => p.health().state === 'disconnected');
    ami.devices.set('PJSIP/1002', 'NOT_INUSE');
    await until(() => seen.james === 'reachable', 10_000);
    expect(logs.some((l) => /reconnecting/.test(l))).toBe(true);
  });

  it('a wrong secret is reported and retried, not fatal', async () => {
    const ami = new FakeAmi('router', 'right');
    const port = await ami.start();
    stops.push(() => ami.stop());
    const logs: string[] = [];
    const p = new AmiPresence({ host: '127.0.0.1', port, user: 'router', password: 'wrong' }, new Map(), () => {}, (m) => logs.push(m));
    p.start();
    stops.push(() => p.stop());
    await until(() => logs.some((l) => /login as router refused: Authentication failed|connection (closed|ended)/.test(l)));
    expect(p.health().state).not.toBe('connected');
  });
});

describe('presence changes routing', () => {
  it('a phone that AMI reports unavailable is not offered calls; once registered again it is', async () => {
    const { engineOnFakePbx } = await import('./support/engine-fixture.js');
    const { plan, clock, pbx, store, engine } = engineOnFakePbx({ at: '2026-11-23T10:00' });
    for (const id of plan.agents.keys()) if (id !== 'james' && id !== 'maria') engine.pauseAgent(id, true);
    for (const a of plan.agents.values()) pbx.agent(a.endpoint, { answerAfter: 1000 });

    const ami = new FakeAmi();
    ami.devices.set('PJSIP/1001', 'NOT_INUSE');
    ami.devices.set('PJSIP/1002', 'UNAVAILABLE');
    const port = await ami.start();
    stops.push(() => ami.stop());
    const byDevice = new Map([...plan.agents.values()].map((a) => [a.endpoint, a.id]));
    const p = new AmiPresence({ host: '127.0.0.1', port, user: 'router', password: 'ami-secret' }, byDevice, (agent, presence) => engine.agentPresence(agent, presence));
    p.start();
    stops.push(() => p.stop());
    await until(() => engine.agentState('james') === 'offline');

    const ch = pbx.call('+15125550100', '+15125550123');
    await clock.advance(500);
    pbx.press(ch, '1');
    await clock.advance(3000);
    // james (idle as long as maria, first by id) is offline: maria gets the call.
    expect(pbx.originated).toEqual(['PJSIP/1001']);
    expect(store.openCalls()[0]).toMatchObject({ state: 'connected', agent: 'maria' });

    ami.deviceState('PJSIP/1002', 'NOT_INUSE');
    await until(() => engine.agentState('james') === 'available');
    ami.deviceState('PJSIP/1002', 'INUSE');
    await until(() => engine.agentState('james') === 'busy');
  });
});

describe('presence after a config reload', () => {
  it("an agent given another desk phone follows that phone's presence at once, and no longer the old one's", async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { startLive } = await import('./scenarios/live-harness.js');
    const ami = new FakeAmi('router', 'ami-secret');
    ami.devices.set('PJSIP/1001', 'NOT_INUSE');
    ami.devices.set('PJSIP/1009', 'UNAVAILABLE');
    const port = await ami.start();
    stops.push(() => ami.stop());
    const config = join(mkdtempSync(join(tmpdir(), 'pbx-ami-reload-')), 'clinic.yaml');
    const original = readFileSync('config/example-clinic.yaml', 'utf8');
    writeFileSync(config, original);
    const live = await startLive({ at: '2026-11-23T10:00', config, env: { ASTERISK_AMI_PASSWORD: 'ami-secret', ASTERISK_AMI_PORT: String(port) } });
    stops.push(() => live.stop());
    const maria = () => live.run.engine.agentState('maria');
    await until(() => ami.actions.some((a) => a.action?.toLowerCase() === 'devicestatelist'));
    expect(maria()).toBe('available');
    // Maria moves to the phone in the back office, which is not registered yet.
    writeFileSync(config, readFileSync(config, 'utf8').replace('endpoint: PJSIP/1001', 'endpoint: PJSIP/1009'));
    expect(live.run.reload()).toMatchObject({ ok: true });
    await until(() => maria() === 'offline');
    expect(ami.actions.filter((a) => a.action?.toLowerCase() === 'devicestatelist')).toHaveLength(2);
    ami.deviceState('PJSIP/1009', 'NOT_INUSE');
    await until(() => maria() === 'available');
    // Her old phone in use is somebody else's call now.
    ami.deviceState('PJSIP/1001', 'INUSE');
    await new Promise((r) => setTimeout(r, 200));
    expect(maria()).toBe('available');
  });
});

describe('the failsafe voicemail box over AMI (VoicemailBoxSummary, MessageWaiting)', () => {
  const connected = async (ami: FakeAmi) => {
    const port = await ami.start();
    stops.push(() => ami.stop());
    const p = new AmiPresence({ host: '127.0.0.1', port, user: 'router', password: 'ami-secret', actionTimeoutMs: 2000 }, new Map(), () => {});
    let changes = 0;
    p.watchMailbox('100@default', () => changes++);
    p.start();
    stops.push(() => p.stop());
    await until(() => p.health().state === 'connected' && changes === 1);
    return { p, changes: () => changes };
  };

  it('lists every message with the fields Asterisk sends; MessageWaiting for the box calls the watcher', async () => {
    const ami = new FakeAmi();
    ami.leaveVoicemail('100@default', { callerId: '"Jane Doe" <+15125550123>', at: Date.UTC(2026, 10, 24, 23, 5, 3), duration: 42 });
    const { p, changes } = await connected(ami);
    expect(await p.mailboxSummary('100@default')).toEqual([{ id: expect.stringMatching(/^1795561503-[0-9a-f]{8}$/), folder: 'INBOX', callerId: '"Jane Doe" <+15125550123>', date: 'Tue Nov 24 11:05:03 PM UTC 2026', duration: '42', flag: '' }]);
    ami.leaveVoicemail('100@default', { callerId: 'Unknown', at: Date.UTC(2026, 10, 25, 0, 0, 0), duration: 3 });
    await until(() => changes() === 2);
    expect((await p.mailboxSummary('100@default')).map((m) => m.date)).toEqual(['Tue Nov 24 11:05:03 PM UTC 2026', 'Wed Nov 25 12:00:00 AM UTC 2026']);
  });

  it('an unknown box (a plain Success, no list) and a user without call or reporting (Permission denied) are errors that say so', async () => {
    const { p } = await connected(new FakeAmi());
    await expect(p.mailboxSummary('200@default')).rejects.toThrow(/200@default: There is no voicemail user matching the given user/);
    const { p: denied } = await connected(new FakeAmi('router', 'ami-secret', 'system'));
    await expect(denied.mailboxSummary('100@default')).rejects.toThrow(/VoicemailBoxSummary 100@default refused: Permission denied/);
  });
});

describe('AMI gone', () => {
  it('stopped while its connection is being refused: the late socket error does not end the process', async () => {
    const errors: unknown[] = [];
    const onError = (e: unknown) => void errors.push(e);
    // Vitest turns an uncaught exception into a failed run; listening here counts it instead.
    process.on('uncaughtException', onError);
    try {
      const p = new AmiPresence({ host: '127.0.0.1', port: 1, user: 'router', password: 'x' }, new Map(), () => {}, () => {});
      p.start();
      p.stop();
      await new Promise((r) => setTimeout(r, 500));
      expect(p.health().state).toBe('stopped');
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toEqual([]);
  });
});
