/**
 * Issue 3 resilience scenarios over real HTTP and WebSocket: the engine restarted while 20 callers
 * wait, and the ARI event socket cut for 5 s while calls are in progress. Asterisk replays nothing
 * after either (no second StasisStart, the events of the gap are lost): the engine reconciles.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLive, type Live } from './scenarios/live-harness.js';
import { callOf, nothingLeft, PHONES } from './scenarios/live-helpers.js';
import { MAIN } from './support/numbers.js';
import { only } from './support/agents.js';

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

/** The time of a call's first event of a type (ms), or Infinity. */
const firstEvent = (l: Live, callId: string, type: string) => l.run.store.events(callId).find((e) => e.type === type)?.at ?? Number.POSITIVE_INFINITY;

describe('live calls survive a restart and a socket cut', () => {
  it('the engine restarted while 20 callers wait: all resume with their place, none dropped, served in order', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    only(l.run.engine, []);
    // 20 scheduling callers, one every 300 ms, who wait as long as it takes.
    const calls = [];
    for (let i = 0; i < 20; i++) {
      calls.push(l.fake.placeCall({ did: MAIN, caller: `+1512555${1000 + i}`, script: { dtmf: [{ at: 2000, digit: '1' }] } }));
      await l.sleep(300);
    }
    await l.until('20 callers queued', () => l.run.store.openCalls().filter((c) => c.state === 'queued').length === 20);
    const places = new Map(l.run.store.waiting().map((w) => [w.callId, w]));
    // A caller is 'queued' as soon as the engine decides; joining the holding bridge follows.
    await l.until('20 callers in the holding bridge', () => (l.fake.bridges().find((b) => String(b.id).startsWith('pbx-queue-scheduling-'))?.channels as string[] | undefined)?.length === 20);
    const holding = String(l.fake.bridges().find((b) => String(b.id).startsWith('pbx-queue-scheduling-'))!.id);

    await l.restart();
    await l.until('the restarted engine reconciled', () => l.logs.filter((m) => m.startsWith('reconciled')).length === 2, 20_000);
    expect(l.logs.filter((m) => m.startsWith('reconciled'))[1]).toContain('20 call(s) resumed, 0 ended meanwhile');
    expect(Object.values(l.run.engine.queueSnapshot()).reduce((n, q) => n + q.waiting, 0)).toBe(20);
    // Same queue entries, same arrival times, same holding bridge, still paused agents: nothing started over.
    for (const w of l.run.store.waiting()) expect(places.get(w.callId)).toMatchObject({ id: w.id, enteredAt: w.enteredAt, queue: 'scheduling' });
    expect(l.fake.bridges().map((b) => [b.id, (b.channels as string[]).length])).toEqual([[holding, 20]]);
    expect(l.run.engine.agentState('maria')).toBe('paused');
    expect(l.events('StasisStart').filter((e) => (e.args as string[])[0] === MAIN.slice(1)).length).toBe(20);

    for (const p of PHONES) l.fake.setAgent(p, { answer: 1000, hangupAfter: 3000 });
    only(l.run.engine, ['james', 'maria', 'aisha', 'emily']);
    await l.until('every caller answered', () => l.run.store.openCalls().length === 0, 400_000);
    const ids = calls.map((c) => callOf(l, c.channelId)!.id);
    for (const id of ids) expect(l.run.store.call(id)).toMatchObject({ state: 'ended', outcome: 'answered' });
    // First come, first offered: each caller's first offer is no earlier than the one who came before.
    const offered = ids.map((id) => firstEvent(l, id, 'offer'));
    expect(offered).toEqual([...offered].sort((a, b) => a - b));
    await nothingLeft(l);
  }, 60_000);

  it('the event socket cut for 5 s mid-call: the talking call stays up, a hangup in the gap is noticed, the waiting caller is served', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    only(l.run.engine, ['maria']);
    for (const p of PHONES) l.fake.setAgent(p, 'noanswer');
    l.fake.setAgent('PJSIP/1001', { answer: 1000, hangupAfter: 30_000 });
    const talking = l.fake.placeCall({ did: MAIN, caller: '+15125551001', script: { dtmf: [{ at: 2000, digit: '1' }] } });
    await l.until('the first caller connected', () => callOf(l, talking.channelId)?.state === 'connected');
    const waiting = l.fake.placeCall({ did: MAIN, caller: '+15125551002', script: { dtmf: [{ at: 2000, digit: '1' }] } });
    // This caller gives up 2 s into the cut: the hangup's events are lost with the socket.
    const leaving = l.fake.placeCall({ did: MAIN, caller: '+15125551003', script: { dtmf: [{ at: 2000, digit: '1' }], hangupAfter: 12_000 } });
    await l.until('two callers queued', () => callOf(l, waiting.channelId)?.state === 'queued' && callOf(l, leaving.channelId)?.state === 'queued');
    const answeredAt = callOf(l, leaving.channelId)!.answeredAt!;
    await l.until('ten seconds after the leaving caller was answered', () => l.fake.now() >= answeredAt + 10_000);
    expect(l.fake.cutWebSocket('pbx-router', 5000)).toBe(true);
    await l.until('the engine to notice', () => l.run.connection() !== 'connected', 5000);
    await l.until('the engine reconnected', () => l.run.connection() === 'connected' && l.fake.isConnected('pbx-router'), 60_000);
    expect(l.fake.eventLog().some((e) => e.delivery === 'lost' && e.event.type === 'StasisEnd' && (e.event.channel as { id: string }).id === leaving.channelId)).toBe(true);
    await l.until('the hangup in the gap noticed', () => callOf(l, leaving.channelId)?.state === 'ended', 10_000);
    expect(callOf(l, leaving.channelId)!.outcome).toBe('abandoned');
    expect(callOf(l, talking.channelId)!.state).toBe('connected');
    await l.until('the talking call over', () => callOf(l, talking.channelId)?.state === 'ended');
    expect(callOf(l, talking.channelId)).toMatchObject({ outcome: 'answered', agent: 'maria' });
    await l.until('the waiting caller served by maria after her wrap-up', () => callOf(l, waiting.channelId)?.state === 'connected', 120_000);
    await l.until('the waiting call over', () => callOf(l, waiting.channelId)?.state === 'ended');
    expect(callOf(l, waiting.channelId)).toMatchObject({ outcome: 'answered', agent: 'maria' });
    await nothingLeft(l);
  }, 60_000);
});
