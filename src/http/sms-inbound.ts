/**
 * `POST /sms/inbound`: the SMS provider's webhook for texts patients send to the clinic's texting
 * number. STOP (and its synonyms) puts the sender on the opt-out list, START takes them off; any
 * other text is acknowledged and dropped, and its words are never logged (patient data).
 *
 * Twilio posts a form (`From`, `To`, `Body`) and cannot send the admin bearer token, so the route
 * has its own key in the URL (`?key=<PBX_ROUTER_SMS_WEBHOOK_TOKEN>`), compared in constant time;
 * without that variable the route is off. Other providers post JSON `{ from, to, text }`. Twilio
 * gets an empty TwiML `<Response/>` (it sends no reply of ours; its own opt-out handling answers
 * STOP), a JSON post gets what was done.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logging/logger.js';
import { e164Number, maskNumber } from '../routing/e164.js';
import { replySite, smsReply, type SmsReply } from '../routing/sms-replies.js';
import type { Plan } from '../routing/types.js';
import { ALL_SITES } from '../store/sms-store.js';
import { AdminError } from './errors.js';

/** The opt-out list the webhook changes (SmsStore). */
export interface SmsOptOutList {
  /** The number gets no more texts for this site (`*`: any site); a repeat keeps the first record. */
  optOut(site: string, number: string, at: number, source: string): void;
  /** Undoes an opt-out for exactly this site (or `*`); true when there was one. */
  optIn(site: string, number: string): boolean;
  /** Undoes every opt-out of the number; how many there were. */
  optInEverywhere(number: string): number;
}

export interface SmsInboundDeps {
  /** PBX_ROUTER_SMS_WEBHOOK_TOKEN; without it the route answers `sms-webhook-off`. */
  readonly token: string | undefined;
  readonly optOuts: SmsOptOutList | undefined;
  /** The running config: which site a DID belongs to, and the home country. */
  readonly plan: () => Plan;
  readonly now: () => number;
  readonly same: (given: string, token: string) => boolean;
  readonly log?: Logger;
}

/** Where an opt-out that came in as a reply is recorded from (sms_opt_outs.source). */
export const SMS_REPLY_SOURCE = 'sms';

/** Twilio's inbound texts carry ~20 fields and a Body of up to 1600 characters, percent-encoded. */
const INBOUND_BODY_LIMIT = 64_000;

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

type Outcome = 'opted-out' | 'opted-in' | 'ignored';

interface Inbound {
  readonly form: boolean;
  readonly from: string;
  readonly to: string;
  readonly text: string;
}

/** The sender, recipient and words of the request, in either shape; a 400 naming what is missing. */
function inboundOf(req: FastifyRequest): Inbound {
  const form = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
  const body = req.body;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AdminError('bad-request', form ? "the form is empty (Twilio's inbound message fields: From, To, Body)" : 'send the inbound text as JSON { "from": "+1...", "to": "+1...", "text": "..." } or as Twilio\'s form (From, To, Body)');
  }
  const b = body as Record<string, unknown>;
  const [fromKey, toKey, textKey] = form ? ['From', 'To', 'Body'] : ['from', 'to', 'text'];
  const field = (k: string, optional = false): string => {
    const v = b[k];
    if (typeof v === 'string') return v;
    if (v === undefined && optional) return '';
    throw new AdminError('bad-request', `${form ? 'the form' : 'body'} has ${v === undefined ? `no ${k}` : `a ${k} that is not text`} (expected ${fromKey}, ${toKey} and ${textKey})`, { field: k });
  };
  // A picture with no words comes with an empty Body, or none.
  return { form, from: field(fromKey), to: field(toKey), text: field(textKey, true) };
}

/** Adds POST /sms/inbound, behind its own key. */
export function registerSmsInbound(app: FastifyInstance, d: SmsInboundDeps): void {
  void app.register(async (api) => {
    api.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: INBOUND_BODY_LIMIT }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
    // Before the body is read: nobody without the key gets anything parsed.
    api.addHook('onRequest', async (req: FastifyRequest<{ Querystring: { key?: unknown } }>) => {
      if (!d.token || !d.optOuts) throw new AdminError('sms-webhook-off', 'texts from patients are not taken: set PBX_ROUTER_SMS_WEBHOOK_TOKEN (16+ characters) in the secrets file and give the provider /sms/inbound?key=<that token>');
      const key = req.query.key;
      if (!d.same(typeof key === 'string' ? key : '', d.token)) throw new AdminError('sms-webhook-key', 'missing or wrong key: the provider must post to /sms/inbound?key=<PBX_ROUTER_SMS_WEBHOOK_TOKEN>');
    });
    api.post('/sms/inbound', { bodyLimit: INBOUND_BODY_LIMIT }, async (req, reply: FastifyReply) => {
      const m = inboundOf(req);
      const plan = d.plan();
      const country = plan.sms?.country ?? plan.outbound?.country ?? '1';
      const from = e164Number(m.from, country);
      if (from === null) throw new AdminError('bad-request', `${m.form ? 'From' : 'from'} is not a phone number in E.164 (expected e.g. +15125550123)`, { field: m.form ? 'From' : 'from' });
      const to = e164Number(m.to, country) ?? m.to.trim();
      const kind = smsReply(m.text);
      const outcome = apply(d, plan, kind, from, to);
      return m.form ? reply.type('text/xml; charset=utf-8').send(EMPTY_TWIML) : { result: outcome.result, site: outcome.site };
    });
  });
}

/** Changes the list for an opt-out or opt-in, logs what was done (never the words), and says what. */
function apply(d: SmsInboundDeps, plan: Plan, kind: SmsReply, from: string, to: string): { result: Outcome; site: string | null } {
  const who = maskNumber(from);
  if (kind === 'other') {
    d.log?.info({ from: who, to, reply: kind }, `sms from ${who} to ${to}: not STOP or START; nothing to do (the text is not logged)`);
    return { result: 'ignored', site: null };
  }
  const site = replySite(plan, to) ?? ALL_SITES;
  const where = site === ALL_SITES ? 'every site' : `site ${site}`;
  try {
    if (kind === 'opt-out') {
      d.optOuts!.optOut(site, from, d.now(), SMS_REPLY_SOURCE);
      d.log?.info({ from: who, to, site, reply: kind }, `sms from ${who} to ${to}: STOP; no more texts to it from ${where}`);
      return { result: 'opted-out', site };
    }
    // START undoes whatever keeps texts from that number's site: its own opt-out and one for every site.
    const removed = site === ALL_SITES ? d.optOuts!.optInEverywhere(from) : Number(d.optOuts!.optIn(site, from)) + Number(d.optOuts!.optIn(ALL_SITES, from));
    d.log?.info({ from: who, to, site, reply: kind, removed }, `sms from ${who} to ${to}: START; it may be texted again from ${where} (${removed} opt-out(s) removed)`);
    return { result: 'opted-in', site };
  } catch (e) {
    const fix = kind === 'opt-out' ? `pbx-router sms opt-out <number> ${site === ALL_SITES ? '--all-sites' : `--site ${site}`}` : `pbx-router sms opt-in <number> ${site === ALL_SITES ? '--all-sites' : `--site ${site}`}`;
    d.log?.error({ err: e, from: who, site }, `sms from ${who}: the ${kind} for ${where} could not be recorded (${(e as Error).message}); record it by hand: ${fix}`);
    throw new AdminError('internal', 'the engine failed to record this text; its log has the cause');
  }
}
