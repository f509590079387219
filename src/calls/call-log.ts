/**
 * The info line of each step of a call's life (issue 14): arrival, the decision and its rule, the
 * queue joined with the position, each offer, the answer, leaving the queue, voicemail, each
 * on-call attempt, callback requests, the failsafe, and the end with its outcome.
 * Lines go through the call's child logger (fields `call` and `channel`), so a call id found in the
 * log gives the whole call. Caller numbers are never put in a line (the redactor is a safety net).
 */
import type { Decision, Step } from '../routing/types.js';
import type { LogFields } from '../logging/logger.js';
import type { Effect } from './session-types.js';

/** One line: its level, fields (besides call and channel) and message. */
export interface StepLine {
  readonly level: 'info' | 'warn';
  readonly fields: LogFields;
  readonly msg: string;
}

const line = (fields: LogFields, msg: string, level: StepLine['level'] = 'info'): StepLine => ({ level, fields, msg });

/** The rule that decided, or null when no rule matched. */
export function decidingRule(steps: readonly Step[]): { readonly ruleSet: string; readonly rule: string } | null {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    if (s.kind === 'rule') return { ruleSet: s.ruleSet, rule: s.rule };
  }
  return null;
}

/** The line of a decision: what it decided, by which rule. */
export function decisionLine(id: string, d: Decision): StepLine {
  const r = decidingRule(d.steps);
  const rule = r ? `${r.ruleSet}/${r.rule}` : null;
  const by = r ? ` by rule '${r.rule}' in ${r.ruleSet}` : ' (no rule matched)';
  if (d.status === 'awaiting-input') return line({ step: 'decision', menu: d.menu, rule, site: d.site }, `call ${id}: menu ${d.menu}${by}`);
  const o = d.outcome;
  return line({ step: 'decision', action: o.action, target: o.target, rule, site: d.site, priority: o.priority, language: o.language }, `call ${id}: decided ${o.action}${o.target ? ` ${o.target}` : ''}${by}${d.site ? ` (site ${d.site})` : ''}`);
}

/** What the engine knows besides the effect when it logs it. */
export interface StepContext {
  /** The caller's place after joining a queue. */
  readonly position?: number | null;
  /** The queue being left and how long the caller waited in it (ms). */
  readonly left?: { readonly queue: string | null; readonly waitedMs: number | null };
}

/** The line of an effect that is a step of the call's life, or null for plumbing (plays, timers, bridges). */
export function stepLine(id: string, e: Effect, ctx: StepContext = {}): StepLine | null {
  switch (e.kind) {
    case 'record-decision':
      return decisionLine(id, e.decision);
    case 'enqueue':
      return line({ step: 'queue-joined', queue: e.queue, position: ctx.position ?? null, priority: e.priority }, `call ${id}: joined queue ${e.queue}${ctx.position ? ` at position ${ctx.position}` : ''}${e.priority ? ` with priority ${e.priority}` : ''}`);
    case 'dequeue': {
      const waited = ctx.left?.waitedMs;
      const seconds = waited === null || waited === undefined ? null : Math.round(waited / 100) / 10;
      return line({ step: 'queue-left', queue: ctx.left?.queue ?? null, result: e.result, waited: seconds }, `call ${id}: left queue ${ctx.left?.queue ?? '?'}: ${e.result}${seconds !== null ? ` after ${seconds} s` : ''}`);
    }
    case 'originate':
      return e.external
        ? line({ step: 'forward-attempt', member: e.agent, ringTimeout: e.ringTimeout, leg: e.leg }, `call ${id}: calling on-call ${e.agent} (ringing up to ${e.ringTimeout} s)`)
        : line({ step: 'offer', agent: e.agent, endpoint: e.endpoint, ringTimeout: e.ringTimeout, leg: e.leg }, `call ${id}: offered to ${e.agent} on ${e.endpoint}`);
    case 'leg-missed':
      return line({ step: 'offer-missed', agent: e.agent, reason: e.reason }, `call ${id}: ${e.agent} did not take it (${e.reason})`);
    case 'record-attempt':
      return line({ step: 'forward-result', member: e.member, result: e.result }, `call ${id}: on-call ${e.member}: ${e.result}`);
    case 'connect':
      return line({ step: 'answered', agent: e.agent, external: e.external ?? false }, `call ${id}: answered by ${e.agent}; connected`);
    case 'open-mailbox':
      return line({ step: 'voicemail', action: 'voicemail', target: e.mailbox }, `call ${id}: to voicemail ${e.mailbox}`);
    case 'create-callback':
    case 'callback-request':
      return line({ step: 'callback', list: e.list }, `call ${id}: callback requested on list ${e.list}`);
    case 'failsafe':
      return line({ step: 'failsafe', reason: e.reason }, `call ${id}: to the failsafe dialplan: ${e.reason}`, 'warn');
    default:
      return null;
  }
}
