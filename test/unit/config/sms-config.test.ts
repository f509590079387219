/** The `sms:` section, the `sms` action and queue offers: checked by validate, compiled into the plan, tolerated by routing. */
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { compileSources } from '../../../src/config/index.js';
import { decide } from '../../../src/routing/engine.js';
import { smsLength } from '../../../src/config/sms-templates.js';

const BASE = `
clinic: { name: Riverside Clinic, language: en }
sites:
  main: { name: Riverside, timezone: America/Chicago, schedule: hours, dids: ["+15125550100"] }
schedules:
  hours: { weekly: { mon: ["08:00-17:00"] } }
agents:
  maria: { name: Maria, endpoint: PJSIP/1001, site: main, skills: { scheduling: 3 } }
queues:
  front:
    site: main
    skills: { scheduling: 2 }
    maxWait: 300
    overflow: [{ voicemail: desk }]
    smsOffer: { message: book, whenWaitOver: 90 }
mailboxes:
  desk: { email: [desk@clinic.example] }
routes:
  inbound:
    - name: Everyone
      then: [{ sms: hours }, { queue: front }]
sms:
  from: "+15125550100"
  provider:
    url: https://sms.example/v1/messages
    auth: bearer
    body: json
    fields: { to: "{to}", from: "{from}", text: "{text}", ref: "{key}" }
  messages:
    hours: "{clinic}: {site} opens {nextOpening}."
    book: { en: "Book at clinic.example/book", es: "Pida cita en clinic.example/cita" }
`;

type Cfg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function load(change: (c: Cfg) => void = () => {}) {
  const cfg = parse(BASE) as Cfg;
  change(cfg);
  const r = compileSources([{ path: 'x.yaml', text: stringify(cfg) }], '/');
  return { ...r, errors: r.problems.map((p) => `${p.code}: ${p.message}`), warns: r.warnings.map((p) => `${p.code}: ${p.message}`) };
}

describe('a valid sms section', () => {
  it('compiles with defaults: home country from outbound (else 1), 2 a number an hour, 5 tries, Idempotency-Key, 10 s', () => {
    const { plan, errors, warns } = load();
    expect(errors).toEqual([]);
    expect(warns).toEqual([]);
    const sms = plan!.sms!;
    expect(sms).toMatchObject({ from: '+15125550100', country: '1', maxPerNumberPerHour: 2, maxAttempts: 5 });
    expect(sms.provider).toMatchObject({ auth: 'bearer', body: 'json', idField: 'id', idempotencyHeader: 'Idempotency-Key', timeoutMs: 10_000 });
    expect(sms.messages.get('hours')).toEqual({ en: '{clinic}: {site} opens {nextOpening}.' });
    expect(sms.messages.get('book')).toEqual({ en: 'Book at clinic.example/book', es: 'Pida cita en clinic.example/cita' });
    expect(plan!.queues.get('front')!.smsOffer).toEqual({ message: 'book', whenWaitOver: 90, digit: '2' });
  });

  it('idempotencyHeader: false means none; sms.country overrides outbound.country', () => {
    const { plan } = load((c) => {
      c.sms.provider.idempotencyHeader = false;
      c.sms.country = '44';
    });
    expect(plan!.sms!.provider.idempotencyHeader).toBeNull();
    expect(plan!.sms!.country).toBe('44');
  });

  it('a config without sms has plan.sms null and queues without offers', () => {
    const { plan, errors } = load((c) => {
      delete c.sms;
      delete c.queues.front.smsOffer;
      c.routes.inbound[0].then = [{ queue: 'front' }];
    });
    expect(errors).toEqual([]);
    expect(plan!.sms).toBeNull();
    expect(plan!.queues.get('front')!.smsOffer).toBeNull();
  });

  it('routing records an sms action as a step and goes on to the destination', () => {
    const { plan } = load();
    const d = decide(plan!, { did: '+15125550100', caller: '+15125550123', at: Date.parse('2026-11-23T15:00:00Z') });
    expect(d.status).toBe('done');
    expect(d.steps.filter((s) => s.kind === 'sms')).toEqual([{ kind: 'sms', message: 'hours' }]);
    expect(d.status === 'done' && d.outcome.action).toBe('queue');
  });

  it('an sms action alone is no destination: the rule set still needs one', () => {
    const { errors } = load((c) => {
      c.queues.front.overflow = [{ sms: 'hours' }];
    });
    expect(errors.some((e) => e.startsWith('dead-end:'))).toBe(true);
  });
});

describe('validate refuses', () => {
  it.each([
    ['an sms action naming an unknown message', (c: Cfg) => (c.routes.inbound[0].then[0] = { sms: 'directions' }), "unknown-reference: unknown sms message 'directions' (defined: hours, book)"],
    ['a queue offer naming an unknown message', (c: Cfg) => (c.queues.front.smsOffer.message = 'nope'), "unknown-reference: unknown sms message 'nope' (defined: hours, book)"],
    ['an sms action without an sms section', (c: Cfg) => {
      delete c.sms;
      delete c.queues.front.smsOffer;
    }, "unknown-reference: sms message 'hours' but there is no sms: section (add sms: with a provider and messages)"],
    ['a placeholder with patient data', (c: Cfg) => (c.sms.messages.hours = 'Hi {caller}, we open {nextOpening}'), 'sms-patient-data: message hours: {caller} would put patient data in a text message (it leaves the clinic over the carrier); use only {clinic}, {site} and {nextOpening}'],
    ['a name placeholder in one language', (c: Cfg) => (c.sms.messages.book.es = 'Hola {name}'), 'sms-patient-data: message book (es): {name} would put patient data in a text message (it leaves the clinic over the carrier); use only {clinic}, {site} and {nextOpening}'],
    ['an unknown placeholder', (c: Cfg) => (c.sms.messages.hours = '{clinc} opens {nextOpening}'), 'sms-unknown-placeholder: message hours: unknown placeholder {clinc} (known: {clinic}, {site}, {nextOpening})'],
    ['a message without the clinic language', (c: Cfg) => (c.sms.messages.book = { es: 'Pida cita' }), 'sms-missing-language: message book has no text in the clinic language en (es given): a caller of any other language gets the en text; add en: "..."'],
    ['an unknown provider field placeholder', (c: Cfg) => (c.sms.provider.fields.to = '{number}'), 'sms-unknown-placeholder: unknown placeholder {number} in provider field to (known: {to}, {from}, {text}, {key})'],
    ['an unknown URL placeholder', (c: Cfg) => (c.sms.provider.url = 'https://sms.example/{account}/send'), 'sms-unknown-placeholder: unknown placeholder {account} in the provider URL (only {user}, the SMS_PROVIDER_USER secret, e.g. a Twilio Account SID)'],
  ])('%s', (_what, change, error) => {
    const { plan, errors } = load(change);
    expect(plan).toBeNull();
    expect(errors).toContain(error);
  });

  it('provider fields without {to} or {text}', () => {
    const { errors } = load((c) => (c.sms.provider.fields = { number: '{from}' }));
    expect(errors).toEqual([
      "sms-provider-field: no provider field carries {to}: the provider would not know whom to text",
      'sms-provider-field: no provider field carries {text}: the provider would not know what to send',
    ]);
  });

  it.each([
    ['a password in the routing file', (c: Cfg) => (c.sms.provider.password = 'hunter2')],
    ['an auth scheme other than basic, bearer or none', (c: Cfg) => (c.sms.provider.auth = 'digest')],
    ['* as the offer digit (it asks for a callback)', (c: Cfg) => (c.queues.front.smsOffer.digit = '*')],
    ['an sms action that is not an id', (c: Cfg) => (c.routes.inbound[0].then[0] = { sms: 'Text them the hours' })],
  ])('by the schema: %s', (_what, change) => {
    const { plan, errors } = load(change);
    expect(plan).toBeNull();
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('validate warns (the plan is still used)', () => {
  it('about a GSM text over 160 and a UCS-2 text (á) over 70', () => {
    const long = load((c) => (c.sms.messages.hours = `{clinic} ${'x'.repeat(150)}`));
    expect(long.warns).toEqual([
      'sms-too-long: message hours can reach 167 characters once filled in, more than one SMS (160): it is sent as several parts, each billed; shorten it',
    ]);
    expect(load((c) => (c.sms.messages.hours = `{clinic} ${'x'.repeat(143)}`)).warns).toEqual([]);
    const accented = load((c) => (c.sms.messages.book.es = `Pida cita en línea: ${'x'.repeat(51)}`));
    expect(accented.warns).toEqual([
      'sms-too-long: message book (es) can reach 71 characters in UCS-2 (it has a character outside the GSM alphabet, e.g. á or an emoji) once filled in, more than one SMS (70): it is sent as several parts, each billed; shorten it',
    ]);
    expect(load((c) => (c.sms.messages.book.es = `Pida cita en línea: ${'x'.repeat(50)}`)).warns).toEqual([]);
  });

  it('about an offer made only after callers have left the queue', () => {
    const { plan, warns } = load((c) => (c.queues.front.smsOffer.whenWaitOver = 300));
    expect(plan).not.toBeNull();
    expect(warns).toEqual(['sms-offer-too-late: the text is offered after 300s of waiting, but callers leave queue front after maxWait 300s: nobody would hear the offer']);
  });

  it('about an offer key the shipped prompt does not name (it says "press 2")', () => {
    const { plan, warns } = load((c) => (c.queues.front.smsOffer.digit = '3'));
    expect(plan).not.toBeNull();
    expect(warns).toEqual([expect.stringMatching(/^sms-offer-digit: the offer's prompt \(pbx-router\/sms-offer\) tells callers to press 2, but the key is 3/)]);
  });
});

describe('smsLength', () => {
  it.each([
    ['plain text', 'Hello', { encoding: 'gsm-7', units: 5, limit: 160 }],
    ['extension characters count twice', '€[]', { encoding: 'gsm-7', units: 6, limit: 160 }],
    ['é and ñ are GSM', 'café mañana', { encoding: 'gsm-7', units: 11, limit: 160 }],
    ['á is not', 'está', { encoding: 'ucs-2', units: 4, limit: 70 }],
    ['an emoji is two UCS-2 units', 'ok 👍', { encoding: 'ucs-2', units: 5, limit: 70 }],
  ])('%s', (_what, text, want) => {
    expect(smsLength(text)).toEqual(want);
  });
});

describe('the length check sees every form of {nextOpening}', () => {
  it('a Spanish text that fits in GSM on weekdays but becomes UCS-2 on a Saturday (sáb) is warned about', () => {
    const text = `{clinic}: abrimos {nextOpening}. ${'x'.repeat(40)}`;
    const { warns } = load((c) => (c.sms.messages.book.es = text));
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatch(/^sms-too-long: message book \(es\) can reach \d+ characters in UCS-2/);
    expect(load((c) => (c.sms.messages.book.en = text)).warns).toEqual([]);
  });
});
