/**
 * Issue 3 scenarios over real HTTP and WebSocket: the engine as `pbx-router run` builds it,
 * against the fake Asterisk 22. Every test ends with no channel and no bridge left behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLive, type Live } from './scenarios/live-harness.js';
import { callOf, nothingLeft, played, ringing } from './scenarios/live-helpers.js';
import { MAIN } from './support/numbers.js';
import { only } from './support/agents.js';

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

/** Desk phones the engine called (agent legs dialled), in order. */
const legsTo = (l: Live) =>
  l
    .events('Dial')
    .filter((e) => e.dialstatus === '')
    .map((e) => (e.peer as { name: string }).name)
    .filter((n) => /^PJSIP\/10\d\d-/.test(n))
    .map((n) => n.slice(0, 10));
/** A caller who presses `digits` (one per second from 2 s after the answer). */
function caller(l: Live, number: string, digits: string[], extra: { hangupAfter?: number } = {}) {
  return l.fake.placeCall({ did: MAIN, caller: number, script: { dtmf: digits.map((digit, i) => ({ at: 2000 + i * 1000, digit })), ...extra } });
}

describe('live calls on the fake Asterisk', () => {
  it('business hours: menu 1 -> scheduling -> agent answers -> bridged -> agent hangs up -> nothing left', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    only(l.run.engine, ['james']);
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

  it('all agents busy: position and wait announcements, then the first agent who frees up takes the call', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    ringing(l);
    only(l.run.engine, []);
    l.fake.setAgent('PJSIP/1001', { answer: 2000, hangupAfter: 20_000 });
    const call = caller(l, '+15125550123', ['1']);
    await l.until('the first announcement', () => played(l, call.channelId).includes('sound:queue-youarenext'));
    await l.sleep(70_000);
    const c = callOf(l, call.channelId)!;
    expect(c.state).toBe('queued');
    // Held in the queue's holding bridge with music on hold, announced more than once.
    const holding = l.fake.bridges().find((b) => (b.channels as string[]).includes(call.channelId))!;
    expect(holding.bridge_type).toBe('holding');
    expect(played(l, call.channelId).filter((m) => m === 'sound:queue-youarenext').length).toBeGreaterThanOrEqual(2);
    l.run.engine.pauseAgent('maria', false);
    await l.until('maria connected', () => l.run.store.call(c.id)?.state === 'connected');
    expect(l.run.store.call(c.id)).toMatchObject({ agent: 'maria', target: 'scheduling' });
    await l.until('the call to end', () => l.run.store.call(c.id)?.state === 'ended');
    expect(l.run.store.call(c.id)!.outcome).toBe('answered');
    await nothingLeft(l);
  });

  it('a priority caller who arrives later overtakes an earlier normal caller', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    ringing(l);
    only(l.run.engine, []);
    l.fake.setAgent('PJSIP/1002', { answer: 1000, hangupAfter: 5000 });
    const normal = caller(l, '+15125550123', ['1'], { hangupAfter: 60_000 });
    await l.until('the normal caller queued', () => callOf(l, normal.channelId)?.state === 'queued');
    const partner = caller(l, '+15125550777', ['1'], { hangupAfter: 60_000 });
    await l.until('the partner queued', () => callOf(l, partner.channelId)?.state === 'queued');
    expect(callOf(l, partner.channelId)!.priority).toBe(3);
    l.run.engine.pauseAgent('james', false);
    await l.until('someone connected', () => l.run.store.openCalls().find((c) => c.state === 'connected'));
    expect(callOf(l, partner.channelId)).toMatchObject({ state: 'connected', agent: 'james', priority: 3 });
    expect(callOf(l, normal.channelId)!.state).toBe('queued');
    await l.until('both calls over', () => l.run.store.openCalls().length === 0);
    await nothingLeft(l);
  });

  it('a Spanish caller gets a Spanish-skilled agent first, and after the relaxation time any agent', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    ringing(l);
    only(l.run.engine, ['james', 'maria']);
    l.fake.setAgent('PJSIP/1001', { answer: 1000, hangupAfter: 3000 });
    l.fake.setAgent('PJSIP/1002', { answer: 1000, hangupAfter: 3000 });
    // james has been idle as long as maria and sorts first, but only maria speaks Spanish.
    const first = caller(l, '+15125550123', ['9', '1']);
    await l.until('the first Spanish caller connected', () => callOf(l, first.channelId)?.state === 'connected');
    expect(callOf(l, first.channelId)).toMatchObject({ agent: 'maria', language: 'es' });
    expect(played(l, first.channelId)).toContain('sound:riverside/main-menu-es');
    await l.until('the first call over', () => callOf(l, first.channelId)?.state === 'ended');
    // Now only james: a Spanish caller waits until the relaxation at 120 s drops the skill.
    only(l.run.engine, ['james']);
    const second = caller(l, '+15125550124', ['9', '1']);
    await l.until('the second Spanish caller queued', () => callOf(l, second.channelId)?.state === 'queued');
    const queuedAt = l.fake.now();
    await l.until('james takes the call after the relaxation', () => callOf(l, second.channelId)?.state === 'connected', 200_000);
    expect(l.fake.now() - queuedAt).toBeGreaterThanOrEqual(115_000);
    expect(callOf(l, second.channelId)!.agent).toBe('james');
    await l.until('the second call over', () => callOf(l, second.channelId)?.state === 'ended');
    await nothingLeft(l);
  });

  it('agent does not answer -> the next agent; repeated misses set the agent not ready', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    ringing(l);
    only(l.run.engine, ['james', 'maria']);
    l.fake.setAgent('PJSIP/1001', { answer: 2000, hangupAfter: 60_000 });
    const first = caller(l, '+15125550123', ['1']);
    await l.until('maria connected', () => callOf(l, first.channelId)?.state === 'connected');
    const id = callOf(l, first.channelId)!.id;
    expect(l.run.store.events(id).filter((e) => e.type === 'offer-missed').map((e) => e.data)).toEqual([{ agent: 'james', reason: 'no-answer' }]);
    expect(legsTo(l)).toEqual(['PJSIP/1002', 'PJSIP/1001']);
    expect(l.run.engine.agentState('james')).toBe('available');
    const second = caller(l, '+15125550124', ['1'], { hangupAfter: 40_000 });
    await l.until('james set not ready after his second miss', () => l.run.engine.agentState('james') === 'paused');
    expect(l.run.store.lastAgentStates().find((a) => a.agent === 'james')).toMatchObject({ state: 'paused' });
    await l.until('both calls over', () => callOf(l, first.channelId)?.state === 'ended' && callOf(l, second.channelId)?.state === 'ended');
    expect(callOf(l, second.channelId)!.outcome).toBe('abandoned');
    await nothingLeft(l);
  });

  it('an unregistered phone is skipped at once (Allocation failed), and the next agent answers', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    ringing(l);
    only(l.run.engine, ['james', 'maria']);
    l.fake.setAgent('PJSIP/1002', 'unregistered');
    l.fake.setAgent('PJSIP/1001', { answer: 1000, hangupAfter: 5000 });
    const call = caller(l, '+15125550123', ['1']);
    await l.until('connected', () => callOf(l, call.channelId)?.state === 'connected', 10_000);
    expect(callOf(l, call.channelId)!.agent).toBe('maria');
    await l.until('the call over', () => callOf(l, call.channelId)?.state === 'ended');
    await nothingLeft(l);
  });

  it('a caller who hangs up while waiting is recorded as abandoned and leaves no bridge behind', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    ringing(l);
    only(l.run.engine, []);
    const call = caller(l, '+15125550123', ['2'], { hangupAfter: 45_000 });
    await l.until('queued', () => callOf(l, call.channelId)?.state === 'queued');
    await l.until('ended', () => callOf(l, call.channelId)?.state === 'ended');
    expect(callOf(l, call.channelId)).toMatchObject({ outcome: 'abandoned', target: 'billing' });
    await nothingLeft(l);
  });

  it('maximum wait (600 s): the caller goes to the overflow, voicemail front-desk', async () => {
    live = await startLive({ at: '2026-11-23T10:00', speed: 100 });
    const l = live;
    ringing(l);
    only(l.run.engine, []);
    const call = caller(l, '+15125550123', ['1'], { hangupAfter: 640_000 });
    await l.until('queued', () => callOf(l, call.channelId)?.state === 'queued');
    const queuedAt = l.fake.now();
    await l.until('the voicemail recording', () => l.events('RecordingStarted').length > 0, 700_000);
    expect(l.fake.now() - queuedAt).toBeGreaterThanOrEqual(595_000);
    await l.until('ended', () => callOf(l, call.channelId)?.state === 'ended', 200_000);
    expect(callOf(l, call.channelId)!.outcome).toBe('voicemail');
    await nothingLeft(l);
  });

  it('three invalid keys: the front-desk ring group; the first to answer takes the call, the others stop ringing', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    ringing(l);
    l.fake.setAgent('PJSIP/1002', { answer: 4000, hangupAfter: 10_000 });
    const call = caller(l, '+15125550123', ['7', '8', '0']);
    await l.until('connected', () => callOf(l, call.channelId)?.state === 'connected');
    expect(callOf(l, call.channelId)!.agent).toBe('james');
    expect(legsTo(l).sort()).toEqual(['PJSIP/1001', 'PJSIP/1002', 'PJSIP/1006']);
    // Only the caller and james are left: the other two phones stopped ringing.
    await l.until('two channels', () => l.fake.channels().filter((c) => !(c.name as string).startsWith('Local/')).length === 1);
    await l.until('ended', () => callOf(l, call.channelId)?.state === 'ended');
    await nothingLeft(l);
  });

  it('* while waiting stores a callback request that keeps the caller place, confirms it and ends the call', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    ringing(l);
    only(l.run.engine, []);
    const call = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: [{ at: 2000, digit: '1' }, { at: 90_000, digit: '*' }] } });
    await l.until('ended', () => callOf(l, call.channelId)?.state === 'ended');
    const c = callOf(l, call.channelId)!;
    expect(c.outcome).toBe('callback');
    const [cb] = l.run.store.callbacks(true);
    expect(cb).toMatchObject({ callId: c.id, list: 'callbacks', number: '+15125550123', reason: 'queue-callback', site: 'riverside' });
    expect(cb!.createdAt).toBeLessThan(l.fake.now() - 60_000);
    expect(played(l, call.channelId)).toContain('sound:pbx-router/callback-confirmed');
    await nothingLeft(l);
  });

  it('* from a caller id nobody can call back (60 digits) stores nothing: the caller keeps waiting with music', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    ringing(l);
    only(l.run.engine, []);
    const caller = `+1${'5'.repeat(59)}`;
    const t0 = l.fake.now();
    const call = l.fake.placeCall({ did: MAIN, caller, script: { dtmf: [{ at: 2000, digit: '1' }, { at: 30_000, digit: '*' }], hangupAfter: 45_000 } });
    await l.until('the * pressed', () => l.fake.now() > t0 + 36_000 || undefined);
    expect(l.fake.hearing(call.channelId)).toBe('moh');
    await l.until('ended', () => callOf(l, call.channelId)?.state === 'ended');
    expect(callOf(l, call.channelId)!.outcome).toBe('abandoned');
    expect(l.run.store.callbacks(true)).toEqual([]);
    await nothingLeft(l);
  });
});
