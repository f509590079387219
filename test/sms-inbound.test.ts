/**
 * STOP and START from patients through the provider's webhook (POST /sms/inbound): real HTTP to
 * the admin API on loopback, the opt-out list in a SQLite file. Twilio's form and a JSON body, the
 * site a reply is for, the key in the URL, and what is logged (never the words of a text).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../src/config/index.js';
import { checkTokens, startAdmin, type AdminServer } from '../src/http/admin.js';
import type { SmsOptOutList } from '../src/http/sms-inbound.js';
import { createLogger } from '../src/logging/logger.js';
import { smsEligibility } from '../src/routing/sms-eligibility.js';
import { openDb } from '../src/store/db.js';
import { SmsStore } from '../src/store/sms-store.js';
import { engineOnFakePbx, EXAMPLE_CONFIG, type EngineOnFakePbx } from './support/engine-fixture.js';
import { CALLER, MAIN } from './support/numbers.js';

const ADMIN = 'test-admin-token-0123456789';
const KEY = 'sms-webhook-key-0123456789';
const NETWORK = 'config/example-network.yaml';

interface Webhook {
  readonly admin: AdminServer;
  readonly store: SmsStore;
  readonly f: EngineOnFakePbx;
  /** What the admin API logged, one JSON line each. */
  readonly lines: string[];
  /** POST /sms/inbound as Twilio does: a form, the key in the URL. */
  form(fields: Record<string, string>, key?: string | null): Promise<Response>;
  /** POST /sms/inbound with a JSON body. */
  json(body: unknown, key?: string | null): Promise<Response>;
}

const closing: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (closing.length) await closing.pop()!();
});

/** The admin API of an engine on `config`, with the opt-out list in a SQLite file and the webhook key (or none). */
async function webhook(o: { config?: string; key?: string | null; optOuts?: SmsOptOutList } = {}): Promise<Webhook> {
  const f = engineOnFakePbx({ config: o.config ?? EXAMPLE_CONFIG });
  const db = openDb(join(mkdtempSync(join(tmpdir(), 'pbx-sms-inbound-')), 'pbx-router.sqlite'));
  const store = new SmsStore(db);
  const lines: string[] = [];
  const log = createLogger({ destination: { write: (l: string) => lines.push(l) }, secrets: [ADMIN, KEY] }).child({ component: 'admin' });
  const key = o.key === undefined ? KEY : o.key;
  const admin = await startAdmin({ engine: f.engine, token: ADMIN, reload: () => ({ ok: true, version: 'x' }), health: () => ({ ari: 'connected', ami: null }), log, smsOptOuts: o.optOuts ?? store, ...(key === null ? {} : { smsWebhookToken: key }) }, '127.0.0.1', 0);
  closing.push(() => f.close(), () => void db.close(), () => admin.close());
  const url = (k: string | null) => `${admin.url}/sms/inbound${k === null ? '' : `?key=${encodeURIComponent(k)}`}`;
  return {
    admin,
    store,
    f,
    lines,
    form: (fields, k = KEY) => fetch(url(k), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body: new URLSearchParams(fields).toString() }),
    json: (body, k = KEY) => fetch(url(k), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  };
}

/** The fields Twilio posts for an inbound text (besides From, To, Body). */
const twilio = (from: string, to: string, body: string) => ({ ToCountry: 'US', SmsMessageSid: 'SM11111111111111111111111111111111', NumMedia: '0', SmsSid: 'SM11111111111111111111111111111111', SmsStatus: 'received', FromCountry: 'US', NumSegments: '1', MessageSid: 'SM11111111111111111111111111111111', AccountSid: 'AC00000000000000000000000000000000', From: from, To: to, Body: body, ApiVersion: '2010-04-01' });

describe('STOP and START from the provider', () => {
  it("Twilio's form: STOP opts the sender out of the site whose number it texted; the answer is an empty TwiML", async () => {
    const w = await webhook();
    const r = await w.form(twilio(CALLER, MAIN, 'STOP'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(await r.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(w.store.optOuts()).toMatchObject([{ site: 'riverside', number: CALLER, source: 'sms' }]);
    // The engine's own check before an offer now says no.
    const plan = w.f.engine.currentPlan();
    expect(smsEligibility(plan, CALLER, 'book-online', { recentCount: 0, optedOut: w.store.isOptedOut('riverside', CALLER) })).toMatchObject({ ok: false, reason: 'opted-out' });
    expect(w.lines.join('')).toContain('STOP; no more texts to it from site riverside');
    expect(w.lines.join('')).not.toContain(CALLER);
  });

  it.each(['STOP', 'stop', '  Stop \n', 'Stop.', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit', 'OPTOUT', 'revoke'])('JSON %j is an opt-out', async (text) => {
    const w = await webhook();
    const r = await w.json({ from: CALLER, to: MAIN, text });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ result: 'opted-out', site: 'riverside' });
    expect(w.store.isOptedOut('riverside', CALLER)).toBe(true);
  });

  it('START, UNSTOP or YES undoes it (and an opt-out for every site); the number may be offered texts again', async () => {
    const w = await webhook();
    for (const start of ['START', 'unstop', 'Yes']) {
      expect((await w.form(twilio(CALLER, MAIN, 'stop'))).status).toBe(200);
      w.store.optOut('*', CALLER, 1, 'cli');
      expect(w.store.isOptedOut('riverside', CALLER)).toBe(true);
      const r = await w.json({ from: CALLER, to: MAIN, text: start });
      expect(await r.json()).toEqual({ result: 'opted-in', site: 'riverside' });
      expect(w.store.optOuts()).toEqual([]);
    }
    expect(w.lines.join('')).toContain('START; it may be texted again from site riverside (2 opt-out(s) removed)');
  });

  it('another number opts out of its own site only; a number of no site, and the shared sending number, of every site', async () => {
    const w = await webhook({ config: NETWORK });
    const plan = loadPlan(NETWORK).plan!;
    const houston = [...plan.didToSite].find(([, s]) => s === 'houston')![0];
    expect(await (await w.json({ from: CALLER, to: houston, text: 'STOP' })).json()).toEqual({ result: 'opted-out', site: 'houston' });
    expect(w.store.isOptedOut('houston', CALLER)).toBe(true);
    expect(w.store.isOptedOut('austin', CALLER)).toBe(false);
    // Every site's texts come from sms.from (+18005550100): its STOP must stop them all.
    const other = '+15125550177';
    expect(await (await w.json({ from: other, to: plan.sms!.from, text: 'STOP' })).json()).toEqual({ result: 'opted-out', site: '*' });
    expect(await (await w.json({ from: '+15125550166', to: '+19995550000', text: 'STOP' })).json()).toEqual({ result: 'opted-out', site: '*' });
    for (const site of ['austin', 'houston', 'el-paso']) expect(w.store.isOptedOut(site, other)).toBe(true);
    // START to the shared number lifts every opt-out of that number.
    w.store.optOut('el-paso', other, 1, 'cli');
    expect(await (await w.json({ from: other, to: plan.sms!.from, text: 'START' })).json()).toEqual({ result: 'opted-in', site: '*' });
    expect(w.store.optOuts().filter((x) => x.number === other)).toEqual([]);
  });

  it.each([
    ['a sentence with stop in it', 'Please stop by at 3, my number is 512 555 0123'],
    ['a question', 'What time do you open?'],
    ['an empty text (a picture)', ''],
  ])('%s changes nothing, is acknowledged, and its words are not logged', async (_what, text) => {
    const w = await webhook();
    w.store.optOut('riverside', '+15125550111', 1, 'cli');
    const before = w.store.optOuts();
    const form = await w.form(twilio(CALLER, MAIN, text));
    expect(form.status).toBe(200);
    expect(await form.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const json = await w.json({ from: CALLER, to: MAIN, text });
    expect(await json.json()).toEqual({ result: 'ignored', site: null });
    expect(w.store.optOuts()).toEqual(before);
    const log = w.lines.join('');
    expect(log).toContain('not STOP or START; nothing to do (the text is not logged)');
    if (text) expect(log).not.toContain(text);
    expect(log).not.toContain('5550123');
  });
});

describe('who may post to /sms/inbound', () => {
  it.each([
    ['no key', null],
    ['a wrong key', 'sms-webhook-key-0123456780'],
    ['the admin token', ADMIN],
    ['a longer key', `${KEY}x`],
  ])('%s: 401 sms-webhook-key, nothing recorded', async (_what, key) => {
    const w = await webhook();
    const r = await w.form(twilio(CALLER, MAIN, 'STOP'), key);
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ code: 'sms-webhook-key' });
    const j = await w.json({ from: CALLER, to: MAIN, text: 'STOP' }, key);
    expect(j.status).toBe(401);
    expect(w.store.optOuts()).toEqual([]);
  });

  it('without PBX_ROUTER_SMS_WEBHOOK_TOKEN the route is off, whatever key is given', async () => {
    const w = await webhook({ key: null });
    for (const key of [null, '', KEY]) {
      const r = await w.form(twilio(CALLER, MAIN, 'STOP'), key);
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ code: 'sms-webhook-off', error: expect.stringContaining('PBX_ROUTER_SMS_WEBHOOK_TOKEN') });
    }
    expect(w.store.optOuts()).toEqual([]);
  });

  it('the bearer token does not open it, and its key does not open the rest of the API', async () => {
    const w = await webhook();
    const bearer = await fetch(`${w.admin.url}/sms/inbound`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ from: CALLER, to: MAIN, text: 'STOP' }) });
    expect(bearer.status).toBe(401);
    expect((await fetch(`${w.admin.url}/status?key=${KEY}`)).status).toBe(401);
    expect((await fetch(`${w.admin.url}/status`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(401);
  });

  it('the key must be 16+ characters and differ from the admin and wallboard tokens', () => {
    expect(() => checkTokens({ token: ADMIN, smsWebhookToken: 'short' })).toThrow('at least 16 characters (PBX_ROUTER_SMS_WEBHOOK_TOKEN)');
    expect(() => checkTokens({ token: ADMIN, smsWebhookToken: ADMIN })).toThrow('must differ from the admin and wallboard tokens');
    expect(() => checkTokens({ token: ADMIN, wallboardToken: KEY, smsWebhookToken: KEY })).toThrow('must differ from the admin and wallboard tokens');
    expect(() => checkTokens({ token: ADMIN, wallboardToken: 'wallboard-key-0123456789', smsWebhookToken: KEY })).not.toThrow();
  });
});

describe('bad requests to /sms/inbound', () => {
  it.each([
    ['a form without From', 'form', { To: MAIN, Body: 'STOP' }, 400, 'bad-request', 'no From'],
    ['JSON without from', 'json', { to: MAIN, text: 'STOP' }, 400, 'bad-request', 'no from'],
    ['JSON with a number as text', 'json', { from: CALLER, to: MAIN, text: 7 }, 400, 'bad-request', 'a text that is not text'],
    ['a sender that is not a phone number', 'json', { from: 'CLINIC', to: MAIN, text: 'STOP' }, 400, 'bad-request', 'from is not a phone number in E.164'],
    ['a JSON array', 'json', [CALLER, MAIN, 'STOP'], 400, 'bad-request', 'send the inbound text as JSON'],
  ] as const)('%s: %i %s', async (_what, kind, body, status, code, message) => {
    const w = await webhook();
    const r = kind === 'form' ? await w.form(body as Record<string, string>) : await w.json(body);
    expect(r.status).toBe(status);
    expect(await r.json()).toMatchObject({ code, error: expect.stringContaining(message) });
    expect(w.store.optOuts()).toEqual([]);
  });

  it('broken JSON is bad-json, plain text unsupported-media-type, and the engine answers the next request', async () => {
    const w = await webhook();
    const url = `${w.admin.url}/sms/inbound?key=${KEY}`;
    const broken = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"from": "+1' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ code: 'bad-json' });
    const text = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'STOP' });
    expect(text.status).toBe(415);
    expect((await w.json({ from: CALLER, to: MAIN, text: 'STOP' })).status).toBe(200);
  });

  it('a database that fails the write answers 500 internal, logs how to record it by hand, and the API stays up', async () => {
    const failing: SmsOptOutList = {
      optOut: () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
      optIn: () => false,
      optInEverywhere: () => 0,
    };
    const w = await webhook({ optOuts: failing });
    const r = await w.form(twilio(CALLER, MAIN, 'STOP'));
    expect(r.status).toBe(500);
    expect(await r.json()).toMatchObject({ code: 'internal' });
    expect(w.lines.join('')).toContain('could not be recorded (SQLITE_FULL: database or disk is full); record it by hand: pbx-router sms opt-out <number> --site riverside');
    expect((await fetch(`${w.admin.url}/healthz`)).status).toBe(200);
  });
});
