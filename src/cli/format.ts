/** Showing a decision to people (text) and programs (JSON), with times in the site's time zone. */
import { DateTime } from 'luxon';
import { describeAction } from '../config/actions.js';
import { describeReason } from '../routing/conditions.js';
import type { Decision, Outcome, Plan, Step, TraceEntry } from '../routing/types.js';

export interface CallShown {
  readonly did: string;
  readonly caller: string;
  readonly at: number;
  readonly inputs: readonly string[];
}

/** A local time in a zone, e.g. `Mon 2026-11-23 09:00 CST`. */
export function localTime(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('ccc yyyy-LL-dd HH:mm ZZZZ');
}

function zoneOf(plan: Plan, site: string | null, fallback: string): string {
  return (site && plan.sites.get(site)?.timezone) || fallback;
}

/** One line per step of the path. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'rule':
      return `rule ${s.ruleSet}[${s.index + 1}] '${s.rule}' matched`;
    case 'no-rule':
      return `no rule of ${s.ruleSet} gave a destination`;
    case 'goto':
      return `continue in rule set ${s.ruleSet}`;
    case 'play':
      return `play ${s.sound}`;
    case 'set-priority':
      return `priority set to ${s.priority}`;
    case 'set-language':
      return `language set to ${s.language}`;
    case 'tag':
      return `tagged ${s.tags.join(', ')}`;
    case 'site':
      return `site ${s.site ?? 'none'} (by ${s.by})${s.skipped.length ? `; skipped ${s.skipped.map((k) => `${k.site}: ${k.why}`).join('; ')}` : ''}`;
    case 'menu': {
      const heard = `menu ${s.menu} (try ${s.attempt}): play ${s.sound}`;
      if (s.result === 'awaiting') return `${heard}; waiting for a key`;
      if (s.result === 'timeout') return `${heard}; no key pressed`;
      return `${heard}; pressed ${s.input}${s.result === 'invalid' ? ' (not an option)' : ''}`;
    }
    case 'menu-exhausted':
      return `menu ${s.menu}: retries used up after ${s.after === 'invalid' ? 'invalid keys' : 'no input'}`;
    case 'guard':
      return `GUARD: ${s.message}; the call goes to the failsafe`;
    case 'sms':
      return `text message ${s.message} to the caller (if they may receive one)`;
  }
}

/** One line for a trace entry. */
export function describeTrace(t: TraceEntry): string {
  const head = `${t.ruleSet}[${t.index + 1}] ${t.rule}`;
  return t.matched ? `${head}: matched` : `${head}: no (${describeReason(t.why!)})`;
}

/** The outcome in a sentence with its parameters. */
export function describeOutcome(o: Outcome, plan: Plan, zone: string): string[] {
  const head = `${o.action}${o.target ? ` ${o.target}` : ''} (priority ${o.priority}, language ${o.language}, site ${o.site ?? 'none'}${o.tags.length ? `, tags ${o.tags.join(',')}` : ''})`;
  const lines = [head];
  switch (o.action) {
    case 'queue': {
      const q = o.queue;
      const skills = Object.entries(q.skills).map(([s, l]) => `${s}>=${l}`).join(', ') || 'none';
      lines.push(`  needs ${skills}; strategy ${q.strategy}; ring ${q.ringTimeout}s; max wait ${q.maxWait}s then ${q.overflow.map(describeAction).join(', ')}`);
      lines.push(`  agents now: ${q.candidates.length ? q.candidates.join(', ') : 'none available (the caller waits with music on hold)'}`);
      for (const r of q.relax) {
        const what = [r.minLevel !== undefined ? `any level >= ${r.minLevel}` : '', r.levels ? Object.entries(r.levels).map(([s, l]) => `${s}>=${l}`).join(', ') : '', r.drop ? `drop ${r.drop.join(', ')}` : ''].filter(Boolean).join('; ');
        lines.push(`  after ${r.after}s: ${what}`);
      }
      break;
    }
    case 'agent':
      lines.push(`  ring ${o.agent.endpoint} (agent is ${o.agent.state})`);
      break;
    case 'ring-group': {
      const g = o.ringGroup;
      lines.push(`  ${g.strategy} ${g.ring.map((r) => r.agent).join(', ') || 'nobody available'} (of ${g.agents.join(', ')}) for ${g.ringTimeout}s, then ${g.noAnswer.map(describeAction).join(', ')}`);
      break;
    }
    case 'forward': {
      const f = o.forward;
      const accept = f.confirm.required ? `press ${f.confirm.digit} within ${f.confirm.timeout}s to accept` : 'no key needed: answering connects (a cell phone voicemail can take the call)';
      lines.push(`  on call now: ${f.onCall ?? 'nobody'}; caller id ${f.callerId ?? 'none'}; ${accept}`);
      f.attempts.forEach((a, i) => lines.push(`  ${i + 1}. ${a.name} ${a.number} via ${a.dial}, ${a.ringTime}s`));
      const final = f.final.map((a) => {
        const m = a.kind === 'voicemail' ? plan.mailboxes.get(a.target) : undefined;
        return m ? `${describeAction(a)} (email ${m.email.join(', ')}; ${m.attachAudio ? 'audio attached' : 'notification only'})` : describeAction(a);
      });
      lines.push(`  if nobody accepts: ${final.join(', ')}`);
      break;
    }
    case 'voicemail':
      lines.push(`  greeting ${o.voicemail.greeting ?? 'default'}; up to ${o.voicemail.maxLength}s; email ${o.voicemail.email.join(', ')} (${o.voicemail.attachAudio ? 'audio attached' : 'notification only'})`);
      break;
    case 'callback': {
      const deadline = o.callback.deadline === null ? 'none found' : localTime(o.callback.deadline, zone);
      lines.push(`  reasons ${Object.entries(o.callback.reasons).map(([d, r]) => `${d}=${r}`).join(', ')}; call back by ${deadline}`);
      break;
    }
    case 'hangup':
      break;
  }
  return lines;
}

/** The whole decision as text. */
export function formatDecision(plan: Plan, call: CallShown, d: Decision, fallbackZone: string): string {
  const zone = zoneOf(plan, d.site, fallbackZone);
  const out: string[] = [];
  out.push(`Call from ${call.caller || 'anonymous'} to ${call.did} at ${localTime(call.at, zone)}${call.inputs.length ? `, keys ${call.inputs.join(',')}` : ', no keys'}`);
  out.push('Path:');
  d.steps.forEach((s, i) => out.push(`  ${i + 1}. ${describeStep(s)}`));
  if (d.status === 'awaiting-input') out.push(`Waiting for a key at menu ${d.menu}`);
  else {
    const lines = describeOutcome(d.outcome, plan, zone);
    out.push(`Outcome: ${lines[0]}`);
    out.push(...lines.slice(1));
  }
  out.push(`Trace (${d.trace.length} rule(s) considered, config ${d.planVersion}):`);
  for (const t of d.trace) out.push(`  ${describeTrace(t)}`);
  return out.join('\n');
}

/** An outcome as JSON: actions described, times in the site's zone. */
function outcomeJson(o: Outcome, zone: string): Record<string, unknown> {
  switch (o.action) {
    case 'callback':
      return { ...o, callback: { ...o.callback, deadline: o.callback.deadline === null ? null : DateTime.fromMillis(o.callback.deadline, { zone }).toISO() } };
    case 'queue':
      return { ...o, queue: { ...o.queue, overflow: o.queue.overflow.map(describeAction) } };
    case 'forward':
      return { ...o, forward: { ...o.forward, final: o.forward.final.map(describeAction) } };
    case 'ring-group':
      return { ...o, ringGroup: { ...o.ringGroup, noAnswer: o.ringGroup.noAnswer.map(describeAction) } };
    default:
      return { ...o };
  }
}

/** The decision as one JSON-ready object. */
export function decisionJson(plan: Plan, call: CallShown, d: Decision, fallbackZone: string): Record<string, unknown> {
  const zone = zoneOf(plan, d.site, fallbackZone);
  const outcome = d.status === 'done' ? outcomeJson(d.outcome, zone) : null;
  return {
    status: d.status,
    call: { did: call.did, caller: call.caller, at: DateTime.fromMillis(call.at, { zone }).toISO(), keys: call.inputs },
    site: d.site,
    ...(d.status === 'awaiting-input' ? { awaiting: { menu: d.menu } } : {}),
    outcome,
    steps: d.steps.map((s) => ({ ...s, text: describeStep(s) })),
    trace: d.trace.map((t) => ({ ...t, ...(t.why ? { why: describeReason(t.why) } : {}) })),
    configVersion: d.planVersion,
  };
}
