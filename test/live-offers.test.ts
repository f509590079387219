/**
 * Offers that end without the agent (found by the busy-hour demo): an agent whose phone was ringing
 * for a caller who then hung up, or who lost a ring-all to a colleague, is free for the next caller
 * at once, not left "ringing" for ever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLive, type Live } from './scenarios/live-harness.js';
import { callOf, nothingLeft } from './scenarios/live-helpers.js';
import { MAIN } from './support/numbers.js';
import { only } from './support/agents.js';

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

describe('an offer withdrawn from a ringing agent', () => {
  it('the caller hangs up while the agent phone rings: the agent is available again and takes the next caller', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    only(l.run.engine, ['james']);
    l.fake.setAgent('PJSIP/1002', { answer: 12_000, hangupAfter: 20_000 });
    const first = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: [{ at: 3000, digit: '1' }] } });
    await l.until('james ringing', () => l.run.engine.agentState('james') === 'ringing');
    l.fake.hangupCaller(first.channelId);
    await l.until('the first call over', () => callOf(l, first.channelId)?.state === 'ended');
    expect(callOf(l, first.channelId)!.outcome).toBe('abandoned');
    await l.until('james available again', () => l.run.engine.agentState('james') === 'available', 5000);
    l.fake.setAgent('PJSIP/1002', { answer: 2000, hangupAfter: 10_000 });
    const second = l.fake.placeCall({ did: MAIN, caller: '+15125550124', script: { dtmf: [{ at: 3000, digit: '1' }] } });
    await l.until('the second caller connected to james', () => callOf(l, second.channelId)?.state === 'connected');
    expect(callOf(l, second.channelId)!.agent).toBe('james');
    await l.until('the second call over', () => callOf(l, second.channelId)?.state === 'ended');
    await nothingLeft(l);
  });

  it('ring-all front desk: the colleagues who did not answer are available again at once, not ringing', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    for (const p of ['PJSIP/1001', 'PJSIP/1006']) l.fake.setAgent(p, 'noanswer');
    l.fake.setAgent('PJSIP/1002', { answer: 3000, hangupAfter: 30_000 });
    const call = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: ['7', '8', '0'].map((digit, i) => ({ at: 2000 + i * 1000, digit })) } });
    await l.until('connected to james', () => callOf(l, call.channelId)?.state === 'connected');
    await l.until('maria and emily available', () => l.run.engine.agentState('maria') === 'available' && l.run.engine.agentState('emily') === 'available', 5000);
    expect(l.run.engine.agentState('james')).toBe('busy');
    await l.until('the call over', () => callOf(l, call.channelId)?.state === 'ended');
    await nothingLeft(l);
  });
});
