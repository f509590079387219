/**
 * Issue 13, found by the fault-injection suite: a caller who hangs up during a voicemail while the
 * ARI event socket is down. The recording's end event is lost with the socket; the message must
 * still be stored (from the file Asterisk kept) and emailed, not wait for an event that never comes.
 */
import { afterEach, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { VoicemailStore } from '../src/store/voicemail-store.js';
import { startLive, type Live } from './scenarios/live-harness.js';

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

it('a caller hangs up during a voicemail while the event socket is cut: the message is kept from the stored recording', async () => {
  live = await startLive({ at: '2026-11-23T10:00', speed: 1, promptMs: 1500 });
  const l = live;
  // Menu 3: the prescription-refill mailbox; the caller talks 5 s after the beep and hangs up at 13 s.
  const call = l.fake.placeCall({ did: '+15125550100', caller: '+15125554001', script: { dtmf: [{ at: 2500, digit: '3' }], speech: [{ at: 6000, ms: 5000 }], hangupAfter: 13_000 } });
  await l.sleep(10_500);
  expect(l.fake.eventLog().some((e) => e.event.type === 'RecordingStarted')).toBe(true);
  l.fake.cutWebSocket('pbx-router', 2000);
  const id = await l.until('the call ended', () => (l.run.store.callByChannel(call.channelId)?.state === 'ended' ? l.run.store.callByChannel(call.channelId)!.id : undefined), 30_000);
  const reader = new Database(l.database, { readonly: true });
  const kept = await l.until('the message stored', () => new VoicemailStore(reader).list().find((v) => v.callId === id), 15_000);
  reader.close();
  expect(kept).toMatchObject({ mailbox: 'rx-refills', recording: `pbx-vm-${id}` });
  expect(kept.duration).toBeGreaterThanOrEqual(5);
  expect(l.logs.some((x) => /recording pbx-vm-.* ended while the event socket was down/.test(x))).toBe(true);
}, 60_000);
