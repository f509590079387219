/**
 * Checks of the `sms:` section and of what refers to it: messages named by `sms` actions and queue
 * offers exist, templates use known placeholders and no patient data, a message has a text in the
 * clinic language (the fallback for every caller), and fits in one SMS once filled in (warning).
 */
import type { Config } from './schema.js';
import type { ConfigPath } from './load.js';
import type { SemanticIssue } from './semantic.js';
import { DateTime } from 'luxon';
import { NEXT_OPENING_FORMAT, placeholderProblem, placeholdersOf, smsLength } from './sms-templates.js';
import { listed } from './printable.js';

/** What a provider field template may use: the number, the sender, the text and the idempotency key. */
const PROVIDER_FIELDS: ReadonlySet<string> = new Set(['to', 'from', 'text', 'key']);

/**
 * What `{nextOpening}` can become in a language: one date per weekday and per month, so that the
 * check sees the longest name and any letter outside the GSM alphabet (Spanish `sáb` turns a
 * whole text into UCS-2, 70 characters a part).
 */
function openingSamples(language: string): string[] {
  const out = new Set<string>();
  for (let m = 1; m <= 12; m++) for (let d = 1; d <= 7; d++) out.add(DateTime.utc(2026, m, d, 23, 59).setLocale(language).toFormat(NEXT_OPENING_FORMAT));
  return [...out];
}

/** Problems of the sms section and of the queue offers (the `sms` actions are checked with the other actions). */
export function smsIssues(cfg: Config): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const add = (path: ConfigPath, code: string, message: string, severity?: 'warning') => issues.push({ path, code, message, ...(severity ? { severity } : {}) });
  const messages = cfg.sms?.messages ?? {};
  const clinicLanguage = cfg.clinic?.language ?? 'en';
  const clinic = cfg.clinic?.name ?? 'the clinic';
  const siteNames = Object.values(cfg.sites ?? {}).map((s) => s.name);
  const longestSite = siteNames.reduce((a, b) => (b.length > a.length ? b : a), '');

  for (const [qid, q] of Object.entries(cfg.queues ?? {})) {
    if (!q.smsOffer) continue;
    const missing = smsMessageMissing(cfg, q.smsOffer.message);
    if (missing) add(['queues', qid, 'smsOffer', 'message'], 'unknown-reference', missing);
    if (q.smsOffer.whenWaitOver >= q.maxWait) {
      add(['queues', qid, 'smsOffer', 'whenWaitOver'], 'sms-offer-too-late', `the text is offered after ${q.smsOffer.whenWaitOver}s of waiting, but callers leave queue ${qid} after maxWait ${q.maxWait}s: nobody would hear the offer`, 'warning');
    }
    // The shipped prompt pbx-router/sms-offer says "press 2".
    if (q.smsOffer.digit !== undefined && q.smsOffer.digit !== '2') {
      add(['queues', qid, 'smsOffer', 'digit'], 'sms-offer-digit', `the offer's prompt (pbx-router/sms-offer) tells callers to press 2, but the key is ${q.smsOffer.digit}: use 2, or replace sounds/<lang>/pbx-router/sms-offer.wav on the Asterisk with a recording that names ${q.smsOffer.digit}`, 'warning');
    }
  }

  const provider = cfg.sms?.provider;
  if (provider) {
    const used = new Set<string>();
    for (const [field, template] of Object.entries(provider.fields)) {
      for (const name of placeholdersOf(template)) {
        used.add(name);
        if (!PROVIDER_FIELDS.has(name)) add(['sms', 'provider', 'fields', field], 'sms-unknown-placeholder', `unknown placeholder {${name}} in provider field ${field} (known: {to}, {from}, {text}, {key})`);
      }
    }
    for (const need of ['to', 'text']) {
      if (!used.has(need)) add(['sms', 'provider', 'fields'], 'sms-provider-field', `no provider field carries {${need}}: the provider would not know ${need === 'to' ? 'whom to text' : 'what to send'}`);
    }
    for (const name of placeholdersOf(provider.url)) {
      if (name !== 'user') add(['sms', 'provider', 'url'], 'sms-unknown-placeholder', `unknown placeholder {${name}} in the provider URL (only {user}, the SMS_PROVIDER_USER secret, e.g. a Twilio Account SID)`);
    }
  }

  for (const [id, text] of Object.entries(messages)) {
    const texts: [string | null, string][] = typeof text === 'string' ? [[null, text]] : Object.entries(text);
    if (typeof text !== 'string' && text[clinicLanguage] === undefined) {
      add(['sms', 'messages', id], 'sms-missing-language', `message ${id} has no text in the clinic language ${clinicLanguage} (${listed(Object.keys(text))} given): a caller of any other language gets the ${clinicLanguage} text; add ${clinicLanguage}: "..."`);
    }
    for (const [lang, t] of texts) {
      const path: ConfigPath = lang === null ? ['sms', 'messages', id] : ['sms', 'messages', id, lang];
      const bad = placeholdersOf(t).map(placeholderProblem).filter((p) => p !== null);
      for (const p of bad) add(path, p.code, `message ${id}${lang ? ` (${lang})` : ''}: ${p.message}`);
      if (bad.length > 0) continue;
      // The longest the text can get: the real clinic name, the longest site name, every date form.
      const base = t.replaceAll('{clinic}', clinic).replaceAll('{site}', longestSite);
      const forms = base.includes('{nextOpening}') ? openingSamples(lang ?? clinicLanguage).map((o) => base.replaceAll('{nextOpening}', o)) : [base];
      const len = forms.map(smsLength).reduce((worst, l) => (l.units - l.limit > worst.units - worst.limit ? l : worst));
      if (len.units > len.limit) {
        add(path, 'sms-too-long', `message ${id}${lang ? ` (${lang})` : ''} can reach ${len.units} ${len.encoding === 'gsm-7' ? 'characters' : 'characters in UCS-2 (it has a character outside the GSM alphabet, e.g. á or an emoji)'} once filled in, more than one SMS (${len.limit}): it is sent as several parts, each billed; shorten it`, 'warning');
      }
    }
  }
  return issues;
}

/** Why an `sms` reference does not resolve, or null when the message exists. */
export function smsMessageMissing(cfg: Config, id: string): string | null {
  if (!cfg.sms) return `sms message '${id}' but there is no sms: section (add sms: with a provider and messages)`;
  const known = Object.keys(cfg.sms.messages);
  return known.includes(id) ? null : `unknown sms message '${id}' (defined: ${known.length ? listed(known) : 'none; add it under sms.messages'})`;
}
