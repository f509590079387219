/**
 * Who may be texted, and what the text says: pure, for the call engine to decide whether to offer
 * "press 2 to get a text" or to carry out an `sms` step. Only the caller's own number gets a text,
 * never a number they type: it must be E.164 in the clinic's home country (not a NANP Caribbean
 * or premium-rate number, which bill internationally), not have opted out at the site, and not
 * have had sms.maxPerNumberPerHour texts in the last hour. The engine reads the last two from the
 * store (SmsStore.isOptedOut, countToNumberSince(caller, now - SMS_LIMIT_WINDOW_MS)).
 */
import { DateTime } from 'luxon';
import { NANP_CARIBBEAN, NANP_PREMIUM } from '../config/toll-fraud.js';
import { fillTemplate, NEXT_OPENING_FORMAT } from '../config/sms-templates.js';
import { nextOpening } from './schedule.js';
import type { Plan } from './types.js';

/** The window of the per-number limit. */
export const SMS_LIMIT_WINDOW_MS = 3_600_000;

export type SmsRefusal = 'no-sms' | 'unknown-message' | 'anonymous' | 'not-e164' | 'international' | 'premium' | 'hourly-limit' | 'opted-out';

export type SmsEligibility = { readonly ok: true; readonly to: string } | { readonly ok: false; readonly reason: SmsRefusal; readonly detail: string };

/** What the store knows about the number. */
export interface SmsHistory {
  /** Texts to this number in the last SMS_LIMIT_WINDOW_MS (SmsStore.countToNumberSince). */
  readonly recentCount: number;
  /** Opted out at the call's site or at every site (SmsStore.isOptedOut). */
  readonly optedOut: boolean;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;
/** What carriers put in the caller id of a withheld number. */
const WITHHELD = /^(|anonymous|restricted|private|unavailable|unknown|withheld)$/i;

/** Whether this caller may be texted this message now; the reason when not. */
export function smsEligibility(plan: Plan, caller: string, message: string, history: SmsHistory): SmsEligibility {
  const sms = plan.sms;
  if (!sms) return { ok: false, reason: 'no-sms', detail: 'the config has no sms: section' };
  if (!sms.messages.has(message)) return { ok: false, reason: 'unknown-message', detail: `no sms message '${message}' in the running config` };
  const number = caller.trim();
  if (WITHHELD.test(number)) return { ok: false, reason: 'anonymous', detail: 'the caller withheld the number' };
  if (!E164.test(number)) return { ok: false, reason: 'not-e164', detail: 'the caller id is not an E.164 number' };
  const nanp = sms.country === '1';
  if (!number.startsWith(`+${sms.country}`) || (nanp && NANP_CARIBBEAN.test(number))) {
    return { ok: false, reason: 'international', detail: `not a number of the home country +${sms.country}` };
  }
  if (nanp && NANP_PREMIUM.test(number)) return { ok: false, reason: 'premium', detail: 'a premium-rate number' };
  if (history.optedOut) return { ok: false, reason: 'opted-out', detail: 'the number opted out of texts from this site' };
  if (history.recentCount >= sms.maxPerNumberPerHour) {
    return { ok: false, reason: 'hourly-limit', detail: `${history.recentCount} text(s) to this number in the last hour (limit ${sms.maxPerNumberPerHour})` };
  }
  return { ok: true, to: number };
}

/** Words for {nextOpening} when the site is open now, or opens in no time the schedule shows. */
const NOW: Readonly<Record<string, string>> = { en: 'now', es: 'ahora', fr: 'maintenant', de: 'jetzt', pt: 'agora', it: 'ora' };
const UNKNOWN: Readonly<Record<string, string>> = { en: 'soon', es: 'pronto', fr: 'bientôt', de: 'bald', pt: 'em breve', it: 'presto' };

/**
 * The text of a message in the caller's language (else the clinic's), with the clinic name, the
 * site's name and its next opening (local time, e.g. `Mon 23 Nov 08:00`) filled in; null when the
 * config has no such message. Without a site: the first site to open.
 */
export function smsText(plan: Plan, message: string, language: string, site: string | null, at: number): { readonly text: string; readonly language: string } | null {
  const texts = plan.sms?.messages.get(message);
  if (!texts) return null;
  const lang = texts[language] !== undefined ? language : texts[plan.clinic.language] !== undefined ? plan.clinic.language : Object.keys(texts)[0]!;
  const base = lang.slice(0, 2);
  const sites = site !== null && plan.sites.has(site) ? [plan.sites.get(site)!] : [...plan.sites.values()];
  let opening: { at: number; zone: string } | null = null;
  for (const s of sites) {
    const t = nextOpening(s.schedule, s.timezone, at);
    if (t !== null && (opening === null || t < opening.at)) opening = { at: t, zone: s.timezone };
  }
  const when =
    opening === null ? (UNKNOWN[base] ?? UNKNOWN.en!) : opening.at <= at ? (NOW[base] ?? NOW.en!) : DateTime.fromMillis(opening.at, { zone: opening.zone }).setLocale(lang).toFormat(NEXT_OPENING_FORMAT);
  const siteName = site !== null ? (plan.sites.get(site)?.name ?? plan.clinic.name) : plan.clinic.name;
  return { text: fillTemplate(texts[lang]!, { clinic: plan.clinic.name, site: siteName, nextOpening: when }), language: lang };
}
