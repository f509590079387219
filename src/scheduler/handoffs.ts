/** The on-call handoff log: who is on call from now, written when the roster changes hands. */
import { handoffsBetween, type RosterOverride } from '../routing/roster.js';
import type { Plan } from '../routing/types.js';

/** Logs every handoff in (from, to] of every roster; returns the lines. */
export function logHandoffs(plan: Plan, from: number, to: number, overrides: Readonly<Record<string, readonly RosterOverride[]>>, log: (m: string) => void): string[] {
  const lines: string[] = [];
  for (const r of plan.rosters.values()) {
    for (const h of handoffsBetween(r, from, to, overrides[r.id] ?? [])) {
      const m = r.members.get(h.member);
      lines.push(`on call for ${r.id} from ${new Date(h.at).toISOString()}: ${m?.name ?? h.member}`);
    }
  }
  for (const l of lines) log(l);
  return lines;
}
