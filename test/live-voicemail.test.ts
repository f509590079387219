/**
 * Voicemail on the fake Asterisk with other callers around (found by the busy-hour demo): a caller
 * who overflows out of a queue that others still wait in is recorded, and a caller who says
 * nothing to a mailbox (# at once) hears goodbye and is hung up, never left on a silent line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLive, type Live } from './scenarios/live-harness.js';
import { MAIN } from './support/numbers.js';

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

const onChannel = (l: Live, type: string, channel: string) => l.events(type).filter((e) => JSON.stringify(e).includes(`channel:${channel}`));
const nothingLeft = (l: Live) => l.until('no channels and no bridges left', () => l.fake.channels().length === 0 && l.fake.bridges().length === 0);

describe('voicemail among other callers, live', () => {
  it('overflow after the maximum wait while others still wait: the caller leaves the holding bridge and the message is recorded', async () => {
    live = await startLive({ at: '2026-11-23T10:00', speed: 100 });
    const l = live;
    for (const id of l.run.engine.currentPlan().agents.keys()) l.run.engine.pauseAgent(id, true);
    // Talks from the answer until 700 s: the message runs from the beep to then, and silence ends it.
    const first = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: [{ at: 2000, digit: '1' }], speech: [{ at: 0, ms: 700_000 }] } });
    await l.until('the first caller queued', () => l.run.store.callByChannel(first.channelId)?.state === 'queued');
    await l.sleep(60_000);
    // Still waiting when the first caller overflows (about 600 s in), gone before its own maximum wait.
    const second = l.fake.placeCall({ did: MAIN, caller: '+15125550124', script: { dtmf: [{ at: 2000, digit: '1' }], hangupAfter: 580_000 } });
    await l.until('the second caller queued', () => l.run.store.callByChannel(second.channelId)?.state === 'queued');
    await l.until('the first call over', () => l.run.store.callByChannel(first.channelId)?.state === 'ended', 900_000);
    expect(l.run.store.callByChannel(first.channelId)!.outcome).toBe('voicemail');
    expect(onChannel(l, 'RecordingFailed', first.channelId)).toEqual([]);
    const [finished] = onChannel(l, 'RecordingFinished', first.channelId);
    expect((finished!.recording as { duration: number }).duration).toBeGreaterThan(60);
    await l.until('the second call over', () => l.run.store.callByChannel(second.channelId)?.state === 'ended', 200_000);
    expect(l.run.store.callByChannel(second.channelId)!.outcome).toBe('abandoned');
    await nothingLeft(l);
  });

  it('a caller who presses # at once leaves nothing: not kept, goodbye, hung up (no silent line left behind)', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    const call = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: [{ at: 2000, digit: '3' }] } });
    await l.until('the recording started', () => onChannel(l, 'RecordingStarted', call.channelId).length > 0);
    l.fake.sendDtmf(call.channelId, '#');
    await l.until('the call over', () => l.run.store.callByChannel(call.channelId)?.state === 'ended');
    expect(l.logs.join('\n')).toMatch(/voicemail for rx-refills was empty \(done\); not kept/);
    await l.until('goodbye played', () => l.events('PlaybackStarted').some((e) => (e.playback as { media_uri: string }).media_uri === 'sound:vm-goodbye'));
    await nothingLeft(l);
  });
});
