/** Small helpers shared by the live scenario tests (the engine from startLive against the fake Asterisk). */
import type { Live } from './live-harness.js';

/** The example clinic's desk phones. */
export const PHONES = ['PJSIP/1001', 'PJSIP/1002', 'PJSIP/1003', 'PJSIP/1004', 'PJSIP/1005', 'PJSIP/1006', 'PJSIP/1007'];

/** Every desk phone registered and ringing without an answer, unless a test says otherwise. */
export function ringing(l: Live): void {
  for (const p of PHONES) l.fake.setAgent(p, 'noanswer');
}

/** The stored call of a caller's channel. */
export const callOf = (l: Live, channel: string) => l.run.store.callByChannel(channel);

/** Waits until the fake holds no channel and no bridge. */
export const nothingLeft = (l: Live) => l.until('no channels and no bridges left', () => l.fake.channels().length === 0 && l.fake.bridges().length === 0);

/** Media the fake started playing to a channel, in order. */
export const played = (l: Live, channel: string) =>
  l
    .events('PlaybackStarted')
    .filter((e) => (e.playback as { target_uri: string }).target_uri === `channel:${channel}`)
    .map((e) => (e.playback as { media_uri: string }).media_uri);
