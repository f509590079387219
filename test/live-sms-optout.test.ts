/**
 * STOP as `run` wires it (main.ts) against the fake Asterisk: with PBX_ROUTER_SMS_WEBHOOK_TOKEN in
 * the engine's environment, Twilio's inbound form to the admin API puts the caller on the opt-out
 * list in the engine's database, and that caller, waiting in the queue, is then never offered a text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../src/store/db.js';
import { SmsStore } from '../src/store/sms-store.js';
import { startLive, type Live } from './scenarios/live-harness.js';
import { callOf, played, ringing } from './scenarios/live-helpers.js';
import { only } from './support/agents.js';
import { CALLER, MAIN } from './support/numbers.js';

const ADMIN = 'admin-token-for-sms-optout-01';
const KEY = 'sms-webhook-key-for-live-0123';

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

describe('a STOP reply reaches the running engine', () => {
  it('Twilio posts STOP; the caller then waits past whenWaitOver, hears no offer, and 2 sends nothing', async () => {
    live = await startLive({ at: '2026-11-23T10:00', adminToken: ADMIN, jsonLog: true, env: { PBX_ROUTER_SMS_WEBHOOK_TOKEN: KEY } });
    const l = live;
    const form = new URLSearchParams({ From: CALLER, To: MAIN, Body: 'Stop', MessageSid: 'SM22222222222222222222222222222222', AccountSid: 'AC00000000000000000000000000000000' });
    const r = await fetch(`${l.run.admin!.url}/sms/inbound?key=${KEY}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    // Without the key, nothing.
    expect((await fetch(`${l.run.admin!.url}/sms/inbound`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() })).status).toBe(401);

    ringing(l);
    only(l.run.engine, []);
    const call = l.fake.placeCall({ did: MAIN, caller: CALLER, script: { dtmf: [{ at: 2000, digit: '1' }, { at: 133_000, digit: '2' }], hangupAfter: 150_000 } });
    await l.until('ended', () => callOf(l, call.channelId)?.state === 'ended', 200_000);
    expect(played(l, call.channelId)).not.toContain('sound:pbx-router/sms-offer');
    const id = callOf(l, call.channelId)!.id;
    expect(l.run.store.events(id).filter((e) => e.type === 'sms-not-offered').map((e) => e.data)).toMatchObject([{ message: 'book-online', reason: 'opted-out' }]);

    const db = openDb(l.database);
    try {
      const sms = new SmsStore(db);
      expect(sms.optOuts()).toMatchObject([{ site: 'riverside', number: CALLER, source: 'sms' }]);
      expect(sms.forCall(id)).toEqual([]);
    } finally {
      db.close();
    }
    const log = l.logs.join('\n');
    expect(log).toContain('STOP; no more texts to it from site riverside');
    expect(log).not.toContain(KEY);
    expect(log).not.toContain(CALLER);
  }, 60_000);
});
