/**
 * What a text a patient sends to the clinic's texting number means (pure): the carriers' standard
 * opt-out and opt-in keywords, and the site the opt-out is for.
 *
 * The keywords are those US carriers (CTIA) and Twilio honour: the whole message is the keyword,
 * in any case, with spaces around it (and a full stop or exclamation mark after it: `Stop.` is
 * still a patient saying stop). A sentence that merely contains "stop" is not one.
 */
import type { Plan } from './types.js';

export type SmsReply = 'opt-out' | 'opt-in' | 'other';

/** STOP and its synonyms (Twilio's list, with OPTOUT and REVOKE added in 2025). */
export const OPT_OUT_KEYWORDS: readonly string[] = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE'];
/** What undoes an opt-out. */
export const OPT_IN_KEYWORDS: readonly string[] = ['START', 'UNSTOP', 'YES'];

/** Whether a message is an opt-out, an opt-in or anything else. */
export function smsReply(body: string): SmsReply {
  const word = body.trim().replace(/[.!]+$/, '').trim().toUpperCase();
  if (OPT_OUT_KEYWORDS.includes(word)) return 'opt-out';
  if (OPT_IN_KEYWORDS.includes(word)) return 'opt-in';
  return 'other';
}

/**
 * The site a reply to `to` opts out of: the site whose DID it is; null (every site) for a number
 * that is no site's, and for the number every text is sent from (sms.from) when there are several
 * sites, since a STOP must stop every text that number sends, whichever site's call it followed.
 */
export function replySite(plan: Plan, to: string): string | null {
  if (plan.sms !== null && to === plan.sms.from && plan.sites.size > 1) return null;
  return plan.didToSite.get(to) ?? null;
}
