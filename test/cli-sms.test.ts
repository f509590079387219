/**
 * `pbx-router sms list | opt-out | opt-in | opt-outs` on a real SQLite file: an opt-out made at the
 * command line stops the engine offering a text to that number (an engine on the fake PBX sharing
 * the file), numbers are checked and read in the home country, and lists mask the numbers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../src/config/index.js';
import { flushSms, type SmsOutgoing, type SmsSender } from '../src/notify/sms-outbox.js';
import { smsEligibility } from '../src/routing/sms-eligibility.js';
import { openDb } from '../src/store/db.js';
import { SmsStore } from '../src/store/sms-store.js';
import { runCli as cli } from './cli-helpers.js';
import { only } from './support/agents.js';
import { engineOnFakePbx, EXAMPLE_CONFIG, type EngineOnFakePbx } from './support/engine-fixture.js';
import { CALLER, MAIN } from './support/numbers.js';

const plan = loadPlan(EXAMPLE_CONFIG).plan!;
const OTHER = '+15125550124';

let open: EngineOnFakePbx[] = [];
afterEach(() => {
  for (const f of open) f.close();
  open = [];
});

/** A database file the engine has created (the commands refuse one that does not exist). */
function database(): { path: string; store: SmsStore; close: () => void } {
  const path = join(mkdtempSync(join(tmpdir(), 'pbx-sms-cli-')), 'pbx-router.sqlite');
  const db = openDb(path);
  return { path, store: new SmsStore(db), close: () => db.close() };
}

/** The example clinic on the fake PBX with texting on a database file; texts stay queued (no provider). */
function engineOnFile(): EngineOnFakePbx & { sms: SmsStore } {
  let sms: SmsStore | null = null;
  const f = engineOnFakePbx({
    plan,
    db: 'temp',
    phones: 'noanswer',
    engine: (parts) => {
      sms = new SmsStore(parts.db);
      return { sms: { store: sms, flush: async () => undefined } };
    },
  });
  open.push(f);
  return { ...f, sms: sms! };
}

const heard = (f: EngineOnFakePbx, ch: string) => f.pbx.played.filter((p) => p.channel === ch).flatMap((p) => p.media);
const eventsOf = (f: EngineOnFakePbx, ch: string, type: string) => f.store.events(f.store.callByChannel(ch)!.id).filter((e) => e.type === type).map((e) => e.data);

describe('sms opt-out at the command line, then a call', () => {
  it('the opted-out caller is not offered a text and gets none; another caller still is', async () => {
    const f = engineOnFile();
    const r = await cli('sms', 'opt-out', '(512) 555-0123', '--site', 'riverside', '-c', EXAMPLE_CONFIG, '--db', f.dbPath);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe('+1512•••••23 opted out of texts from site riverside\n');
    expect(f.sms.optOuts()).toMatchObject([{ site: 'riverside', number: CALLER, source: 'cli' }]);

    only(f.engine, []);
    const a = f.pbx.call(MAIN, CALLER);
    const b = f.pbx.call(MAIN, OTHER);
    await f.clock.advance(1000);
    for (const ch of [a, b]) f.pbx.press(ch, '1');
    await f.clock.advance(125_000);
    expect(heard(f, a)).not.toContain('sound:pbx-router/sms-offer');
    expect(eventsOf(f, a, 'sms-not-offered')).toMatchObject([{ message: 'book-online', reason: 'opted-out' }]);
    expect(heard(f, b)).toContain('sound:pbx-router/sms-offer');
    // 2 is the offer's key: only the caller who heard it gets a text.
    for (const ch of [a, b]) f.pbx.press(ch, '2');
    await f.clock.advance(3000);
    expect(f.sms.queued().map((t) => t.to)).toEqual([OTHER]);
    expect(f.sms.forCall(f.store.callByChannel(a)!.id)).toEqual([]);
  });

  it('a text still queued (the provider was down) is not sent once the number opts out', async () => {
    const d = database();
    const now = Date.now();
    const waiting = d.store.queue({ callId: null, to: CALLER, message: 'book-online', language: 'en', body: 'book online', site: 'riverside', createdAt: now - 60_000 });
    const other = d.store.queue({ callId: null, to: OTHER, message: 'book-online', language: 'en', body: 'book online', site: 'riverside', createdAt: now - 60_000 });
    expect((await cli('sms', 'opt-out', CALLER, '--site', 'riverside', '--db', d.path)).code).toBe(0);
    const sent: SmsOutgoing[] = [];
    const provider: SmsSender = { send: async (m) => (sent.push(m), { kind: 'accepted', providerId: `SM${sent.length}` }) };
    const r = await flushSms({ store: d.store, sms: plan.sms, sender: provider, now: () => now });
    expect(r).toEqual({ sent: 1, retried: 0, failed: 0, refused: 1 });
    expect(sent.map((m) => m.to)).toEqual([OTHER]);
    expect(d.store.get(waiting)).toMatchObject({ status: 'refused', attempts: 0, lastError: 'not sent: the number opted out of texts before it went out' });
    expect(d.store.get(other)).toMatchObject({ status: 'sent', providerId: 'SM1' });
    d.close();
  });

  it('--all-sites covers every site; opt-in of one site leaves it, opt-in --all-sites lifts it', async () => {
    const d = database();
    const refused = () => smsEligibility(plan, CALLER, 'book-online', { recentCount: 0, optedOut: d.store.isOptedOut('riverside', CALLER) });
    expect(refused()).toEqual({ ok: true, to: CALLER });
    expect((await cli('sms', 'opt-out', CALLER, '--all-sites', '--db', d.path)).code).toBe(0);
    expect(refused()).toMatchObject({ ok: false, reason: 'opted-out' });
    const partial = await cli('sms', 'opt-in', CALLER, '--site', 'riverside', '--db', d.path);
    expect(partial.code).toBe(1);
    expect(partial.err).toContain('had not opted out of texts from site riverside; it is still opted out of every site');
    expect(refused()).toMatchObject({ ok: false, reason: 'opted-out' });
    const lifted = await cli('sms', 'opt-in', CALLER, '--all-sites', '--db', d.path);
    expect(lifted).toMatchObject({ code: 0, out: '+1512•••••23 may be texted again from every site\n' });
    expect(refused()).toEqual({ ok: true, to: CALLER });
    expect(d.store.optOuts()).toEqual([]);
    d.close();
  });

  it('an opt-out already there keeps its first record', async () => {
    const d = database();
    d.store.optOut('riverside', CALLER, 1_000, 'sms');
    const r = await cli('sms', 'opt-out', CALLER, '--site', 'riverside', '--db', d.path);
    expect(r).toMatchObject({ code: 0, out: '+1512•••••23 had already opted out of texts from site riverside\n' });
    expect(d.store.optOuts()).toEqual([{ site: 'riverside', number: CALLER, at: 1_000, source: 'sms' }]);
    d.close();
  });

  it.each([
    ['a number with letters', ['+1512555012x', '--site', 'riverside'], 2 as const, "'+1512555012x' is not a phone number in E.164"],
    ['too few digits', ['555-0123', '--site', 'riverside'], 2 as const, "'555-0123' is not a phone number in E.164"],
    ['no site named', [CALLER, '-c', EXAMPLE_CONFIG], 2 as const, 'say which site: --site <site> (sites: riverside), or --all-sites'],
    ['a site the config does not have', [CALLER, '--site', 'downtown', '-c', EXAMPLE_CONFIG], 2 as const, "unknown site 'downtown' in config/example-clinic.yaml (sites: riverside)"],
    ['both --site and --all-sites', [CALLER, '--site', 'riverside', '--all-sites'], 2 as const, 'either --site <site> or --all-sites, not both'],
    ['a config that cannot be read', [CALLER, '--site', 'riverside', '-c', 'no/such.yaml'], 2 as const, 'no/such.yaml'],
  ])('opt-out refuses %s with exit 2 and records nothing', async (_what, args, code, message) => {
    const d = database();
    const r = await cli('sms', 'opt-out', ...args, '--db', d.path);
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
    expect(d.store.optOuts()).toEqual([]);
    d.close();
  });

  it('a database that does not exist is not created', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pbx-sms-cli-')), 'typo.sqlite');
    const r = await cli('sms', 'opt-out', CALLER, '--all-sites', '--db', path);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`no database at ${path}`);
  });
});

describe('sms list and sms opt-outs', () => {
  /** Three texts: one sent yesterday, one refused and one queued today (2026-11-23, Chicago). */
  function texts() {
    const d = database();
    const at = (local: string) => DateTime.fromISO(local, { zone: 'America/Chicago' }).toMillis();
    const add = (to: string, createdAt: number) => d.store.queue({ callId: null, to, message: 'book-online', language: 'en', body: 'Riverside Family Clinic: book at ...', site: 'riverside', createdAt });
    const sent = add(CALLER, at('2026-11-22T15:00'));
    d.store.claim(sent, at('2026-11-22T15:00'), at('2026-11-22T15:01'));
    d.store.markSent(sent, at('2026-11-22T15:00'), 'SM0123456789abcdef');
    const refused = add(OTHER, at('2026-11-23T09:30'));
    d.store.claim(refused, at('2026-11-23T09:30'), at('2026-11-23T09:31'));
    d.store.markFinished(refused, 'refused', at('2026-11-23T09:30'), 'HTTP 400: 21614 not a mobile number');
    add('+17375550188', at('2026-11-23T10:15'));
    return d;
  }

  it('shows each text with its status, attempts, provider id and last error; numbers masked', async () => {
    const d = texts();
    const r = await cli('sms', 'list', '--db', d.path, '--since', '2026-11-01', '-c', EXAMPLE_CONFIG);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      '3  2026-11-23 10:15 CST  riverside  +1737•••••88  book-online  queued  0 attempt(s)',
      '2  2026-11-23 09:30 CST  riverside  +1512•••••24  book-online  refused  1 attempt(s)  last error: HTTP 400: 21614 not a mobile number',
      '1  2026-11-22 15:00 CST  riverside  +1512•••••23  book-online  sent  1 attempt(s)  provider id SM0123456789abcdef',
      '3 text(s) since 2026-11-01 00:00 CDT',
      '',
    ]);
    for (const n of [CALLER, OTHER, '+17375550188', '5550123', '5550124']) expect(r.out).not.toContain(n);
    d.close();
  });

  it('--show-numbers shows them whole; --status and --since filter; --json', async () => {
    const d = texts();
    const shown = await cli('sms', 'list', '--db', d.path, '--since', '2026-11-01', '--tz', 'America/Chicago', '--show-numbers');
    for (const n of [CALLER, OTHER, '+17375550188']) expect(shown.out).toContain(n);
    const today = await cli('sms', 'list', '--db', d.path, '--since', '2026-11-23', '--tz', 'America/Chicago', '--json');
    expect(JSON.parse(today.out)).toMatchObject([
      { id: 3, to: '+1737•••••88', status: 'queued', createdAt: '2026-11-23T10:15:00.000-06:00' },
      { id: 2, to: '+1512•••••24', status: 'refused', attempts: 1, lastError: 'HTTP 400: 21614 not a mobile number', providerId: null },
    ]);
    const sent = await cli('sms', 'list', '--db', d.path, '--since', '2026-11-01T00:00-06:00', '--tz', 'UTC', '--status', 'sent', '--json');
    expect(JSON.parse(sent.out)).toMatchObject([{ id: 1, providerId: 'SM0123456789abcdef', to: '+1512•••••23' }]);
    const bad = await cli('sms', 'list', '--db', d.path, '--tz', 'UTC', '--status', 'delivered');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'delivered' is invalid");
    d.close();
  });

  it('opt-outs lists site, masked number, when and source', async () => {
    const d = database();
    d.store.optOut('*', OTHER, DateTime.fromISO('2026-11-20T08:00', { zone: 'America/Chicago' }).toMillis(), 'sms');
    expect((await cli('sms', 'opt-out', CALLER, '--site', 'riverside', '--db', d.path)).code).toBe(0);
    const r = await cli('sms', 'opt-outs', '--db', d.path, '--tz', 'America/Chicago');
    expect(r.out).toContain('* (every site)  +1512•••••24  since 2026-11-20 08:00 CST  (sms)');
    expect(r.out).toMatch(/^riverside {2}\+1512•••••23 {2}since .* \(cli\)$/m);
    expect(r.out).not.toContain(CALLER);
    const json = await cli('sms', 'opt-outs', '--db', d.path, '--tz', 'UTC', '--json', '--show-numbers');
    expect(JSON.parse(json.out)).toMatchObject([{ site: '*', number: OTHER, source: 'sms', at: '2026-11-20T14:00:00.000Z' }, { site: 'riverside', number: CALLER, source: 'cli' }]);
    d.close();
  });
});
