/**
 * The fake models the Asterisk 22.10.1 race of issue 18 (transcript 20): a play accepted on a
 * channel in a holding bridge and not yet started when the bridge is destroyed never starts, and
 * the channel is wedged (requests accepted, nothing happens, a hangup included). Taken out of the
 * bridge first, the play starts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';
import { EventCollector } from './fake-asterisk/testing/event-collector.js';
import { RawHttpClient } from './fake-asterisk/testing/raw-http.js';

const PW = 'wedge-secret';

describe('FakeAsterisk: a play racing the destruction of the holding bridge', () => {
  let fake: FakeAsterisk;
  let http: RawHttpClient;
  let ev: EventCollector;
  beforeEach(async () => {
    fake = new FakeAsterisk({ password: PW, speed: 1 });
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

  async function callerInHoldingBridge(): Promise<string> {
    const call = fake.placeCall({ did: '+15125550100', caller: '+15125550123', script: { hangupAfter: 60_000 } });
    await ev.waitForType('StasisStart', call.channelId);
    await http.request('POST', `/ari/channels/${call.channelId}/answer`);
    await http.request('POST', '/ari/bridges/q?type=holding');
    await http.request('POST', `/ari/bridges/q/addChannel?channel=${call.channelId}`);
    await http.request('POST', '/ari/bridges/q/moh?mohClass=default');
    return call.channelId;
  }

  it('play and DELETE of the bridge together: 201 and 204, no PlaybackStarted ever, and the channel cannot be hung up', async () => {
    const ch = await callerInHoldingBridge();
    const [play, destroy] = await Promise.all([http.request('POST', `/ari/channels/${ch}/play/pb-1?media=sound:pbx-router/callback-confirmed`), http.request('DELETE', '/ari/bridges/q')]);
    expect([play.status, destroy.status]).toEqual([201, 204]);
    await new Promise((r) => setTimeout(r, 300));
    expect(ev.events.filter((e) => e.type === 'PlaybackStarted')).toEqual([]);
    expect((await http.request('DELETE', `/ari/channels/${ch}`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 200));
    expect((await http.request('GET', `/ari/channels/${ch}`)).status).toBe(200);
  });

  it('removeChannel first, then play, then DELETE of the bridge: the playback starts', async () => {
    const ch = await callerInHoldingBridge();
    expect((await http.request('POST', `/ari/bridges/q/removeChannel?channel=${ch}`)).status).toBe(204);
    expect((await http.request('POST', `/ari/channels/${ch}/play/pb-2?media=sound:pbx-router/callback-confirmed`)).status).toBe(201);
    await http.request('DELETE', '/ari/bridges/q');
    await ev.waitForType('PlaybackStarted');
    expect((await http.request('DELETE', `/ari/channels/${ch}`)).status).toBe(204);
  });
});
