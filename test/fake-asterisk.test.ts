/**
 * The fake Asterisk through real HTTP and WebSocket: ari-client connects unchanged, and the
 * HTTP surface (auth, headers, api-docs basePath, websocket refusals) is Asterisk's.
 */
import ari from 'ari-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describedOperations } from './fake-asterisk/api-docs/index.js';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';
import { RawHttpClient, header } from './fake-asterisk/testing/raw-http.js';

const PASSWORD = 'test-secret';

type Ops = Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;
/** Calls an ari-client operation (the project's ari-client typings index them loosely). */
function call(resource: Ops, op: string, params: Record<string, unknown>): Promise<unknown> {
  const fn = resource[op];
  if (!fn) throw new Error(`ari-client has no operation ${op}`);
  return fn(params);
}

interface AriEvent {
  type: string;
  channel?: { id: string; state: string };
  playback?: { id: string; state: string; target_uri: string };
  args?: string[];
}

describe('FakeAsterisk with ari-client', () => {
  let fake: FakeAsterisk;
  let url: string;

  beforeEach(async () => {
    fake = new FakeAsterisk({ password: PASSWORD, speed: 10 });
    ({ url } = await fake.start());
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('connects unchanged, takes a call, answers, plays, hangs up, and leaves nothing behind', async () => {
    const client = await ari.connect(url, 'router', PASSWORD);
    const seen: AriEvent[] = [];
    client.on('*' as never, (e: AriEvent) => seen.push(e));
    const ended = new Promise<void>((resolve) => client.on('StasisEnd', () => resolve()));
    client.on('StasisStart', (e: AriEvent) => {
      void (async () => {
        await call(client.channels, 'answer', { channelId: e.channel!.id });
        await call(client.channels, 'play', { channelId: e.channel!.id, playbackId: 'pb-smoke', media: 'sound:hello-world' });
      })();
    });
    client.on('PlaybackFinished', (e: AriEvent) => {
      void call(client.channels, 'hangup', { channelId: e.playback!.target_uri.replace('channel:', '') });
    });
    await client.start('pbx-router');
    const placed = fake.placeCall({ did: '5551234', caller: '5550123', callerName: 'Jane Patient' });
    await ended;
    client.stop();

    expect(seen.map((e) => e.type)).toEqual(['StasisStart', 'ChannelStateChange', 'PlaybackStarted', 'PlaybackFinished', 'ChannelHangupRequest', 'StasisEnd']);
    expect(seen[0]).toMatchObject({ args: ['5551234'], channel: { id: placed.channelId, state: 'Ring', caller: { name: 'Jane Patient', number: '5550123' } } });
    expect(seen[3]?.playback).toMatchObject({ id: 'pb-smoke', state: 'done', media_uri: 'sound:hello-world' });
    expect(seen[4]).toMatchObject({ cause: 32, soft: true });
    expect(fake.channels()).toEqual([]);
    expect(fake.bridges()).toEqual([]);
    expect(fake.playbacks()).toEqual([]);
  });

  it('REST errors come back as ari-client errors carrying Asterisk\'s body', async () => {
    const client = await ari.connect(url, 'router', PASSWORD);
    await expect(call(client.channels, 'answer', { channelId: 'no-such-channel' })).rejects.toThrow('{"message":"Channel not found"}');
    await expect(call(client.channels, 'originate', { endpoint: 'PJSIP/1003', app: 'pbx-router' })).rejects.toThrow('{"error":"Allocation failed"}');
  });
});

describe('FakeAsterisk HTTP surface', () => {
  let fake: FakeAsterisk;
  let port: number;

  beforeEach(async () => {
    fake = new FakeAsterisk({ password: PASSWORD, serverName: 'Asterisk-Lab' });
    ({ port } = await fake.start());
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('rewrites basePath to the Host header and deletes it without one (15)', async () => {
    const http = new RawHttpClient(port, { user: 'router', password: PASSWORD });
    const withHost = await http.request('GET', '/ari/api-docs/resources.json', { headers: { Host: 'pbx.clinic.example' }, noHost: true });
    const parsed = JSON.parse(withHost.body.toString()) as Record<string, unknown>;
    expect(parsed.basePath).toBe('http://pbx.clinic.example/ari');
    expect(withHost.body.toString()).not.toContain('\n');
    const noHost = await http.request('GET', '/ari/api-docs/channels.json', { noHost: true });
    expect(Object.keys(JSON.parse(noHost.body.toString()) as object)).toEqual(['apiVersion', 'swaggerVersion', 'resourcePath', 'apis', 'models']);
    const missing = await http.request('GET', '/ari/api-docs/no-such.json');
    expect([missing.status, missing.body.toString()]).toEqual([404, '{"message":"Resource not found"}']);
    http.close();
  });

  it('requires credentials everywhere, with the recorded 401', async () => {
    const http = new RawHttpClient(port);
    const res = await http.request('GET', '/ari/api-docs/resources.json');
    expect(res.status).toBe(401);
    expect(res.headers.map(([k]) => k)).toEqual(['Server', 'Date', 'Cache-Control', 'WWW-Authenticate', 'Content-type', 'Content-Length']);
    expect(header(res, 'WWW-Authenticate')).toBe('Basic realm="Asterisk REST Interface"');
    expect(res.body.toString()).toBe('{"message":"Authentication required"}');
    const key = await http.request('GET', `/ari/asterisk/ping?api_key=router:${PASSWORD}`);
    expect(key.status).toBe(200);
    http.close();
  });

  it('answers 204 with only Content-Length, 405 with Allow, and trailing slashes with a hint', async () => {
    const http = new RawHttpClient(port, { user: 'router', password: PASSWORD });
    const bridge = await http.request('POST', '/ari/bridges?type=holding&bridgeId=b1');
    expect(header(bridge, 'Content-type')).toBe('application/json');
    const moh = await http.request('POST', '/ari/bridges/b1/moh?mohClass=default');
    expect(moh.status).toBe(204);
    expect(moh.headers.map(([k]) => k)).toEqual(['Server', 'Date', 'Cache-Control', 'Content-Length']);
    const put = await http.request('PUT', '/ari/channels');
    expect([put.status, header(put, 'Allow'), put.body.toString()]).toEqual([405, 'OPTIONS,GET,POST', '{"message":"Invalid method"}']);
    const slash = await http.request('GET', '/ari/applications/pbx-router/');
    expect(slash.body.toString()).toBe('{"message":"ARI URLs do not end with a slash. Try /ari/applications/pbx-router"}');
    http.close();
  });

  it('implements every operation its api-docs describe (no 404 Resource not found, no 405)', async () => {
    const http = new RawHttpClient(port, { user: 'router', password: PASSWORD });
    for (const op of describedOperations()) {
      if (op.nickname === 'eventWebsocket') continue;
      const path = op.path.replace(/\{[^}]+\}/g, 'x');
      const res = await http.request(op.method, `/ari${path}`);
      expect([op.nickname, res.status, res.body.toString()]).not.toContainEqual('{"message":"Resource not found"}');
      expect([op.nickname, res.status]).not.toEqual([op.nickname, 405]);
    }
    http.close();
  });

  it('refuses a websocket upgrade without app (400 HTML) or credentials (401)', async () => {
    const http = new RawHttpClient(port);
    const upgrade = { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const noApp = await http.request('GET', `/ari/events?api_key=router:${PASSWORD}`, { headers: upgrade });
    expect([noApp.status, header(noApp, 'Content-type')]).toEqual([400, 'text/html']);
    expect(noApp.body.toString()).toContain('<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk-Lab</address>');
    const noAuth = await http.request('GET', '/ari/events?app=pbx-router', { headers: upgrade });
    expect([noAuth.status, noAuth.body.toString()]).toEqual([401, '{"message":"Authentication required"}']);
    http.close();
  });
});
