/** Who may get a text, and what it says: pure functions over a compiled plan. */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compileSources } from '../../../src/config/index.js';
import { smsEligibility, smsText } from '../../../src/routing/sms-eligibility.js';
import type { Plan } from '../../../src/routing/types.js';

function plan(extra: Record<string, unknown> = {}, sms: Record<string, unknown> = {}): Plan {
  const cfg = {
    clinic: { name: 'Riverside Clinic', language: 'en' },
    sites: {
      main: { name: 'Riverside', timezone: 'America/Chicago', schedule: 'hours' },
      west: { name: 'West Lake', timezone: 'America/Denver', schedule: 'late' },
    },
    schedules: { hours: { weekly: { mon: ['08:00-17:00'], sat: ['09:00-12:00'] } }, late: { weekly: { mon: ['10:00-19:00'] } } },
    mailboxes: { desk: { email: ['desk@clinic.example'] } },
    routes: { inbound: [{ name: 'All', then: [{ voicemail: 'desk' }] }] },
    sms: {
      from: '+15125550100',
      maxPerNumberPerHour: 2,
      provider: { url: 'https://sms.example/send', auth: 'none', body: 'json', fields: { to: '{to}', text: '{text}' } },
      messages: { hours: { en: '{clinic}: {site} opens {nextOpening}.', es: '{clinic}: {site} abre {nextOpening}.' }, plain: 'Call us at {clinic}.' },
      ...sms,
    },
    ...extra,
  };
  const r = compileSources([{ path: 'x.yaml', text: stringify(cfg) }], '/');
  if (!r.plan) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

const CLEAN = { recentCount: 0, optedOut: false };

describe('smsEligibility', () => {
  const p = plan();
  it.each([
    ['a home-country mobile', '+15125550123', CLEAN, { ok: true, to: '+15125550123' }],
    ['a withheld number', 'anonymous', CLEAN, { ok: false, reason: 'anonymous' }],
    ['an empty caller id', '', CLEAN, { ok: false, reason: 'anonymous' }],
    ['a carrier\'s "Restricted"', 'Restricted', CLEAN, { ok: false, reason: 'anonymous' }],
    ['a national number without +', '5125550123', CLEAN, { ok: false, reason: 'not-e164' }],
    ['an international caller', '+447700900123', CLEAN, { ok: false, reason: 'international' }],
    ['a NANP Caribbean number (bills internationally)', '+18765550123', CLEAN, { ok: false, reason: 'international' }],
    ['a premium-rate number', '+19005550123', CLEAN, { ok: false, reason: 'premium' }],
    ['a number that opted out at the site', '+15125550123', { recentCount: 0, optedOut: true }, { ok: false, reason: 'opted-out' }],
    ['a number at the hourly limit', '+15125550123', { recentCount: 2, optedOut: false }, { ok: false, reason: 'hourly-limit' }],
    ['a number one under the limit', '+15125550123', { recentCount: 1, optedOut: false }, { ok: true, to: '+15125550123' }],
  ])('%s', (_what, caller, history, want) => {
    expect(smsEligibility(p, caller, 'hours', history)).toMatchObject(want);
  });

  it('an unknown message, or a config without sms, texts nobody', () => {
    expect(smsEligibility(p, '+15125550123', 'nope', CLEAN)).toMatchObject({ ok: false, reason: 'unknown-message' });
    expect(smsEligibility({ ...p, sms: null }, '+15125550123', 'hours', CLEAN)).toMatchObject({ ok: false, reason: 'no-sms' });
  });

  it('the home country comes from sms.country, else outbound.country', () => {
    const uk = plan({}, { country: '44' });
    expect(smsEligibility(uk, '+447700900123', 'hours', CLEAN)).toEqual({ ok: true, to: '+447700900123' });
    expect(smsEligibility(uk, '+15125550123', 'hours', CLEAN)).toMatchObject({ ok: false, reason: 'international' });
    const viaOutbound = plan({ outbound: { trunk: 'PJSIP/{number}@carrier', callerId: '+33123456789', country: '33' } });
    expect(viaOutbound.sms!.country).toBe('33');
  });
});

describe('smsText', () => {
  const p = plan();
  const SUNDAY_NOON_CHICAGO = Date.parse('2026-11-22T18:00:00Z');
  it('fills clinic, site and the next opening in the site time zone and the caller language', () => {
    expect(smsText(p, 'hours', 'en', 'main', SUNDAY_NOON_CHICAGO)).toEqual({ text: 'Riverside Clinic: Riverside opens Mon 23 Nov 08:00.', language: 'en' });
    expect(smsText(p, 'hours', 'es', 'main', SUNDAY_NOON_CHICAGO)).toEqual({ text: 'Riverside Clinic: Riverside abre lun 23 nov 08:00.', language: 'es' });
    expect(smsText(p, 'hours', 'en', 'west', SUNDAY_NOON_CHICAGO)).toEqual({ text: 'Riverside Clinic: West Lake opens Mon 23 Nov 10:00.', language: 'en' });
  });

  it('a language without a text falls back to the clinic language', () => {
    expect(smsText(p, 'hours', 'fr', 'main', SUNDAY_NOON_CHICAGO)).toMatchObject({ language: 'en' });
    expect(smsText(p, 'plain', 'es', 'main', SUNDAY_NOON_CHICAGO)).toEqual({ text: 'Call us at Riverside Clinic.', language: 'en' });
  });

  it('open now says now; without a site, the clinic name and the first site to open', () => {
    const mondayNine = Date.parse('2026-11-23T15:00:00Z');
    expect(smsText(p, 'hours', 'es', 'main', mondayNine)!.text).toBe('Riverside Clinic: Riverside abre ahora.');
    expect(smsText(p, 'hours', 'en', null, SUNDAY_NOON_CHICAGO)!.text).toBe('Riverside Clinic: Riverside Clinic opens Mon 23 Nov 08:00.');
  });

  it('an unknown message has no text', () => {
    expect(smsText(p, 'nope', 'en', 'main', SUNDAY_NOON_CHICAGO)).toBeNull();
  });
});
