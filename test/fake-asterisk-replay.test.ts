/**
 * Replays of the Asterisk 22.10.1 transcripts against the fake (see fake-asterisk/replay).
 * Each REST answer must equal the recorded one (status, header names in order, Content-type,
 * Location, Allow, WWW-Authenticate, body JSON text with ids mapped and times masked). The
 * events must equal the recorded ones per subject (each channel, playback, recording, bridge),
 * in order and as whole JSON texts (key order included); only the lab's sim-hold/sim-caller
 * dialplan noise is left out. Interleaving with REST answers is not required (it varies).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';
import { replay, type ReplayOptions } from './fake-asterisk/replay/runner.js';

/** What baresip phone 1001 did in 14, as the notes say. */
function phone1001(text: string, fake: FakeAsterisk): void {
  if (text.startsWith('starting baresip phone 1001')) fake.setAgent('PJSIP/1001', 'manual');
  else if (text.startsWith('phone 1001 answers now')) fake.answerAgent('PJSIP/1001');
  else if (text.startsWith('phone 1001 hangs up now')) fake.hangupAgent('PJSIP/1001');
  else if (text.startsWith('stopping baresip phone 1001')) fake.setAgent('PJSIP/1001', 'unregistered');
}

/** The SIPp carrier call of 17: DTMF 2 by RFC 4733 about 3.15 s after the answer. */
function sipp(text: string, fake: FakeAsterisk): void {
  if (text.startsWith('SIPp started')) {
    fake.placeCall({ did: '5551234', caller: '5550199', callerName: 'Carrier Caller', via: 'pjsip', sipCallId: '1-18104@127.0.0.1', script: { dtmf: [{ at: 3146, digit: '2' }] } });
  }
}

/** The desk phone of 18: registers, dials 5551234, hangs up with a BYE. */
function deskPhone(text: string, fake: FakeAsterisk): void {
  if (text.startsWith('phone-start 1001')) fake.setAgent('PJSIP/1001', 'manual');
  else if (text.startsWith('phone 1001 dials 5551234')) fake.placeCall({ did: '5551234', caller: '', fromEndpoint: 'PJSIP/1001', sipCallId: '20f2449fb9c11b25' });
  else if (text.startsWith('phone 1001 hangs up now')) fake.hangupAgent('PJSIP/1001');
}

const FLOWS: readonly (ReplayOptions & { readonly title: string })[] = [
  { prefix: '01-', title: 'inbound call: answer, play, DTMF, app hangs up, no ChannelDestroyed' },
  { prefix: '01b', title: 'the same with subscribeAll (both Local halves, Dial, dialplan)', notModelled: ['DeviceStateChanged'] },
  { prefix: '02-', title: 'caller hangs up during a playback' },
  { prefix: '03-', title: 'missing sound, media list with a missing item, unknown scheme' },
  { prefix: '04-', title: 'holding bridge with MOH, restarted MOH announcer in ChannelLeftBridge' },
  { prefix: '04b', title: 'holding bridge trial run (no header list recorded)' },
  { prefix: '05-', title: 'agent answers, whisper, mixing bridge, agent hangs up' },
  { prefix: '06-', title: 'agent busy' },
  { prefix: '07-', title: 'agent does not answer before the originate timeout' },
  { prefix: '08-', title: 'agent congestion' },
  { prefix: '09-', title: 'unregistered PJSIP agent: 500 Allocation failed' },
  { prefix: '10-', title: 'create, then dial' },
  // Recording durations are whole seconds of audio: a slower clock keeps request jitter far from a boundary.
  { prefix: '11-', title: 'voicemail-style recording', setup: (f) => f.addStoredRecording('lab-test-recording'), speed: 2 },
  { prefix: '12-', title: 'REST errors, including the stale per-connection errno', speed: 2 },
  { prefix: '13-', title: 'websocket dropped and reconnected' },
  { prefix: '14-', title: 'endpoint and device subscriptions, a desk phone registers, is called, hangs up', onNote: phone1001 },
  { prefix: '14b', title: 'the same with subscribeAll (no EndpointStateChange, "all" topics)', onNote: phone1001 },
  { prefix: '16-', title: 'failsafe: app never connected, cleanly closed, closed while owning a call' },
  { prefix: '17-', title: 'SIP carrier call (RFC 4733 DTMF, RTCP variables before the hangup)', onNote: sipp },
  { prefix: '18-', title: 'desk phone calls in and hangs up with a BYE during a playback', onNote: deskPhone },
  { prefix: '19-', title: 'bridge subscription lifetime' },
  { prefix: '05-', title: 'agent flow again, REST answers before their events', eventOrder: 'response-first' },
  { prefix: '12-', title: 'REST errors again, REST answers before their events', eventOrder: 'response-first', speed: 2 },
];

describe('replaying the Asterisk 22.10.1 transcripts', () => {
  let fake: FakeAsterisk | null = null;
  afterEach(async () => {
    await fake?.stop();
    fake = null;
  });

  for (const flow of FLOWS) {
    it(`${flow.prefix} ${flow.title}${flow.eventOrder ? ` (${flow.eventOrder})` : ''}`, async () => {
      const report = await replay(flow);
      fake = report.fake;
      expect(report.restChecked).toBeGreaterThan(0);
      expect(report.mismatches).toEqual([]);
      expect(fake.channels().filter((c) => String(c.name).includes('from-carrier') && c.state !== 'Up')).toEqual([]);
      if (flow.prefix === '16-') {
        // Stasis() failed with "doesn't exist" twice, then "not active" while the app still owned a call.
        expect(fake.calls().map((c) => c.failure)).toEqual(['does-not-exist', 'does-not-exist', null, 'not-active']);
      }
      if (flow.prefix === '13-') {
        // The DTMF sent while no socket was connected was lost, not queued.
        expect(fake.eventLog().filter((l) => l.delivery === 'lost').map((l) => l.event.type)).toContain('ChannelDtmfReceived');
      }
    }, 60_000);
  }
});
