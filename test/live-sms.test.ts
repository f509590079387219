/**
 * Texting callers as `run` wires it (main.ts) against the fake Asterisk and the fake provider on
 * loopback: the queue's text offer heard after 2 minutes, 2 sends the text through the outbox with
 * the secrets' credentials, /metrics counts it; without credentials one line says so and the text
 * waits in the outbox.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SmsStore } from '../src/store/sms-store.js';
import { openDb } from '../src/store/db.js';
import { startFakeSmsProvider, type FakeSmsProvider } from './fakes/sms-provider.js';
import { value, parsePrometheus } from './prometheus-text.js';
import { startLive, type Live } from './scenarios/live-harness.js';
import { callOf, played, ringing } from './scenarios/live-helpers.js';
import { only } from './support/agents.js';
import { CALLER, MAIN } from './support/numbers.js';

const USER = 'AC0123456789';
const PASSWORD = 'twilio-auth-token-for-live';

let live: Live | null = null;
let fake: FakeSmsProvider | null = null;
afterEach(async () => {
  await live?.stop();
  await fake?.close();
  live = fake = null;
});

/** The example clinic with its Twilio URL pointing at the fake provider. */
function configFor(url: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pbx-sms-')), 'clinic.yaml');
  writeFileSync(file, readFileSync('config/example-clinic.yaml', 'utf8').replace('https://api.twilio.com', url));
  return file;
}

/** A caller waiting in scheduling with nobody free, pressing 2 at 2 min 10 s, hanging up at 2 min 30 s. */
function waitAndTakeText(l: Live) {
  ringing(l);
  only(l.run.engine, []);
  return l.fake.placeCall({ did: MAIN, caller: CALLER, script: { dtmf: [{ at: 2000, digit: '1' }, { at: 133_000, digit: '2' }], hangupAfter: 150_000 } });
}

describe('texts as run wires them', () => {
  it('the offer, 2, the text sent with the credentials of the secrets; the call ends sms-deflected; /metrics counts it', async () => {
    fake = await startFakeSmsProvider({ style: 'twilio', auth: { basic: { user: USER, password: PASSWORD } }, idempotencyHeader: null });
    live = await startLive({ at: '2026-11-23T10:00', config: configFor(fake.url), env: { SMS_PROVIDER_USER: USER, SMS_PROVIDER_PASSWORD: PASSWORD } });
    const l = live;
    const call = waitAndTakeText(l);
    await l.until('ended', () => callOf(l, call.channelId)?.state === 'ended', 200_000);
    await l.until('the text', () => fake!.messages[0], 10_000);
    expect(fake.messages.map((m) => [m.to, m.from])).toEqual([[CALLER, '+15125550100']]);
    expect(fake.requests[0]!.path).toBe(`/2010-04-01/Accounts/${USER}/Messages.json`);
    const media = played(l, call.channelId);
    expect(media.indexOf('sound:pbx-router/sms-offer')).toBeGreaterThanOrEqual(0);
    expect(media.indexOf('sound:pbx-router/sms-sent')).toBeGreaterThan(media.indexOf('sound:pbx-router/sms-offer'));
    expect(callOf(l, call.channelId)).toMatchObject({ outcome: 'sms-deflected' });
    await expect.poll(async () => value(parsePrometheus(await l.run.metrics.text()), 'pbx_router_sms_total', { status: 'sent' })).toBe(1);
    expect(l.logs.join('\n')).not.toContain(PASSWORD);
  }, 90_000);

  it('without credentials: one line says which are missing, the text stays queued and nothing is sent', async () => {
    fake = await startFakeSmsProvider({ style: 'twilio', auth: { basic: { user: USER, password: PASSWORD } }, idempotencyHeader: null });
    live = await startLive({ at: '2026-11-23T10:00', config: configFor(fake.url), env: {} });
    const l = live;
    const call = waitAndTakeText(l);
    await l.until('ended', () => callOf(l, call.channelId)?.state === 'ended', 200_000);
    expect(fake.requests).toHaveLength(0);
    const lines = l.logs.filter((x) => x.includes('SMS_PROVIDER_USER and SMS_PROVIDER_PASSWORD are not set'));
    expect(lines).toHaveLength(1);
    const db = openDb(l.database);
    try {
      expect(new SmsStore(db).forCall(callOf(l, call.channelId)!.id)).toMatchObject([{ status: 'queued', attempts: 0 }]);
    } finally {
      db.close();
    }
  }, 90_000);
});
