/**
 * The fake's load-run hooks (`recordFirstCommands`, `logEvents: false`, `hearing`), functional
 * only: which command is recorded first and what a caller hears, never how long anything takes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';
import { EventCollector } from './fake-asterisk/testing/event-collector.js';
import { RawHttpClient } from './fake-asterisk/testing/raw-http.js';

const PW = 'hook-secret';

describe('FakeAsterisk load hooks', () => {
  let fake: FakeAsterisk;
  let http: RawHttpClient;
  let ev: EventCollector;

  beforeEach(async () => {
    fake = new FakeAsterisk({ password: PW, speed: 20, recordFirstCommands: true, logEvents: false });
    const { port } = await fake.start();
    http = new RawHttpClient(port, { user: 'router', password: PW });
    ev = new EventCollector();
    await ev.connect(port, 'pbx-router', PW);
  });
  afterEach(async () => {
    ev.close();
    http.close();
    await fake.stop();
  });

  it('keeps the first REST command after StasisStart for each channel, with both times', async () => {
    const call = fake.placeCall({ did: '+15125550100', caller: '+15125550123' });
    await ev.waitForType('StasisStart', call.channelId);
    expect(fake.firstCommand(call.channelId)).toMatchObject({ channelId: call.channelId, firstCommandAt: null, command: null });
    await http.request('POST', `/ari/channels/${call.channelId}/answer`);
    await http.request('POST', `/ari/channels/${call.channelId}/moh`);
    const rec = fake.firstCommand(call.channelId)!;
    expect(rec.command).toBe(`POST channels/${call.channelId}/answer`);
    expect(rec.firstCommandAt).toBeGreaterThanOrEqual(rec.stasisStartAt);
    expect(fake.firstCommand('no-such-channel')).toBeUndefined();
  });

  it('counts a bridge command naming the channel (addChannel?channel=) as its first command', async () => {
    const call = fake.placeCall({ did: '+15125550100', caller: '+15125550123' });
    await ev.waitForType('StasisStart', call.channelId);
    await http.request('POST', '/ari/bridges/hold-1?type=holding');
    await http.request('POST', `/ari/bridges/hold-1/addChannel?channel=${call.channelId}`);
    expect(fake.firstCommand(call.channelId)?.command).toBe('POST bridges/hold-1/addChannel');
  });

  it('tells what a caller hears: silence, music on hold in a holding bridge, gone; and keeps no event log', async () => {
    const call = fake.placeCall({ did: '+15125550100', caller: '+15125550123' });
    await ev.waitForType('StasisStart', call.channelId);
    await http.request('POST', `/ari/channels/${call.channelId}/answer`);
    expect(fake.hearing(call.channelId)).toBe('silence');
    await http.request('POST', '/ari/bridges/hold-1?type=holding');
    await http.request('POST', `/ari/bridges/hold-1/addChannel?channel=${call.channelId}`);
    await http.request('POST', '/ari/bridges/hold-1/moh');
    expect(fake.hearing(call.channelId)).toBe('moh');
    await http.request('DELETE', `/ari/channels/${call.channelId}`);
    expect(fake.hearing(call.channelId)).toBe('gone');
    expect(fake.eventLog()).toEqual([]);
  });
});
