/**
 * Checks that the schema cannot express: references between named things, menus that trap the
 * caller, rules that can never match, queues nobody can serve, destinations that dead-end, and
 * external numbers that must never be dialled (premium, international, not E.164).
 */
import type { ActionConfig, AgentConfig, Config, ConditionConfig, QueueConfig } from './schema.js';
import type { ConfigPath, Severity } from './load.js';
import { tollFraudReason } from './toll-fraud.js';
import { compileCallerPattern } from '../routing/caller-pattern.js';
import { gotoCycles } from './goto-cycles.js';
import { listed, printable } from './printable.js';
import { EarlierRules } from './shadowing.js';
import { menuTraps } from './menu-traps.js';
import { weeklyIssues } from './schedule-checks.js';
import { smsIssues, smsMessageMissing } from './sms-checks.js';
import { transcriptionIssues } from './transcription-checks.js';

export interface SemanticIssue {
  readonly path: ConfigPath;
  readonly key?: boolean;
  readonly code: string;
  readonly message: string;
  /** Absent means error. */
  readonly severity?: Severity;
}

type RefKind = 'site' | 'schedule' | 'agent' | 'queue' | 'menu' | 'roster' | 'mailbox' | 'ringGroup' | 'callback' | 'ruleSet';
const SECTION: Record<RefKind, keyof Config> = {
  site: 'sites',
  schedule: 'schedules',
  agent: 'agents',
  queue: 'queues',
  menu: 'menus',
  roster: 'rosters',
  mailbox: 'mailboxes',
  ringGroup: 'ringGroups',
  callback: 'callbacks',
  ruleSet: 'routes',
};
const TERMINAL = ['menu', 'queue', 'agent', 'ringGroup', 'forward', 'voicemail', 'callback', 'hangup', 'goto'] as const;
const ACTION_REF: Partial<Record<keyof ActionConfig, RefKind>> = {
  menu: 'menu',
  queue: 'queue',
  agent: 'agent',
  ringGroup: 'ringGroup',
  forward: 'roster',
  voicemail: 'mailbox',
  callback: 'callback',
  goto: 'ruleSet',
};

/** Every semantic problem of a structurally valid configuration. */
export function semanticIssues(cfg: Config): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const add = (path: ConfigPath, code: string, message: string, key = false) => issues.push({ path, key, code, message });
  const idSets = new Map<RefKind, Set<string>>();
  const ids = (kind: RefKind): Set<string> => {
    let set = idSets.get(kind);
    if (!set) idSets.set(kind, (set = new Set(Object.keys((cfg[SECTION[kind]] as Record<string, unknown> | undefined) ?? {}))));
    return set;
  };
  const ref = (kind: RefKind, id: string | undefined, path: ConfigPath) => {
    if (id === undefined) return;
    const known = ids(kind);
    if (known.has(id)) return;
    const label = kind === 'ruleSet' ? 'rule set' : kind === 'ringGroup' ? 'ring group' : kind === 'callback' ? 'callback list' : kind;
    add(path, 'unknown-reference', `unknown ${label} '${id}' (defined: ${known.size ? listed([...known]) : `none; add it under ${SECTION[kind]}`})`);
  };

  // Action lists: references, unreachable actions, dead ends.
  const actionList = (list: readonly ActionConfig[], path: ConfigPath, mustEnd: boolean) => {
    let ended = -1;
    list.forEach((a, i) => {
      const [kind] = Object.keys(a) as (keyof ActionConfig)[];
      if (!kind) return;
      const refKind = ACTION_REF[kind];
      if (refKind) ref(refKind, a[kind] as string, [...path, i, kind]);
      if (kind === 'sms' && a.sms !== undefined) {
        const missing = smsMessageMissing(cfg, a.sms);
        if (missing) add([...path, i, 'sms'], 'unknown-reference', missing);
      }
      if (kind === 'site' && a.site) {
        if (a.site.by === 'fixed' && !a.site.site) add([...path, i, 'site'], 'missing-site', "site action with by: fixed needs 'site'");
        ref('site', a.site.site, [...path, i, 'site', 'site']);
      }
      if (ended >= 0) {
        add([...path, i], 'unreachable-action', `this action never runs: the call already left at action ${ended + 1} (${Object.keys(list[ended]!)[0]})`);
      } else if ((TERMINAL as readonly string[]).includes(kind)) ended = i;
    });
    if (mustEnd && ended < 0) {
      add(path, 'dead-end', `${dotted(path)} gives the call no destination (expected it to end with menu, queue, agent, ringGroup, forward, voicemail, callback, goto or hangup)`);
    }
  };

  for (const [id, site] of Object.entries(cfg.sites ?? {})) {
    ref('schedule', site.schedule, ['sites', id, 'schedule']);
    site.nearest?.forEach((n, i) => {
      ref('site', n, ['sites', id, 'nearest', i]);
      if (n === id) add(['sites', id, 'nearest', i], 'self-reference', `site ${id} lists itself as its nearest site`);
    });
    ref('ruleSet', site.routes, ['sites', id, 'routes']);
  }
  const didOwner = new Map<string, string>();
  for (const [id, site] of Object.entries(cfg.sites ?? {})) {
    site.dids?.forEach((did, i) => {
      const other = didOwner.get(did);
      if (other) add(['sites', id, 'dids', i], 'duplicate-did', `${did} already belongs to site ${other}; a number rings one site`);
      else didOwner.set(did, id);
    });
  }
  for (const [id, agent] of Object.entries(cfg.agents ?? {})) ref('site', agent.site, ['agents', id, 'site']);
  const endpoints = new Map<string, string>();
  for (const [id, agent] of Object.entries(cfg.agents ?? {})) {
    const other = endpoints.get(agent.endpoint);
    if (other) add(['agents', id, 'endpoint'], 'duplicate-endpoint', `${agent.endpoint} is already the phone of agent ${other}`);
    else endpoints.set(agent.endpoint, id);
    const external = /^[A-Z0-9]+\/(\+?[0-9]{7,})@/.exec(agent.endpoint);
    if (external) {
      const why = tollFraudReason(external[1]!, cfg.outbound);
      if (why) add(['agents', id, 'endpoint'], 'toll-fraud', `agent ${id} dials ${external[1]} through a trunk: ${why}`);
    }
  }
  const allAgents = Object.values(cfg.agents ?? {});
  const agentsAt = new Map<string, AgentConfig[]>();
  for (const a of allAgents) {
    const list = agentsAt.get(a.site);
    if (list) list.push(a);
    else agentsAt.set(a.site, [a]);
  }
  for (const [id, q] of Object.entries(cfg.queues ?? {})) {
    ref('site', q.site, ['queues', id, 'site']);
    ref('callback', q.callbackKey, ['queues', id, 'callbackKey']);
    actionList(q.overflow, ['queues', id, 'overflow'], true);
    queueServable(allAgents, agentsAt, id, q, add);
  }
  for (const [id, m] of Object.entries(cfg.menus ?? {})) {
    for (const [digit, list] of Object.entries(m.options)) actionList(list, ['menus', id, 'options', digit], true);
    actionList(m.onInvalid, ['menus', id, 'onInvalid'], true);
    actionList(m.onTimeout, ['menus', id, 'onTimeout'], true);
  }
  for (const [id, r] of Object.entries(cfg.rosters ?? {})) {
    ref('site', r.site, ['rosters', id, 'site']);
    const members = new Set(Object.keys(r.members));
    const member = (m: string, path: ConfigPath) => {
      if (!members.has(m)) add(path, 'unknown-reference', `unknown member '${m}' of roster ${id} (members: ${listed([...members])})`);
    };
    r.rotation.order.forEach((m, i) => member(m, ['rosters', id, 'rotation', 'order', i]));
    r.overrides?.forEach((o, i) => {
      member(o.member, ['rosters', id, 'overrides', i, 'member']);
      if (o.to <= o.from) add(['rosters', id, 'overrides', i, 'to'], 'empty-span', `override ends (${o.to}) before it starts (${o.from})`);
    });
    r.escalation?.forEach((m, i) => {
      if (m !== 'on-call' && m !== 'next') member(m, ['rosters', id, 'escalation', i]);
    });
    for (const [mid, m] of Object.entries(r.members)) {
      const why = tollFraudReason(m.number, cfg.outbound);
      if (why) add(['rosters', id, 'members', mid, 'number'], 'toll-fraud', `${m.number} of ${m.name} (roster ${id}) is ${why}`);
    }
    if (!cfg.outbound) add(['rosters', id], 'no-trunk', `roster ${id} forwards to outside numbers, but there is no 'outbound' section with the trunk and caller id`, true);
    actionList(r.final, ['rosters', id, 'final'], true);
  }
  for (const [id, mb] of Object.entries(cfg.mailboxes ?? {})) ref('site', mb.site, ['mailboxes', id, 'site']);
  for (const [id, sch] of Object.entries(cfg.schedules ?? {})) issues.push(...weeklyIssues(id, sch));
  for (const [id, g] of Object.entries(cfg.ringGroups ?? {})) {
    g.agents.forEach((a, i) => ref('agent', a, ['ringGroups', id, 'agents', i]));
    actionList(g.noAnswer, ['ringGroups', id, 'noAnswer'], true);
  }
  for (const [id, c] of Object.entries(cfg.callbacks ?? {})) ref('site', c.site, ['callbacks', id, 'site']);

  const entry = cfg.clinic?.entry ?? 'inbound';
  if (!cfg.routes?.[entry]) {
    add(cfg.clinic?.entry ? ['clinic', 'entry'] : ['routes'], 'no-entry', `there is no rule set '${entry}' for inbound calls to start in (rule sets: ${Object.keys(cfg.routes ?? {}).join(', ') || 'none'})`);
  }
  // A site action jumps into the chosen site's rule set; it is a destination when every site has one.
  const sitesRoute = Object.keys(cfg.sites ?? {}).length > 0 && Object.values(cfg.sites ?? {}).every((s) => s.routes !== undefined);
  for (const [setId, rules] of Object.entries(cfg.routes ?? {})) {
    const earlier = new EarlierRules();
    rules.forEach((rule, i) => {
      const path: ConfigPath = ['routes', setId, i];
      conditionRefs(rule.when, [...path, 'when'], ref, add);
      actionList(rule.then, [...path, 'then'], false);
      const shadow = earlier.shadowing(rule.when);
      if (shadow !== undefined) {
        add([...path, 'name'], 'shadowed-rule', `rule '${printable(rule.name, 60)}' can never match: the earlier rule ${shadow + 1} '${printable(rules[shadow]!.name, 60)}' already takes every call it would match`);
      }
      if (ends(rule.then, sitesRoute)) earlier.add(rule.when, i);
    });
    if (!rules.some((r) => isEmpty(r.when) && ends(r.then, sitesRoute))) {
      add(['routes', setId], 'no-catch-all', `rule set ${setId} has no catch-all rule (a rule without 'when' that ends in a destination): a call that matches no rule would have nowhere to go`, true);
    }
  }
  issues.push(...gotoCycles(cfg));
  issues.push(...smsIssues(cfg));
  issues.push(...transcriptionIssues(cfg));
  menuTraps(cfg, add);
  return issues;
}

function conditionRefs(
  when: ConditionConfig | undefined,
  path: ConfigPath,
  ref: (kind: RefKind, id: string | undefined, path: ConfigPath) => void,
  add: (path: ConfigPath, code: string, message: string) => void,
) {
  if (!when) return;
  const sites = when.site === undefined ? [] : Array.isArray(when.site) ? when.site : [when.site];
  sites.forEach((s, i) => ref('site', s, Array.isArray(when.site) ? [...path, 'site', i] : [...path, 'site']));
  if (typeof when.open === 'object') ref('site', when.open.site, [...path, 'open', 'site']);
  if (when.queue) ref('queue', when.queue.name, [...path, 'queue', 'name']);
  if (when.caller?.pattern !== undefined) {
    const compiled = compileCallerPattern(when.caller.pattern);
    if (!compiled.ok) add([...path, 'caller', 'pattern'], 'bad-pattern', `caller pattern '${printable(when.caller.pattern, 60)}' cannot be used: ${printable(compiled.message, 200)}`);
  }
}

/** A config path as written in messages: menus.main.options.2, routes.inbound[0].then. */
function dotted(path: ConfigPath): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

function isEmpty(when: ConditionConfig | undefined): boolean {
  return when === undefined || Object.keys(when).length === 0;
}

function ends(list: readonly ActionConfig[], sitesRoute = false): boolean {
  return list.some((a) => (TERMINAL as readonly string[]).includes(Object.keys(a)[0] ?? '') || (sitesRoute && a.site !== undefined));
}

function queueServable(allAgents: readonly AgentConfig[], agentsAt: ReadonlyMap<string, AgentConfig[]>, id: string, q: QueueConfig, add: (path: ConfigPath, code: string, message: string) => void) {
  // Fully relaxed requirements: the most any caller will ever accept.
  const req = new Map(Object.entries(q.skills));
  for (const step of q.relax ?? []) {
    if (step.minLevel !== undefined) for (const [s, l] of req) req.set(s, Math.min(l, step.minLevel));
    for (const [s, l] of Object.entries(step.levels ?? {})) if (req.has(s)) req.set(s, Math.min(req.get(s)!, l));
    for (const s of step.drop ?? []) req.delete(s);
  }
  const agents = q.site === undefined ? allAgents : (agentsAt.get(q.site) ?? []);
  const needs = [...req];
  if (!agents.some((a) => needs.every(([s, l]) => (a.skills[s] ?? 0) >= l))) {
    const need = [...req].map(([s, l]) => `${s} >= ${l}`).join(', ');
    const where = q.site !== undefined ? ` at site ${q.site}` : '';
    add(['queues', id, 'skills'], 'unservable-queue', `no agent${where} can serve queue ${id}: it needs ${need || 'no skill'} and no agent${where} has ${req.size > 1 ? 'all of ' : ''}that, even after every relaxation step`);
  }
  const prev = [-1];
  (q.relax ?? []).forEach((step, i) => {
    if (step.after <= prev[prev.length - 1]!) add(['queues', id, 'relax', i, 'after'], 'relax-order', `relaxation steps must come in increasing 'after' order`);
    prev.push(step.after);
  });
}
