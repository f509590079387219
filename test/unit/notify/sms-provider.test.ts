/** The HTTP SMS adapter against a real HTTP server on loopback that behaves like a provider. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSmsSender, retryAfter, smsCredentialsFromEnv } from '../../../src/notify/sms-provider.js';
import type { SmsOutgoing } from '../../../src/notify/sms-outbox.js';
import type { SmsProvider } from '../../../src/routing/types.js';
import { startFakeSmsProvider, type FakeSmsProvider } from '../../fakes/sms-provider.js';

const TEXT: SmsOutgoing = { to: '+15125550123', from: '+15125550100', text: 'Riverside: we open Mon 08:00.', idempotencyKey: 'key-1' };
const BASIC = { user: 'AC123', password: 'auth-token-secret' };

let fake: FakeSmsProvider | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const twilio = async () => {
  fake = await startFakeSmsProvider({ style: 'twilio', auth: { basic: BASIC }, idempotencyHeader: null });
  const provider: SmsProvider = { url: `${fake.url}/2010-04-01/Accounts/{user}/Messages.json`, auth: 'basic', body: 'form', fields: { To: '{to}', From: '{from}', Body: '{text}' }, idField: 'sid', idempotencyHeader: null, timeoutMs: 1000 };
  return { fake, sender: httpSmsSender(provider, BASIC, { now: () => Date.parse('2026-11-23T15:00:00Z') }) };
};
const webhook = async (timeoutMs = 1000) => {
  fake = await startFakeSmsProvider({ style: 'json', auth: { bearer: 'bearer-secret' } });
  const provider: SmsProvider = { url: `${fake.url}/v1/messages`, auth: 'bearer', body: 'json', fields: { to: '{to}', from: '{from}', text: '{text}', reference: '{key}' }, idField: 'messageId', idempotencyHeader: 'Idempotency-Key', timeoutMs };
  return { fake, sender: httpSmsSender(provider, { token: 'bearer-secret' }) };
};

describe('a Twilio-compatible Messages API (form body, basic auth)', () => {
  it('201: accepted with the sid; the account goes into the URL, the fields into the form', async () => {
    const { fake, sender } = await twilio();
    expect(await sender.send(TEXT)).toEqual({ kind: 'accepted', providerId: 'SM00000000000000000000000000000001' });
    expect(fake.messages).toEqual([{ sid: 'SM00000000000000000000000000000001', path: '/2010-04-01/Accounts/AC123/Messages.json', to: '+15125550123', from: '+15125550100', body: 'Riverside: we open Mon 08:00.', idempotencyKey: null }]);
    expect(fake.requests[0]!.path).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(fake.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('400 with an error body: refused, with the provider message', async () => {
    const { fake, sender } = await twilio();
    expect(await sender.send({ ...TEXT, to: '5550123' })).toEqual({ kind: 'refused', error: "HTTP 400: The 'To' number 5550123 is not a valid phone number." });
    expect(fake.messages).toEqual([]);
  });

  it('401 (wrong credentials): refused, and the error names no secret', async () => {
    fake = await startFakeSmsProvider({ style: 'twilio', auth: { basic: BASIC }, idempotencyHeader: null });
    const provider: SmsProvider = { url: `${fake.url}/x`, auth: 'basic', body: 'form', fields: { To: '{to}', Body: '{text}' }, idField: 'sid', idempotencyHeader: null, timeoutMs: 1000 };
    const r = await httpSmsSender(provider, { user: 'AC123', password: 'wrong-password' }).send(TEXT);
    expect(r).toEqual({ kind: 'refused', error: 'HTTP 401: Authenticate' });
  });

  it('429 with Retry-After in seconds or as a date: retry after that long, certainly not sent', async () => {
    const { fake, sender } = await twilio();
    fake.script({ kind: 'rate-limit', retryAfter: '30' }, { kind: 'rate-limit', retryAfter: 'Mon, 23 Nov 2026 15:02:00 GMT' }, { kind: 'rate-limit' });
    expect(await sender.send(TEXT)).toEqual({ kind: 'retry', error: 'HTTP 429: Too Many Requests', retryAfterMs: 30_000, uncertain: false });
    expect(await sender.send(TEXT)).toMatchObject({ kind: 'retry', retryAfterMs: 120_000 });
    expect(await sender.send(TEXT)).toMatchObject({ kind: 'retry', retryAfterMs: null });
    expect(fake.messages).toEqual([]);
  });

  it('503: retry, certainly not taken; 500, 502, 504: retry, uncertain (a gateway may answer after the provider took it)', async () => {
    const { fake, sender } = await twilio();
    fake.script({ kind: 'server-error', status: 503 }, { kind: 'server-error', status: 500 }, { kind: 'server-error', status: 504 });
    expect(await sender.send(TEXT)).toEqual({ kind: 'retry', error: 'HTTP 503: Service Unavailable', retryAfterMs: null, uncertain: false });
    expect(await sender.send(TEXT)).toMatchObject({ kind: 'retry', uncertain: true });
    expect(await sender.send(TEXT)).toMatchObject({ kind: 'retry', uncertain: true });
  });

  it('a non-JSON error page is cut short', async () => {
    const { fake, sender } = await twilio();
    fake.script({ kind: 'server-error', status: 502, body: `<html><body>Bad gateway ${'x'.repeat(500)}</body></html>` });
    const r = await sender.send(TEXT);
    expect(r).toMatchObject({ kind: 'retry', uncertain: true });
    expect(r.kind === 'retry' && r.error.startsWith('HTTP 502: <html><body>Bad gateway xxx')).toBe(true);
    expect(r.kind === 'retry' && r.error.length).toBeLessThanOrEqual(210);
  });

  it('a redirect is refused (a POST would become a GET), saying where it points', async () => {
    const { fake, sender } = await twilio();
    fake.script({ kind: 'redirect', location: 'https://api.example/v2' });
    expect(await sender.send(TEXT)).toEqual({ kind: 'refused', error: 'HTTP 301; the provider URL redirects (to https://api.example/v2): put the final URL in sms.provider.url' });
  });
});

describe('a JSON webhook (bearer, idempotency key)', () => {
  it('201: accepted with the id at idField; the key is in the header and in the body field that asks for it', async () => {
    const { fake, sender } = await webhook();
    expect(await sender.send(TEXT)).toEqual({ kind: 'accepted', providerId: 'SM00000000000000000000000000000001' });
    const req = fake.requests[0]!;
    expect(req.headers['idempotency-key']).toBe('key-1');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.fields).toEqual({ to: '+15125550123', from: '+15125550100', text: 'Riverside: we open Mon 08:00.', reference: 'key-1' });
  });

  it('a slow answer: retry, uncertain (the provider took it); the repeat with the same key is not a second message', async () => {
    const { fake, sender } = await webhook(300);
    fake.script({ kind: 'slow', ms: 800 });
    expect(await sender.send(TEXT)).toEqual({ kind: 'retry', error: 'no answer within 0.3 s', retryAfterMs: null, uncertain: true });
    expect(await sender.send(TEXT)).toEqual({ kind: 'accepted', providerId: 'SM00000000000000000000000000000001' });
    expect(fake.messages).toHaveLength(1);
  });

  it('a 400 error object with a nested message', async () => {
    const { fake, sender } = await webhook();
    fake.script({ kind: 'refuse', status: 422, body: { error: { message: 'number is a landline' } } });
    expect(await sender.send(TEXT)).toEqual({ kind: 'refused', error: 'HTTP 422: number is a landline' });
  });
});

describe('no connection', () => {
  it('refused connection: retry, certainly not sent', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const provider: SmsProvider = { url: `http://127.0.0.1:${port}/`, auth: 'none', body: 'json', fields: { to: '{to}', text: '{text}' }, idField: 'id', idempotencyHeader: null, timeoutMs: 1000 };
    expect(await httpSmsSender(provider, {}).send(TEXT)).toEqual({ kind: 'retry', error: 'cannot reach the SMS provider: ECONNREFUSED', retryAfterMs: null, uncertain: false });
  });

  it('a connection cut after the request went out: retry, uncertain', async () => {
    const server = createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    const provider: SmsProvider = { url: `http://127.0.0.1:${port}/`, auth: 'none', body: 'json', fields: { to: '{to}', text: '{text}' }, idField: 'id', idempotencyHeader: null, timeoutMs: 1000 };
    const r = await httpSmsSender(provider, {}).send(TEXT);
    await new Promise<void>((res) => server.close(() => res()));
    expect(r).toMatchObject({ kind: 'retry', uncertain: true });
  });
});

describe('credentials', () => {
  it.each([
    ['basic', { SMS_PROVIDER_USER: 'AC1', SMS_PROVIDER_PASSWORD: 'pw' }, { ok: true, credentials: { user: 'AC1', password: 'pw' } }],
    ['bearer', { SMS_PROVIDER_TOKEN: 'tok' }, { ok: true, credentials: { token: 'tok' } }],
    ['none', {}, { ok: true, credentials: {} }],
    ['basic', { SMS_PROVIDER_USER: 'AC1' }, { ok: false, message: 'sms.provider.auth is basic, but SMS_PROVIDER_PASSWORD is not set; add it to the secrets file (or the environment); texts wait in the outbox until then' }],
    ['bearer', { SMS_PROVIDER_TOKEN: '' }, { ok: false, message: 'sms.provider.auth is bearer, but SMS_PROVIDER_TOKEN is not set; add it to the secrets file (or the environment); texts wait in the outbox until then' }],
  ] as const)('%s from %j', (auth, env, want) => {
    expect(smsCredentialsFromEnv(auth, env)).toEqual(want);
  });
});

describe('retryAfter', () => {
  it.each([
    [null, null],
    ['', null],
    ['120', 120_000],
    ['Mon, 23 Nov 2026 15:00:30 GMT', 30_000],
    ['Mon, 23 Nov 2026 14:00:00 GMT', 0],
    ['soon', null],
  ])('%j', (header, ms) => {
    expect(retryAfter(header, Date.parse('2026-11-23T15:00:00Z'))).toBe(ms);
  });
});
