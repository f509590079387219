/**
 * The built-in demo: a scripted day of calls (seeded, so every run is the same) pushed through a
 * config with the decision engine, printed as they are routed, with a summary at the end.
 */
import { DateTime } from 'luxon';
import { decide } from '../routing/engine.js';
import type { AgentSnapshot, Decision, Plan } from '../routing/types.js';
import type { Io } from './io.js';

/** A small deterministic random generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoOptions {
  readonly date: string;
  readonly calls: number;
  readonly seed: number;
  readonly quiet?: boolean;
}

export interface DemoSummary {
  readonly calls: number;
  readonly byOutcome: Readonly<Record<string, number>>;
  readonly noAgentFree: number;
}

/** Routes a day of calls and prints each one and a summary; returns the summary. */
export function runDemo(plan: Plan, o: DemoOptions, io: Io): DemoSummary {
  const rand = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const dids = [...plan.didToSite.keys()];
  if (dids.length === 0) {
    io.err('the config has no site with a DID to call');
    return { calls: 0, byOutcome: {}, noAgentFree: 0 };
  }
  const zone = plan.sites.get(plan.didToSite.get(dids[0]!)!)!.timezone;
  const day = DateTime.fromISO(o.date, { zone }).startOf('day');
  const agentIds = [...plan.agents.keys()];
  const byOutcome: Record<string, number> = {};
  let noAgentFree = 0;
  // Most calls come in business hours, some at night: the mix a clinic sees.
  const times = Array.from({ length: o.calls }, () => {
    const daytime = rand() < 0.85;
    const minute = daytime ? 7 * 60 + Math.floor(rand() * 11 * 60) : Math.floor(rand() * 24 * 60);
    return day.plus({ minutes: minute, seconds: Math.floor(rand() * 60) }).toMillis();
  }).sort((a, b) => a - b);
  const keyChoices = ['1', '1', '1', '2', '2', '3', '4', '9', 'timeout', '7'];
  for (const at of times) {
    const did = pick(dids);
    const caller = `+1${pick(['512', '737', '713', '915', '210'])}555${String(Math.floor(rand() * 10000)).padStart(4, '0')}`;
    const inputs = [pick(keyChoices), pick(keyChoices)];
    const agents: Record<string, AgentSnapshot> = {};
    for (const id of agentIds) agents[id] = { state: rand() < 0.45 ? 'busy' : 'available', idleSince: at - Math.floor(rand() * 600_000) };
    const d = decide(plan, { did, caller, at, inputs, whenInputsEnd: 'timeout' }, { agents });
    const label = outcomeLabel(d);
    byOutcome[label] = (byOutcome[label] ?? 0) + 1;
    const waits = d.status === 'done' && d.outcome.action === 'queue' ? d.outcome.queue : null;
    if (waits && waits.candidates.length === 0) noAgentFree++;
    if (!o.quiet) {
      const local = DateTime.fromMillis(at, { zone }).toFormat('HH:mm:ss');
      const extra = waits ? ` -> ${waits.candidates[0] ?? 'waits (no agent free)'}` : '';
      io.out(`${local}  ${caller} -> ${did}  keys ${inputs.join(',')}  =>  ${label}${extra}`);
    }
  }
  io.out(`\nSummary of ${times.length} calls on ${o.date} (${zone}):`);
  for (const [label, n] of Object.entries(byOutcome).sort((a, b) => b[1] - a[1])) io.out(`  ${String(n).padStart(5)}  ${label}`);
  io.out(`  queued calls that found no free agent at once: ${noAgentFree}`);
  return { calls: times.length, byOutcome, noAgentFree };
}

function outcomeLabel(d: Decision): string {
  if (d.status === 'awaiting-input') return `waiting at menu ${d.menu}`;
  return `${d.outcome.action}${d.outcome.target ? ` ${d.outcome.target}` : ''}${d.outcome.priority > 0 ? ` (priority ${d.outcome.priority})` : ''}`;
}
