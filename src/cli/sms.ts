/**
 * `pbx-router sms ...`: the texts sent to callers (list) and the opt-out list (opt-out, opt-in,
 * opt-outs), in the database the engine writes. A caller's number is patient data: lists show it
 * masked (+1512•••••23) unless --show-numbers. An opt-out from here is recorded with source `cli`;
 * the engine reads the list at every offer, so it takes effect at once, without a reload.
 */
import { Option, type Command } from 'commander';
import { DateTime } from 'luxon';
import { DEFAULT_DATABASE } from '../main.js';
import { e164Number, maskNumber } from '../routing/e164.js';
import type { Plan } from '../routing/types.js';
import type { Db } from '../store/db.js';
import { openStore, storeMissing, storeName } from '../store/open-store.js';
import { ALL_SITES, SmsStore, type SmsStatus } from '../store/sms-store.js';
import { InputError, parseInstant } from './inputs.js';
import { displayZone, zoneOptions } from './zone.js';
import type { Io } from './io.js';

const STATUSES: readonly SmsStatus[] = ['queued', 'sent', 'failed', 'refused'];
/** The most texts one `sms list` prints. */
const LIST_LIMIT = 1000;
/** Where an opt-out made with these commands came from (sms_opt_outs.source). */
export const CLI_SOURCE = 'cli';

const when = (ms: number | null, zone: string) => (ms === null ? '-' : DateTime.fromMillis(ms, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ'));
const iso = (ms: number | null, zone: string) => (ms === null ? null : DateTime.fromMillis(ms, { zone }).toISO());

/** Opens the engine's database; one that does not exist is a mistake here (a typo in --db), not a new database. */
function withDb<T>(path: string, use: (db: Db) => T): T {
  if (storeMissing(path)) throw new InputError(`no database at ${storeName(path)} (pass --db, or set PBX_ROUTER_DB; the engine creates it when it first starts)`);
  const db = openStore(path);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

/** --since: a day (from its midnight in the zone) or a time; default: the last 7 days. */
function sinceOf(text: string | undefined, zone: string, now: number): number {
  if (text === undefined) return now - 7 * 86_400_000;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = DateTime.fromISO(text, { zone });
    if (d.isValid) return d.toMillis();
  }
  return parseInstant(text, zone, '--since');
}

interface SiteOptions {
  readonly site?: string;
  readonly allSites?: boolean;
  readonly config?: string;
}

/** The number and site an opt-out or opt-in is about, checked against the config when there is one. */
function target(raw: string, o: SiteOptions, plan: Plan | null): { number: string; site: string } {
  const country = plan?.sms?.country ?? plan?.outbound?.country ?? '1';
  const number = e164Number(raw, country);
  if (number === null) throw new InputError(`'${raw}' is not a phone number in E.164 (expected e.g. +15125550123${country === '1' ? ' or 512-555-0123' : ''})`);
  if (o.site !== undefined && o.allSites) throw new InputError('give either --site <site> or --all-sites, not both');
  const sites = plan ? [...plan.sites.keys()] : [];
  if (o.allSites) return { number, site: ALL_SITES };
  if (o.site === undefined) throw new InputError(`say which site: --site <site>${sites.length ? ` (sites: ${sites.join(', ')})` : ''}, or --all-sites`);
  if (o.site === ALL_SITES) return { number, site: ALL_SITES };
  if (plan && !plan.sites.has(o.site)) throw new InputError(`unknown site '${o.site}' in ${o.config} (sites: ${sites.join(', ')})`);
  return { number, site: o.site };
}

const siteOf = (site: string) => (site === ALL_SITES ? 'every site' : `site ${site}`);

/** Adds `sms list`, `sms opt-out`, `sms opt-in` and `sms opt-outs`; `planFor` loads a config or reports its problems (exit 1/2) and returns null. */
export function addSmsCommands(program: Command, io: Io, planFor: (config: string) => Plan | null, setCode: (c: number) => void): void {
  const sms = program.command('sms').description('texts to callers, and the numbers that opted out of them');
  zoneOptions(
    sms
      .command('list')
      .description('texts to callers, newest first: status, attempts, provider id, last error (numbers masked)')
      .option('--db <file>', 'SQLite file or postgres:// URL (env PBX_ROUTER_DB)', DEFAULT_DATABASE)
      .option('--since <day|time>', 'only texts asked for since then (a day counts from its midnight; default: the last 7 days)')
      .addOption(new Option('--status <status>', 'only texts with this status').choices(STATUSES))
      .option('--show-numbers', "show the callers' numbers whole (patient data)")
      .option('--json', 'a JSON array (times ISO-8601 with the offset of the time zone)'),
  ).action((o: { db: string; since?: string; status?: SmsStatus; showNumbers?: boolean; tz?: string; config?: string; json?: boolean }) => {
    const zone = displayZone(o);
    const since = sinceOf(o.since, zone, Date.now());
    const list = withDb(o.db, (db) => new SmsStore(db).list(since, o.status ?? null, LIST_LIMIT));
    const to = (n: string) => (o.showNumbers ? n : maskNumber(n));
    if (o.json) {
      const rows = list.map((t) => ({ id: t.id, createdAt: iso(t.createdAt, zone), site: t.site, to: to(t.to), message: t.message, language: t.language, status: t.status, attempts: t.attempts, providerId: t.providerId, lastError: t.lastError, callId: t.callId, sentAt: iso(t.sentAt, zone) }));
      return io.out(JSON.stringify(rows, null, 2));
    }
    for (const t of list) {
      const extra = [t.providerId ? `provider id ${t.providerId}` : '', t.lastError ? `last error: ${t.lastError}` : ''].filter(Boolean).join('; ');
      io.out(`${t.id}  ${when(t.createdAt, zone)}  ${t.site ?? '-'}  ${to(t.to)}  ${t.message}  ${t.status}  ${t.attempts} attempt(s)${extra ? `  ${extra}` : ''}`);
    }
    const cut = list.length === LIST_LIMIT ? ` (the newest ${LIST_LIMIT}: narrow it with --since or --status)` : '';
    io.out(`${list.length} text(s) since ${when(since, zone)}${o.status ? ` with status ${o.status}` : ''}${cut}`);
  });

  const change = (name: string, description: string) =>
    sms
      .command(name)
      .description(description)
      .argument('<number>', 'the phone number, E.164 (+15125550123); a national form is read in the home country of the config')
      .option('--site <site>', 'for this site only')
      .option('--all-sites', 'for every site (recorded as site *)')
      .option('-c, --config <file>', 'config: checks the site and gives the home country (env PBX_ROUTER_CONFIG)', process.env.PBX_ROUTER_CONFIG)
      .option('--db <file>', 'SQLite file or postgres:// URL (env PBX_ROUTER_DB)', DEFAULT_DATABASE);
  const planOf = (o: SiteOptions): Plan | null | 'failed' => (o.config === undefined ? null : (planFor(o.config) ?? 'failed'));

  change('opt-out', 'stop texts to a number (a patient asked the front desk); the engine no longer offers or sends them').action((raw: string, o: SiteOptions & { db: string }) => {
    const plan = planOf(o);
    if (plan === 'failed') return;
    const t = target(raw, o, plan);
    const already = withDb(o.db, (db) => {
      const store = new SmsStore(db);
      const before = store.optOuts().some((x) => x.number === t.number && x.site === t.site);
      store.optOut(t.site, t.number, Date.now(), CLI_SOURCE);
      return before;
    });
    io.out(already ? `${maskNumber(t.number)} had already opted out of texts from ${siteOf(t.site)}` : `${maskNumber(t.number)} opted out of texts from ${siteOf(t.site)}`);
  });

  change('opt-in', 'undo an opt-out for that site (or for every site with --all-sites)').action((raw: string, o: SiteOptions & { db: string }) => {
    const plan = planOf(o);
    if (plan === 'failed') return;
    const t = target(raw, o, plan);
    const { removed, others } = withDb(o.db, (db) => {
      const store = new SmsStore(db);
      const removed = store.optIn(t.site, t.number);
      return { removed, others: store.optOuts().filter((x) => x.number === t.number).map((x) => x.site) };
    });
    const still = others.length ? `; it is still opted out of ${others.map(siteOf).join(', ')}` : '';
    if (!removed) {
      io.err(`${maskNumber(t.number)} had not opted out of texts from ${siteOf(t.site)}${still} (see pbx-router sms opt-outs)`);
      setCode(1);
      return;
    }
    io.out(`${maskNumber(t.number)} may be texted again from ${siteOf(t.site)}${still}`);
  });

  zoneOptions(
    sms
      .command('opt-outs')
      .description('the numbers that opted out, by site (numbers masked)')
      .option('--db <file>', 'SQLite file or postgres:// URL (env PBX_ROUTER_DB)', DEFAULT_DATABASE)
      .option('--show-numbers', 'show the numbers whole (patient data)')
      .option('--json', 'a JSON array (times ISO-8601 with the offset of the time zone)'),
  ).action((o: { db: string; showNumbers?: boolean; tz?: string; config?: string; json?: boolean }) => {
    const zone = displayZone(o);
    const list = withDb(o.db, (db) => new SmsStore(db).optOuts());
    const num = (n: string) => (o.showNumbers ? n : maskNumber(n));
    if (o.json) return io.out(JSON.stringify(list.map((x) => ({ site: x.site, number: num(x.number), at: iso(x.at, zone), source: x.source })), null, 2));
    for (const x of list) io.out(`${x.site === ALL_SITES ? '* (every site)' : x.site}  ${num(x.number)}  since ${when(x.at, zone)}  (${x.source})`);
    io.out(`${list.length} opt-out(s)`);
  });
}
