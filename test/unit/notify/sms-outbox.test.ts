/**
 * The SMS outbox end to end: a real SQLite store, the HTTP adapter, and the fake provider on
 * loopback. Each test checks the end state: the texts' records and the messages the provider holds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileSms } from '../../../src/config/compile-sms.js';
import type { SmsConfig } from '../../../src/config/schema.js';
import { flushSms, smsOutbox, smsRetryDelay, type SmsSender } from '../../../src/notify/sms-outbox.js';
import { httpSmsSender } from '../../../src/notify/sms-provider.js';
import type { CompiledSms } from '../../../src/routing/types.js';
import { openDb } from '../../../src/store/db.js';
import { SmsStore } from '../../../src/store/sms-store.js';
import { startFakeSmsProvider, type FakeSmsProvider } from '../../fakes/sms-provider.js';

const T0 = Date.parse('2026-11-23T15:00:00Z');
let now = T0;
let store: SmsStore;
let fake: FakeSmsProvider | null = null;
const logs: string[] = [];

beforeEach(() => {
  now = T0;
  store = new SmsStore(openDb(':memory:'));
  logs.length = 0;
});
afterEach(async () => {
  await fake?.close();
  fake = null;
});

/** A JSON webhook with an idempotency key (or, `keyed: false`, a provider without one). */
async function setup(o: { keyed?: boolean; maxAttempts?: number; timeout?: number } = {}): Promise<{ sms: CompiledSms; sender: SmsSender; fake: FakeSmsProvider }> {
  const keyed = o.keyed ?? true;
  fake = await startFakeSmsProvider({ style: 'json', auth: { bearer: 'tok-secret' }, idempotencyHeader: keyed ? 'Idempotency-Key' : null });
  const config: SmsConfig = {
    from: '+15125550100',
    maxAttempts: o.maxAttempts ?? 3,
    provider: { url: `${fake.url}/v1/messages`, auth: 'bearer', body: 'json', fields: { to: '{to}', from: '{from}', text: '{text}' }, idField: 'messageId', idempotencyHeader: keyed ? 'Idempotency-Key' : false, timeout: o.timeout ?? 1 },
    messages: { hours: 'x' },
  };
  const sms = compileSms(config, 'en', '1');
  return { sms, sender: httpSmsSender(sms.provider, { token: 'tok-secret' }), fake };
}

const queue = (to = '+15125550123') => store.queue({ callId: null, to, message: 'hours', language: 'en', body: 'Riverside opens Mon 08:00.', site: 'riverside', createdAt: now });
const flush = (sms: CompiledSms | null, sender: SmsSender) => flushSms({ store, sms, sender, now: () => now, log: (m) => logs.push(m) });

describe('flushSms', () => {
  it('sends a queued text once: sent, with the provider id; the next flush has nothing to do', async () => {
    const { sms, sender, fake } = await setup();
    const id = queue();
    expect(await flush(sms, sender)).toEqual({ sent: 1, retried: 0, failed: 0, refused: 0 });
    expect(await flush(sms, sender)).toEqual({ sent: 0, retried: 0, failed: 0, refused: 0 });
    expect(store.get(id)).toMatchObject({ status: 'sent', attempts: 1, providerId: 'SM00000000000000000000000000000001', sentAt: T0, lastError: null });
    expect(fake.messages.map((m) => [m.to, m.body])).toEqual([['+15125550123', 'Riverside opens Mon 08:00.']]);
  });

  it('a 400 is refused at once and never retried', async () => {
    const { sms, sender, fake } = await setup();
    const id = queue('+1512');
    expect(await flush(sms, sender)).toMatchObject({ refused: 1 });
    now += 24 * 3_600_000;
    await flush(sms, sender);
    expect(store.get(id)).toMatchObject({ status: 'refused', attempts: 1, lastError: "HTTP 400: The 'To' number +1512 is not a valid phone number." });
    expect(fake.requests).toHaveLength(1);
  });

  it('a 429 waits for Retry-After (longer than the backoff), then sends', async () => {
    const { sms, sender, fake } = await setup();
    fake.script({ kind: 'rate-limit', retryAfter: '120' });
    const id = queue();
    expect(await flush(sms, sender)).toMatchObject({ retried: 1 });
    expect(store.get(id)).toMatchObject({ status: 'queued', nextAttempt: T0 + 120_000, lastError: 'HTTP 429: Too Many Requests' });
    now = T0 + 119_000;
    expect(await flush(sms, sender)).toMatchObject({ sent: 0, retried: 0 });
    now = T0 + 120_000;
    expect(await flush(sms, sender)).toMatchObject({ sent: 1 });
    expect(store.get(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(fake.messages).toHaveLength(1);
  });

  it('5xx is retried with a growing delay up to maxAttempts, then failed', async () => {
    const { sms, sender, fake } = await setup({ maxAttempts: 3 });
    fake.script({ kind: 'server-error' }, { kind: 'server-error' }, { kind: 'server-error', status: 500 });
    const id = queue();
    await flush(sms, sender);
    expect(store.get(id)!.nextAttempt).toBe(T0 + smsRetryDelay(1));
    now = store.get(id)!.nextAttempt!;
    await flush(sms, sender);
    expect(store.get(id)!.nextAttempt).toBe(now + smsRetryDelay(2));
    now = store.get(id)!.nextAttempt!;
    expect(await flush(sms, sender)).toMatchObject({ failed: 1 });
    expect(store.get(id)).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 500: Service Unavailable; gave up after 3 attempt(s)', nextAttempt: null });
    expect(fake.requests).toHaveLength(3);
    expect(fake.messages).toEqual([]);
    expect([1, 2, 3, 4, 10].map(smsRetryDelay)).toEqual([15_000, 30_000, 60_000, 120_000, 600_000]);
  });

  it('a slow answer with an idempotency key: retried with the same key, one message at the provider', async () => {
    const { sms, sender, fake } = await setup({ timeout: 1 });
    fake.script({ kind: 'slow', ms: 1_500 });
    const id = queue();
    expect(await flush(sms, sender)).toMatchObject({ retried: 1 });
    expect(store.get(id)).toMatchObject({ status: 'queued', lastError: 'no answer within 1 s' });
    now = store.get(id)!.nextAttempt!;
    expect(await flush(sms, sender)).toMatchObject({ sent: 1 });
    expect(fake.requests.map((r) => r.headers['idempotency-key'])).toEqual([store.get(id)!.idempotencyKey, store.get(id)!.idempotencyKey]);
    expect(fake.messages).toHaveLength(1);
    expect(store.get(id)).toMatchObject({ status: 'sent', providerId: fake.messages[0]!.sid });
  });

  it('a slow answer without an idempotency key: failed, not retried (it may have been sent); still one message', async () => {
    const { sms, sender, fake } = await setup({ keyed: false, timeout: 1 });
    fake.script({ kind: 'slow', ms: 1_500 });
    const id = queue();
    expect(await flush(sms, sender)).toMatchObject({ failed: 1 });
    now += 3_600_000;
    await flush(sms, sender);
    expect(store.get(id)).toMatchObject({ status: 'failed', lastError: 'no answer within 1 s; not retried: the provider has no idempotency key and may have sent it' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.messages).toHaveLength(1);
  });

  it('an attempt cut short by a crash: retried with the same key when the provider has one, else failed unsent', async () => {
    const keyed = await setup();
    const a = queue();
    store.claim(a, now, now + 120_000);
    now += 120_000;
    expect(await flush(keyed.sms, keyed.sender)).toMatchObject({ sent: 1 });
    expect(store.get(a)).toMatchObject({ status: 'sent', attempts: 2 });
    await fake!.close();

    const plain = await setup({ keyed: false });
    const b = queue();
    store.claim(b, now, now + 120_000);
    now += 120_000;
    expect(await flush(plain.sms, plain.sender)).toMatchObject({ failed: 1 });
    expect(store.get(b)).toMatchObject({ status: 'failed', lastError: 'the engine stopped during a send; not retried: the provider has no idempotency key and may have sent it' });
    expect(plain.fake.requests).toEqual([]);
  });

  it('without an sms section nothing is sent and the texts stay queued', async () => {
    const { sender, fake } = await setup();
    const id = queue();
    expect(await flush(null, sender)).toEqual({ sent: 0, retried: 0, failed: 0, refused: 0 });
    expect(store.get(id)!.status).toBe('queued');
    expect(fake.requests).toEqual([]);
    expect(logs).toEqual(["1 text(s) wait in the SMS outbox, but the config has no sms: section; they are sent once it has one again"]);
  });

  it('a sender that throws is an uncertain failure: retried with a key, and the flush goes on to the next text', async () => {
    const { sms } = await setup();
    const boom: SmsSender = { send: () => Promise.reject(new Error('boom')) };
    const a = queue();
    const b = queue('+15125550199');
    expect(await flush(sms, boom)).toMatchObject({ retried: 2 });
    expect(store.get(a)).toMatchObject({ status: 'queued', lastError: 'the SMS sender failed: boom' });
    expect(store.get(b)!.status).toBe('queued');
  });
});

describe('smsOutbox', () => {
  it('flushes one at a time: flushes asked for together send each text once', async () => {
    const { sms, sender, fake } = await setup();
    fake.script({ kind: 'slow', ms: 200 });
    queue();
    queue('+15125550199');
    const outbox = smsOutbox(() => ({ store, sms, sender, now: () => now }), () => {});
    const results = await Promise.all([outbox.flush(), outbox.flush(), outbox.flush()]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.messages.map((m) => m.to).sort()).toEqual(['+15125550123', '+15125550199']);
    expect(fake.requests).toHaveLength(2);
    expect(store.queued()).toEqual([]);
  });
});

describe('a provider without an idempotency key', () => {
  it('a 503 is retried (not taken), a 502 is not (it may have been taken)', async () => {
    const { sms, sender, fake } = await setup({ keyed: false });
    fake.script({ kind: 'server-error', status: 503 }, { kind: 'server-error', status: 502 });
    const id = queue();
    expect(await flush(sms, sender)).toMatchObject({ retried: 1 });
    now = store.get(id)!.nextAttempt!;
    expect(await flush(sms, sender)).toMatchObject({ failed: 1 });
    expect(store.get(id)).toMatchObject({ status: 'failed', attempts: 2, lastError: 'HTTP 502: Service Unavailable; not retried: the provider has no idempotency key and may have sent it' });
  });
});
