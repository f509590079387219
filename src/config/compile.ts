/**
 * Compiles a validated configuration into the immutable Plan that the routing core evaluates:
 * ids resolved, defaults filled in, rules indexed by DID, external dial strings listed.
 */
import { createHash } from 'node:crypto';
import type { Config, RuleConfig } from './schema.js';
import { toActions, toPrompt } from './actions.js';
import { compileSchedule } from './compile-schedule.js';
import { compileRoster } from './compile-roster.js';
import { compileSms } from './compile-sms.js';
import { compileTranscription } from './compile-transcription.js';
import { compileChecks } from '../routing/conditions.js';
import type {
  CompiledAgent,
  CompiledCallbackList,
  CompiledMailbox,
  CompiledMenu,
  CompiledQueue,
  CompiledRingGroup,
  CompiledRoster,
  CompiledRule,
  CompiledRuleSet,
  CompiledSchedule,
  CompiledSite,
  HolidayCalendar,
  Outbound,
  Plan,
  Strategy,
} from '../routing/types.js';

export interface CompileInput {
  readonly config: Config;
  /** iCalendar text per schedule id, read by the loader. */
  readonly ical?: ReadonlyMap<string, string>;
  /** The configuration text(s), for the version hash. */
  readonly texts: readonly string[];
  /** The folder of the file with the `transcription:` section (a relative model path is read from there; default the working directory). */
  readonly transcriptionDir?: string;
}

const entries = <T>(m: Record<string, T> | undefined): [string, T][] => Object.entries(m ?? {});

/** Builds the Plan; the config must already be structurally and semantically valid. */
export function compilePlan({ config, ical, texts, transcriptionDir }: CompileInput): Plan {
  const hash = createHash('sha256');
  for (const t of texts) hash.update(t).update('\0');
  for (const [id, t] of ical ?? []) hash.update(id).update(t).update('\0');
  const version = hash.digest('hex').slice(0, 12);

  const calendars = new Map<string, HolidayCalendar>();
  const schedules = new Map<string, CompiledSchedule>(
    entries(config.schedules).map(([id, s]) => [id, scheduleOrThrow(id, () => compileSchedule(id, s, ical?.get(id) ?? null, calendars))]),
  );
  const queues = new Map<string, CompiledQueue>(
    entries(config.queues).map(([id, q]) => [
      id,
      Object.freeze({
        id,
        name: q.name ?? id,
        site: q.site ?? null,
        skills: Object.freeze({ ...q.skills }),
        strategy: (q.strategy ?? 'longest-idle') as Strategy,
        priority: q.priority ?? 0,
        announce: Object.freeze({
          position: q.announce?.position ?? true,
          estimatedWait: q.announce?.estimatedWait ?? true,
          interval: q.announce?.interval ?? 60,
          first: q.announce?.first ?? 15,
        }),
        musicOnHold: q.musicOnHold ?? 'default',
        maxWait: q.maxWait,
        overflow: toActions(q.overflow),
        relax: Object.freeze((q.relax ?? []).map((r) => Object.freeze({ ...r }))),
        ringTimeout: q.ringTimeout ?? 15,
        maxMisses: q.maxMisses ?? 2,
        callbackKey: q.callbackKey ?? null,
        whisper: q.whisper !== undefined ? toPrompt(q.whisper) : null,
        smsOffer: q.smsOffer ? Object.freeze({ message: q.smsOffer.message, whenWaitOver: q.smsOffer.whenWaitOver, digit: q.smsOffer.digit ?? '2' }) : null,
      }),
    ]),
  );
  const queuesOfSite = new Map<string, string[]>();
  for (const q of queues.values()) {
    if (q.site === null) continue;
    const list = queuesOfSite.get(q.site);
    if (list) list.push(q.id);
    else queuesOfSite.set(q.site, [q.id]);
  }
  const sites = new Map<string, CompiledSite>(
    entries(config.sites).map(([id, s]) => [
      id,
      Object.freeze({
        id,
        name: s.name,
        timezone: s.timezone,
        schedule: schedules.get(s.schedule)!,
        dids: Object.freeze([...(s.dids ?? [])]),
        serves: Object.freeze([...(s.serves ?? [])].sort((a, b) => b.length - a.length)),
        nearest: Object.freeze([...(s.nearest ?? [])]),
        routes: s.routes ?? null,
        saturation: s.saturation ? Object.freeze({ ...s.saturation }) : null,
        queues: Object.freeze(queuesOfSite.get(id) ?? []),
      }),
    ]),
  );
  const didToSite = new Map<string, string>();
  for (const site of sites.values()) for (const did of site.dids) didToSite.set(did, site.id);

  const agents = new Map<string, CompiledAgent>(
    entries(config.agents).map(([id, a]) => [
      id,
      Object.freeze({ id, name: a.name, endpoint: a.endpoint, site: a.site, skills: Object.freeze({ ...a.skills }), wrapUp: a.wrapUp ?? 0 }),
    ]),
  );
  const menus = new Map<string, CompiledMenu>(
    entries(config.menus).map(([id, m]) => [
      id,
      Object.freeze({
        id,
        prompt: toPrompt(m.prompt),
        invalidPrompt: m.invalidPrompt !== undefined ? toPrompt(m.invalidPrompt) : null,
        options: new Map(Object.entries(m.options).map(([d, list]) => [d, toActions(list)])),
        timeout: m.timeout ?? 5,
        retries: m.retries ?? 2,
        onInvalid: toActions(m.onInvalid),
        onTimeout: toActions(m.onTimeout),
      }),
    ]),
  );
  const rosters = new Map<string, CompiledRoster>(
    entries(config.rosters).map(([id, r]) => [id, compileRoster(id, r, sites.get(r.site)!.timezone)]),
  );
  const mailboxes = new Map<string, CompiledMailbox>(
    entries(config.mailboxes).map(([id, m]) => [
      id,
      Object.freeze({
        id,
        name: m.name ?? id,
        email: Object.freeze([...m.email]),
        attachAudio: m.attachAudio ?? false,
        maxLength: m.maxLength ?? 180,
        greeting: m.greeting !== undefined ? toPrompt(m.greeting) : null,
        site: m.site ?? null,
        transcribe: m.transcribe ?? false,
      }),
    ]),
  );
  const ringGroups = new Map<string, CompiledRingGroup>(
    entries(config.ringGroups).map(([id, g]) => [
      id,
      Object.freeze({ id, agents: Object.freeze([...g.agents]), strategy: g.strategy ?? 'ring-all', ringTimeout: g.ringTimeout ?? 20, noAnswer: toActions(g.noAnswer) }),
    ]),
  );
  const callbacks = new Map<string, CompiledCallbackList>(
    entries(config.callbacks).map(([id, c]) => [
      id,
      Object.freeze({ id, site: c.site, reasons: new Map(Object.entries(c.reasons)), prompt: c.prompt !== undefined ? toPrompt(c.prompt) : null, webhook: c.webhook ?? null }),
    ]),
  );
  const ruleSets = new Map<string, CompiledRuleSet>(entries(config.routes).map(([id, rules]) => [id, compileRuleSet(id, rules)]));

  const outbound: Outbound | null = config.outbound
    ? Object.freeze({
        trunk: config.outbound.trunk,
        callerId: config.outbound.callerId,
        country: config.outbound.country ?? '1',
        allowInternational: config.outbound.allowInternational ?? false,
        allowPremium: config.outbound.allowPremium ?? false,
        maxForwardsPerNumberPerHour: config.outbound.maxForwardsPerNumberPerHour ?? 6,
        carrier: config.outbound.carrier
          ? Object.freeze({
              host: config.outbound.carrier.host,
              port: config.outbound.carrier.port ?? 5060,
              match: Object.freeze([...(config.outbound.carrier.match ?? [config.outbound.carrier.host])]),
              outboundAuth: config.outbound.carrier.outboundAuth ?? null,
            })
          : null,
      })
    : null;
  const dialTargets = new Set<string>();
  for (const a of agents.values()) dialTargets.add(a.endpoint);
  if (outbound) for (const r of rosters.values()) for (const m of r.members.values()) dialTargets.add(dialString(outbound, m.number));

  const language = config.clinic?.language ?? 'en';
  const promptTexts = new Map(
    entries(config.prompts).map(([name, t]) => [name, Object.freeze(typeof t === 'string' ? { [language]: t } : { ...t })]),
  );

  return Object.freeze({
    clinic: Object.freeze({
      name: config.clinic?.name ?? 'the clinic',
      language,
      languageSkills: Object.freeze({ ...(config.clinic?.languageSkills ?? {}) }),
      entry: config.clinic?.entry ?? 'inbound',
    }),
    version,
    outbound,
    retention: Object.freeze({ voicemailDays: config.retention?.voicemailDays ?? 30 }),
    failsafe: config.failsafe ? Object.freeze({ email: Object.freeze([...config.failsafe.email]) }) : null,
    sites,
    didToSite,
    schedules,
    agents,
    queues,
    menus,
    rosters,
    mailboxes,
    ringGroups,
    callbacks,
    ruleSets,
    dialTargets,
    promptTexts,
    sms: config.sms ? compileSms(config.sms, language, config.outbound?.country ?? '1') : null,
    transcription: compileTranscription(config.transcription, transcriptionDir ?? process.cwd()),
  });
}

function scheduleOrThrow(id: string, build: () => CompiledSchedule): CompiledSchedule {
  try {
    return build();
  } catch (e) {
    throw new Error(`schedule ${id}: ${(e as Error).message}`);
  }
}

/** The dial string for an external number through the trunk. */
export function dialString(outbound: Pick<Outbound, 'trunk'>, number: string): string {
  return outbound.trunk.replace('{number}', number);
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i]! < b[j]!) ? a[i++]! : b[j++]!);
  return out;
}

function compileRuleSet(id: string, rules: readonly RuleConfig[]): CompiledRuleSet {
  const compiled: CompiledRule[] = rules.map((r, index) => {
    const dids = r.when?.did === undefined ? null : new Set(Array.isArray(r.when.did) ? r.when.did : [r.when.did]);
    return Object.freeze({ name: r.name, index, when: r.when ?? {}, checks: compileChecks(r.when), then: toActions(r.then), dids });
  });
  const anyDid = compiled.filter((r) => r.dids === null).map((r) => r.index);
  // Per number: its own rules merged in order with the rules for any number (one pass, not numbers x rules).
  const own = new Map<string, number[]>();
  for (const r of compiled) {
    for (const did of r.dids ?? []) {
      const list = own.get(did);
      if (list) list.push(r.index);
      else own.set(did, [r.index]);
    }
  }
  const byDid = new Map<string, number[]>();
  for (const [did, list] of own) byDid.set(did, mergeSorted(list, anyDid));
  return Object.freeze({ id, rules: Object.freeze(compiled), byDid, anyDid: Object.freeze(anyDid) });
}
