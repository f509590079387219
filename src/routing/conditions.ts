/**
 * Rule conditions compiled into small check functions, cheapest first, each returning null when
 * it holds or a Reason saying what it wanted and what the call had.
 */
import type { ConditionConfig } from '../config/schema.js';
import { compileCallerPattern, type CallerPattern } from './caller-pattern.js';
import { scheduleStatus } from './schedule.js';
import { agentState, countAvailable, requirementsAt } from './queue-selection.js';
import type { Check, EvalEnv, Mode, Reason, ScheduleStatus } from './types.js';

const list = <T>(v: T | readonly T[] | undefined): readonly T[] => (v === undefined ? [] : Array.isArray(v) ? (v as readonly T[]) : [v as T]);

/** The manual mode in force for a site: its own override, else the all-sites one, else auto. */
export function modeOf(env: EvalEnv, site: string | null): Mode {
  const modes = env.snapshot.modes;
  if (!modes) return 'auto';
  return (site !== null ? modes[site] : undefined) ?? modes['*'] ?? 'auto';
}

/** Open/closed status of a site at the decision's instant, memoised for the decision. */
export function siteStatus(env: EvalEnv, siteId: string): ScheduleStatus {
  let s = env.statusMemo.get(siteId);
  if (s) return s;
  const site = env.plan.sites.get(siteId)!;
  s = scheduleStatus(site.schedule, site.timezone, env.at, modeOf(env, siteId));
  env.statusMemo.set(siteId, s);
  return s;
}

/** A Reason whose `actual` text is built only when read: formatting local times is slow. */
class LazyReason implements Reason {
  constructor(
    readonly condition: string,
    readonly expected: string,
    private readonly text: () => string,
  ) {}

  get actual(): string {
    return this.text();
  }
}

function lazyReason(condition: string, expected: string, actual: () => string): Reason {
  return new LazyReason(condition, expected, actual);
}

function describeStatus(s: ScheduleStatus): string {
  const why = s.reason === 'holiday' || s.reason === 'closure' ? `${s.reason} ${s.name ?? ''}`.trim() : s.reason;
  return `${s.open ? 'open' : 'closed'} (${why}, ${s.local})`;
}

/** The compiled pattern; the loader has already reported a pattern that does not compile. */
function callerPattern(source: string): CallerPattern {
  const c = compileCallerPattern(source);
  if (!c.ok) throw new Error(`caller pattern ${source}: ${c.message}`);
  return c.pattern;
}

function rangeReason(name: string, r: { min?: number; max?: number }, actual: number): Reason | null {
  if ((r.min === undefined || actual >= r.min) && (r.max === undefined || actual <= r.max)) return null;
  const expected = [r.min !== undefined ? `>= ${r.min}` : '', r.max !== undefined ? `<= ${r.max}` : ''].filter(Boolean).join(' and ');
  return { condition: name, expected, actual: String(actual) };
}

/** Compiles a rule's conditions into checks; the did condition is left to the rule set's index. */
export function compileChecks(when: ConditionConfig | undefined): Check[] {
  if (!when) return [];
  const checks: Check[] = [];
  const dids = list(when.did);
  if (dids.length) {
    const set = new Set(dids);
    checks.push((env) => (set.has(env.did) ? null : { condition: 'did', expected: dids.join(' or '), actual: env.did }));
  }
  const sites = list(when.site);
  if (sites.length) {
    const set = new Set(sites);
    checks.push((env) => (env.site !== null && set.has(env.site) ? null : { condition: 'site', expected: sites.join(' or '), actual: env.site ?? 'none' }));
  }
  if (when.caller) {
    const { in: exact, prefix, pattern, anonymous } = when.caller;
    const exactSet = exact ? new Set(exact) : null;
    const prefixes = list(prefix);
    const re = pattern !== undefined ? callerPattern(pattern) : null;
    checks.push((env) => {
      const anon = env.caller === '' || env.caller === 'anonymous';
      if (anonymous !== undefined && anon !== anonymous) return { condition: 'caller.anonymous', expected: String(anonymous), actual: String(anon) };
      if (exactSet && !exactSet.has(env.caller)) return { condition: 'caller.in', expected: `one of ${exact!.length} numbers`, actual: env.caller };
      if (prefixes.length && !prefixes.some((p) => env.caller.startsWith(p))) return { condition: 'caller.prefix', expected: prefixes.join(' or '), actual: env.caller };
      if (re && !re.test(env.caller)) return { condition: 'caller.pattern', expected: pattern!, actual: env.caller };
      return null;
    });
  }
  if (when.language !== undefined) {
    const langs = list(when.language);
    checks.push((env) => (langs.includes(env.language) ? null : { condition: 'language', expected: langs.join(' or '), actual: env.language }));
  }
  if (when.priority) {
    const r = when.priority;
    checks.push((env) => rangeReason('priority', r, env.priority));
  }
  if (when.tags) {
    const { all = [], any = [], none = [] } = when.tags;
    checks.push((env) => {
      const missing = all.filter((t) => !env.tags.has(t));
      if (missing.length) return { condition: 'tags.all', expected: all.join(', '), actual: [...env.tags].join(', ') || 'no tags' };
      if (any.length && !any.some((t) => env.tags.has(t))) return { condition: 'tags.any', expected: any.join(' or '), actual: [...env.tags].join(', ') || 'no tags' };
      const present = none.filter((t) => env.tags.has(t));
      if (present.length) return { condition: 'tags.none', expected: `none of ${none.join(', ')}`, actual: present.join(', ') };
      return null;
    });
  }
  if (when.mode !== undefined) {
    const mode = when.mode;
    checks.push((env) => {
      const m = modeOf(env, env.site);
      return m === mode ? null : { condition: 'mode', expected: mode, actual: m };
    });
  }
  if (when.open !== undefined) {
    const open = when.open;
    checks.push((env) => {
      const site = typeof open === 'object' ? open.site : env.site;
      const want = typeof open === 'object' ? open.is : open;
      if (site === null) {
        // A call with no site yet (a shared number): open when any site is open.
        let any: ScheduleStatus | null = null;
        for (const id of env.plan.sites.keys()) {
          const s = siteStatus(env, id);
          if (s.open) any = s;
        }
        return (any !== null) === want ? null : { condition: 'open', expected: String(want), actual: any ? 'a site is open' : 'every site is closed' };
      }
      const s = siteStatus(env, site);
      return s.open === want ? null : lazyReason(typeof open === 'object' ? `open(${site})` : 'open', want ? 'open' : 'closed', () => describeStatus(s));
    });
  }
  if (when.holiday !== undefined) {
    const want = when.holiday;
    checks.push((env) => {
      if (env.site === null) return { condition: 'holiday', expected: String(want), actual: 'the call has no site yet' };
      const s = siteStatus(env, env.site);
      const closedDay = s.holiday || s.reason === 'closure';
      return closedDay === want ? null : { condition: 'holiday', expected: String(want), actual: closedDay ? `${s.reason} ${s.name ?? ''}`.trim() : 'a regular day' };
    });
  }
  if (when.queue) {
    const q = when.queue;
    checks.push((env) => {
      const queue = env.plan.queues.get(q.name)!;
      const state = env.snapshot.queues?.[q.name] ?? { waiting: 0, longestWait: 0 };
      if (q.agentsAvailable) {
        const req = requirementsAt(queue, env.plan.clinic.languageSkills, env.language, 0);
        const n = countAvailable(queue, env.plan.agents, req, env.snapshot);
        const r = rangeReason(`queue ${q.name} agentsAvailable`, q.agentsAvailable, n);
        if (r) return r;
      }
      if (q.longestWait) {
        const r = rangeReason(`queue ${q.name} longestWait`, q.longestWait, state.longestWait);
        if (r) return r;
      }
      if (q.length) {
        const r = rangeReason(`queue ${q.name} length`, q.length, state.waiting);
        if (r) return r;
      }
      return null;
    });
  }
  return checks;
}

/** Renders a Reason as text: `open: expected closed, was open (hours, Mon 2026-11-23 09:00 CST)`. */
export function describeReason(r: Reason): string {
  return `${r.condition}: expected ${r.expected}, was ${r.actual}`;
}

export { agentState };
