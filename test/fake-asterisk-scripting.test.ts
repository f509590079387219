/**
 * The fake's scripting API (placeCall, setAgent, dropWebSocket, speed) through real HTTP and
 * WebSocket, checked against the behaviour the transcripts show.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';
import { pcmOf } from './fake-asterisk/model/wav.js';
import { EventCollector } from './fake-asterisk/testing/event-collector.js';
import { RawHttpClient } from './fake-asterisk/testing/raw-http.js';

const PW = 'script-secret';

describe('FakeAsterisk scripting', () => {
  let fake: FakeAsterisk;
  let http: RawHttpClient;
  let ev: EventCollector;
  let port: number;

  beforeEach(async () => {
    fake = new FakeAsterisk({ password: PW, speed: 20 });
    ({ port } = await fake.start());
    http = new RawHttpClient(port, { user: 'router', password: PW });
    ev = new EventCollector();
    await ev.connect(port, 'pbx-router', PW);
  });
  afterEach(async () => {
    ev.close();
    http.close();
    await fake.stop();
  });

  const post = (path: string) => http.request('POST', path);

  it('a scripted caller presses keys after the answer and hangs up by itself ({"cause":16}, no ChannelDestroyed)', async () => {
    const call = fake.placeCall({ did: '+15125550100', caller: '+15125550123', script: { dtmf: [{ at: 500, digit: '1' }, { at: 900, digit: '#' }], hangupAfter: 1500 } });
    const start = await ev.waitForType('StasisStart', call.channelId);
    expect(start.args).toEqual(['15125550100']);
    expect((await post(`/ari/channels/${call.channelId}/answer`)).status).toBe(204);
    await ev.waitForType('StasisEnd', call.channelId);
    expect(ev.typesFor(call.channelId)).toEqual(['StasisStart', 'ChannelStateChange', 'ChannelDtmfReceived', 'ChannelDtmfReceived', 'ChannelHangupRequest', 'StasisEnd']);
    const digits = ev.events.filter((e) => e.type === 'ChannelDtmfReceived').map((e) => [e.digit, e.duration_ms]);
    expect(digits).toEqual([['1', 100], ['#', 100]]);
    expect(ev.events.find((e) => e.type === 'ChannelHangupRequest')).toMatchObject({ cause: 16 });
    expect(ev.events.find((e) => e.type === 'ChannelHangupRequest')).not.toHaveProperty('soft');
    expect(fake.channels()).toEqual([]);
  });

  it('a PJSIP carrier caller hangs up with a BYE: RTP statistics, then a request without cause or soft', async () => {
    const call = fake.placeCall({ did: '5551234', caller: '5550199', callerName: 'Carrier Caller', via: 'pjsip', script: { hangupAfter: 300 } });
    await post(`/ari/channels/${call.channelId}/answer`);
    await ev.waitForType('StasisEnd', call.channelId);
    const types = ev.typesFor(call.channelId);
    expect(types.slice(-7)).toEqual(['ChannelVarset', 'ChannelVarset', 'ChannelVarset', 'ChannelVarset', 'ChannelVarset', 'ChannelHangupRequest', 'StasisEnd']);
    const req = ev.events.find((e) => e.type === 'ChannelHangupRequest') ?? {};
    expect(Object.keys(req)).toEqual(['type', 'timestamp', 'channel', 'asterisk_id', 'application']);
  });

  it('agents: answer enters Stasis, busy/congestion/noanswer end with the recorded causes, unregistered is a 500', async () => {
    fake.setAgent('PJSIP/1001', { answer: 400, hangupAfter: 800, dtmf: [{ at: 300, digit: '1' }] });
    fake.setAgent('PJSIP/1002', 'busy');
    fake.setAgent('PJSIP/1004', 'congestion');
    fake.setAgent('PJSIP/1005', 'noanswer');
    const originate = (ep: string, id: string, timeout = 15) => post(`/ari/channels?endpoint=${encodeURIComponent(ep)}&app=pbx-router&appArgs=agent&timeout=${timeout}&channelId=${id}`);
    expect((await originate('PJSIP/1001', 'a1')).status).toBe(200);
    expect((await originate('PJSIP/1002', 'a2')).status).toBe(200);
    expect((await originate('PJSIP/1004', 'a4')).status).toBe(200);
    expect((await originate('PJSIP/1005', 'a5', 2)).status).toBe(200);
    const unreg = await originate('PJSIP/1003', 'a3');
    expect([unreg.status, unreg.body.toString()]).toEqual([500, '{"error":"Allocation failed"}']);
    await ev.waitForType('ChannelDestroyed', 'a1');
    await ev.waitForType('ChannelDestroyed', 'a5');
    const rtcp = ['ChannelVarset', 'ChannelVarset', 'ChannelVarset', 'ChannelVarset', 'ChannelVarset'];
    expect(ev.typesFor('a1')).toEqual(['Dial', 'ChannelStateChange', 'Dial', 'ChannelStateChange', 'Dial', 'ChannelVarset', 'StasisStart', 'ChannelDtmfReceived', ...rtcp, 'ChannelHangupRequest', 'StasisEnd', 'ChannelVarset', 'ChannelDestroyed']);
    expect(ev.events.find((e) => e.type === 'ChannelDestroyed' && (e.channel as { id: string }).id === 'a1')).toMatchObject({ cause: 0, cause_txt: 'Unknown' });
    const destroyed = (id: string) => ev.events.find((e) => e.type === 'ChannelDestroyed' && (e.channel as { id: string }).id === id);
    expect(destroyed('a2')).toMatchObject({ cause: 17, cause_txt: 'User busy' });
    expect(destroyed('a4')).toMatchObject({ cause: 34, cause_txt: 'Circuit/channel congestion' });
    expect(destroyed('a5')).toMatchObject({ cause: 19, cause_txt: 'User alerting, no answer' });
    expect(ev.events.filter((e) => e.type === 'Dial' && (e.peer as { id: string }).id === 'a2').map((e) => e.dialstatus)).toEqual(['', 'BUSY']);
    expect(ev.typesFor('a3')).toEqual([]);
    expect(fake.channels()).toEqual([]);
  });

  it('records a real WAV: speech in the middle, trailing silence trimmed to 200 ms', async () => {
    const call = fake.placeCall({ did: '5551234', caller: '5550123', script: { speech: [{ at: 1000, ms: 1500 }] } });
    await ev.waitForType('StasisStart', call.channelId);
    await post(`/ari/channels/${call.channelId}/answer`);
    const rec = await post(`/ari/channels/${call.channelId}/record?name=vm-test&format=wav&maxDurationSeconds=20&maxSilenceSeconds=2&ifExists=overwrite`);
    expect(rec.status).toBe(201);
    const done = await ev.waitForType('RecordingFinished', undefined, 5000);
    // ast_play_and_record's arithmetic, from the event times: whole seconds written, minus silence.
    const at = (type: string) => Date.parse(String(ev.events.find((e) => e.type === type)?.timestamp).replace('+0000', 'Z'));
    const answered = at('ChannelStateChange');
    const started = at('RecordingStarted');
    const elapsed = at('RecordingFinished') - started;
    const quiet = answered + 1000 - started + (elapsed - (answered + 2500 - started));
    const total = Math.floor(elapsed / 1000);
    const trailing = elapsed - (answered + 2500 - started);
    expect(trailing).toBeGreaterThan(2000);
    // Event timestamps are taken a few ms after the fake's own instants; under load that can move a
    // whole-second boundary, so each figure may be one second off the arithmetic, never more.
    const r = done.recording as { name: string; state: string; duration: number; talking_duration: number };
    expect(r).toMatchObject({ name: 'vm-test', state: 'done' });
    expect(Math.abs(r.duration - (total - Math.trunc((trailing - 200) / 1000)))).toBeLessThanOrEqual(1);
    expect(Math.abs(r.talking_duration - (total - Math.trunc((quiet - 200) / 1000)))).toBeLessThanOrEqual(1);
    expect(r.talking_duration).toBeLessThan(r.duration);
    const file = await http.request('GET', '/ari/recordings/stored/vm-test/file');
    expect(file.headers.find(([k]) => k === 'Content-Type')?.[1]).toBe('audio/wav');
    const wav = file.body;
    expect([wav.toString('latin1', 0, 4), wav.toString('latin1', 8, 12), wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)]).toEqual(['RIFF', 'WAVE', 1, 1, 8000, 16]);
    const pcm = pcmOf(wav);
    const speechFrom = answered + 1000 - started;
    const rms = (from: number, to: number) => Math.sqrt(pcm.slice(from * 8, to * 8).reduce((sum, v) => sum + v * v, 0) / ((to - from) * 8));
    expect(rms(0, Math.max(10, speechFrom - 100))).toBeLessThan(10);
    expect(rms(speechFrom + 100, speechFrom + 1400)).toBeGreaterThan(1000);
    // All but 200 ms of the trailing silence is cut off the file (event times are within a few ms).
    expect(Math.abs(pcm.length / 8 - (elapsed - (trailing - 200)))).toBeLessThan(60);
    await http.request('DELETE', `/ari/channels/${call.channelId}`);
  });

  it('runs media at `speed` while timestamps keep Asterisk time', async () => {
    const call = fake.placeCall({ did: '5551234', caller: '5550123' });
    await ev.waitForType('StasisStart', call.channelId);
    await post(`/ari/channels/${call.channelId}/answer`);
    const t0 = Date.now();
    await post(`/ari/channels/${call.channelId}/play/p1?media=sound:vm-intro`);
    const started = await ev.waitFor((e) => e.type === 'PlaybackStarted');
    const finished = await ev.waitFor((e) => e.type === 'PlaybackFinished');
    expect(Date.now() - t0).toBeLessThan(2000);
    const ms = (e: Record<string, unknown>) => Date.parse(String(e.timestamp).replace('+0000', 'Z'));
    expect(ms(finished) - ms(started)).toBeGreaterThanOrEqual(5600);
    expect(ms(finished) - ms(started)).toBeLessThan(6500);
    await http.request('DELETE', `/ari/channels/${call.channelId}`);
  });

  it('a dropped socket loses events; the app keeps its subscriptions and REST still works (13)', async () => {
    const call = fake.placeCall({ did: '5551234', caller: '5550123' });
    await ev.waitForType('StasisStart', call.channelId);
    await post(`/ari/channels/${call.channelId}/answer`);
    expect(fake.dropWebSocket('pbx-router')).toBe(true);
    while (!ev.closed || fake.isConnected('pbx-router')) await new Promise((r) => setTimeout(r, 5));
    fake.sendDtmf(call.channelId, '5');
    const again = new EventCollector();
    await again.connect(port, 'pbx-router', PW);
    const app = JSON.parse((await http.request('GET', '/ari/applications/pbx-router')).body.toString()) as { channel_ids: string[] };
    expect(app.channel_ids).toEqual([call.channelId]);
    expect((await http.request('DELETE', `/ari/channels/${call.channelId}`)).status).toBe(204);
    await again.waitForType('StasisEnd', call.channelId);
    expect(again.events.map((e) => e.type)).toEqual(['ChannelHangupRequest', 'StasisEnd']);
    expect(fake.eventLog().find((l) => l.event.type === 'ChannelDtmfReceived')?.delivery).toBe('lost');
    again.close();
  });

  it('without a connected app a call goes to the failsafe; a second socket replaces the first', async () => {
    ev.close();
    while (fake.isConnected('pbx-router')) await new Promise((r) => setTimeout(r, 5));
    const app = await http.request('GET', '/ari/applications/pbx-router');
    expect(app.status).toBe(404);
    const lost = fake.placeCall({ did: '5551234', caller: '5550123', script: { hangupAfter: 1000 } });
    expect(lost).toMatchObject({ outcome: 'failsafe', failure: 'does-not-exist', answered: true });
    const first = new EventCollector();
    await first.connect(port, 'pbx-router', PW);
    const second = new EventCollector();
    await second.connect(port, 'pbx-router', PW);
    await first.waitForType('ApplicationReplaced');
    const call = fake.placeCall({ did: '5551234', caller: '5550123' });
    await second.waitForType('StasisStart', call.channelId);
    expect(first.events.map((e) => e.type)).toEqual(['ApplicationReplaced']);
    await http.request('DELETE', `/ari/channels/${call.channelId}`);
    first.close();
    second.close();
  });
});
