/**
 * Texts to callers (issue 16): an `sms` step of a decision, and a queue's text offer ("press 2 to
 * get a text instead of waiting"). Only the caller's own number, when smsEligibility allows it
 * (home country, not withheld, not opted out at the site, under the hourly limit): the text is
 * stored in the outbox with its body filled in, the call records it (never the number) and the
 * outbox is flushed. The call goes on whatever happens here: a text is never worth a caller.
 */
import { SMS_LIMIT_WINDOW_MS, smsEligibility, smsText, type SmsEligibility } from '../routing/sms-eligibility.js';
import type { LiveCall } from './call-registry.js';
import type { EffectContext, Handlers, SmsDeps } from './effect-context.js';

/** Whether this call's caller may get this text now (the store's history of the number included). */
function eligibility(ctx: EffectContext, sms: SmsDeps, live: LiveCall, message: string, site: string | null): SmsEligibility {
  const number = live.session.caller.trim();
  const history = { recentCount: sms.store.countToNumberSince(number, ctx.clock.now() - SMS_LIMIT_WINDOW_MS), optedOut: sms.store.isOptedOut(site, number) };
  return smsEligibility(live.plan, live.session.caller, message, history);
}

/** The call's site: routing's, else its number's. */
const siteOf = (live: LiveCall, site: string | null = null): string | null => site ?? live.session.outcome?.site ?? live.plan.didToSite.get(live.session.did) ?? null;

export const smsEffects: Pick<Handlers, 'send-sms'> = {
  'send-sms'(ctx, id, live, e) {
    const log = ctx.logOf(id);
    const sms = ctx.sms;
    if (!sms) {
      log.warn({ step: 'sms', message: e.message, result: 'not-set-up' }, `call ${id}: text ${e.message} not sent: texting is not set up in this engine; the call goes on`);
      ctx.journal.event(id, 'sms-refused', { message: e.message, reason: 'not-set-up' });
      return;
    }
    try {
      const site = siteOf(live, e.site);
      const may = eligibility(ctx, sms, live, e.message, site);
      if (!may.ok) {
        log.info({ step: 'sms', message: e.message, result: 'refused', reason: may.reason }, `call ${id}: no text ${e.message}: ${may.detail}`);
        ctx.journal.event(id, 'sms-refused', { message: e.message, reason: may.reason, detail: may.detail });
        return;
      }
      const now = ctx.clock.now();
      const text = smsText(live.plan, e.message, live.language ?? live.session.outcome?.language ?? live.plan.clinic.language, site, now)!;
      const smsId = sms.store.queue({ callId: id, to: may.to, message: e.message, language: text.language, body: text.text, site, createdAt: now });
      log.info({ step: 'sms', message: e.message, result: 'queued', sms: smsId, language: text.language }, `call ${id}: text ${e.message} queued (text ${smsId}, ${text.language})`);
      ctx.journal.event(id, 'sms-queued', { sms: smsId, message: e.message, language: text.language, status: 'queued' });
      sms.flush().catch((err: Error) => log.warn({ sms: smsId, err }, `text ${smsId}: flush failed: ${err.message}; it stays queued`));
    } catch (err) {
      log.error({ err, message: e.message }, `call ${id}: text ${e.message} could not be queued: ${(err as Error).message}; the call goes on`);
    }
  },
};

/**
 * The caller's wait passed their queue's smsOffer: they hear the offer only when they may get the
 * text (checked once, now); otherwise the call records why not. Nothing without texting set up.
 */
export function offerSms(ctx: EffectContext, id: string, offer: { readonly message: string; readonly digit: string }): void {
  const live = ctx.registry.get(id);
  const sms = ctx.sms;
  if (!live || !sms || live.session.smsOffer || live.session.state !== 'queued') return;
  const log = ctx.logOf(id);
  let may: SmsEligibility;
  try {
    may = eligibility(ctx, sms, live, offer.message, siteOf(live));
  } catch (err) {
    log.error({ err }, `call ${id}: the text offer could not be checked: ${(err as Error).message}; not offered`);
    return;
  }
  if (!may.ok) {
    log.info({ step: 'sms-offer', message: offer.message, result: 'not-offered', reason: may.reason }, `call ${id}: no text offered: ${may.detail}`);
    ctx.journal.event(id, 'sms-not-offered', { message: offer.message, reason: may.reason, detail: may.detail });
    return;
  }
  log.info({ step: 'sms-offer', message: offer.message, digit: offer.digit }, `call ${id}: text ${offer.message} offered (key ${offer.digit})`);
  ctx.journal.event(id, 'sms-offered', { message: offer.message, digit: offer.digit });
  ctx.deliver(id, { type: 'sms-offer', message: offer.message, digit: offer.digit });
}
