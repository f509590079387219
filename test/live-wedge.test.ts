/**
 * Issue 18's watchdog, on the fake Asterisk: a caller's channel that stops acting on requests (the
 * fake wedges it) is noticed within seconds, handed to the failsafe, hung up, and counted as wedged
 * in status and /metrics with its call's stored outcome saying so, never left unnoticed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildAdmin, status, type AdminDeps } from '../src/http/admin.js';
import { startLive, type Live } from './scenarios/live-harness.js';
import { callOf } from './scenarios/live-helpers.js';
import { MAIN } from './support/numbers.js';
import { only } from './support/agents.js';

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

describe('a wedged channel is noticed', () => {
  it('* while waiting on a channel Asterisk no longer acts on: logged, failsafe tried, hangup tried, wedged in status and /metrics, outcome wedged', async () => {
    live = await startLive({ at: '2026-11-23T10:00', speed: 20 });
    const l = live;
    only(l.run.engine, []);
    const call = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: [{ at: 2000, digit: '1' }, { at: 20_000, digit: '*' }] } });
    await l.until('queued', () => callOf(l, call.channelId)?.state === 'queued');
    l.fake.wedge(call.channelId);
    const c = await l.until('the call ended as wedged', () => callOf(l, call.channelId)?.outcome === 'wedged' && callOf(l, call.channelId), 400_000);
    const log = l.logs.join('\n');
    expect(log).toContain(`channel ${call.channelId} is not responding (playback ${c.id}-pb-`);
    expect(log).toContain('handing it to the failsafe dialplan');
    expect(log).toMatch(new RegExp(`call ${c.id}: channel ${call.channelId} is wedged in Asterisk`));
    const types = l.run.store.events(c.id).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['callback-requested', 'stalled', 'failsafe', 'wedged']));
    expect(l.run.store.events(c.id).find((e) => e.type === 'wedged')?.data).toMatchObject({ channel: call.channelId, outcomeBefore: 'failsafe' });
    expect(l.run.engine.wedgedChannels()).toEqual([expect.objectContaining({ channel: call.channelId, call: c.id })]);
    const token = 't'.repeat(16);
    const deps: AdminDeps = { engine: l.run.engine, token, health: () => ({ ari: 'connected', ami: null }), reload: () => ({ ok: true, version: 'x' }) };
    expect(status(deps)).toMatchObject({ wedged: [expect.objectContaining({ channel: call.channelId })] });
    const admin = buildAdmin(deps);
    const m = (await admin.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).body;
    await admin.close();
    expect(m).toMatch(/^pbx_router_channels_wedged 1$/m);
    // Asterisk still has it: only a restart of Asterisk frees it.
    expect(l.fake.channels().some((x) => x.id === call.channelId)).toBe(true);
  }, 60_000);
});
