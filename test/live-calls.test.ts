/**
 * Issue 3 scenarios over real HTTP and WebSocket: the engine as `pbx-router run` builds it,
 * against the fake Asterisk 22. Every test ends with no channel and no bridge left behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLive, type Live } from './scenarios/live-harness.js';

const MAIN = '+15125550100';
let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

/** Only these agents take calls (the others are paused, as if on lunch). */
function only(l: Live, keep: string[]) {
  for (const id of l.run.engine.currentPlan().agents.keys()) if (!keep.includes(id)) l.run.engine.agents.pause(id, true);
}

describe('live calls on the fake Asterisk', () => {
  it('business hours: menu 1 -> scheduling -> agent answers -> bridged -> agent hangs up -> nothing left', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    only(l, ['james']);
    l.fake.setAgent('PJSIP/1002', { answer: 3000, hangupAfter: 60_000 });
    const call = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: [{ at: 3000, digit: '1' }] } });
    const open = await l.until('the call to be connected', () => l.run.store.openCalls().find((c) => c.state === 'connected'));
    expect(open).toMatchObject({ agent: 'james', target: 'scheduling', did: MAIN, caller: '+15125550123' });
    const mixing = await l.until('a mixing bridge with both', () => l.fake.bridges().find((b) => (b.channels as string[]).includes(call.channelId) && (b.channels as string[]).length === 2));
    expect(mixing.bridge_type).toBe('mixing');
    await l.until('the call to end', () => l.run.store.call(open.id)?.state === 'ended');
    expect(l.run.store.call(open.id)).toMatchObject({ outcome: 'answered', agent: 'james' });
    await l.until('no channels and bridges', () => l.fake.channels().length === 0 && l.fake.bridges().length === 0);
  });
});
