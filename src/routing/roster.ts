/**
 * Who is on call: rotation by day or week with a handoff at a local time (which stays at that
 * wall-clock time across DST), dated overrides first, and the escalation order at an instant.
 */
import { DateTime } from 'luxon';
import type { CompiledRoster, RosterMember } from './types.js';

export interface OnCall {
  readonly member: string;
  readonly via: 'rotation' | 'override';
  readonly since: number;
  readonly until: number;
}

/** The local date-time of the first handoff at or after the rotation start. */
function firstHandoff(r: CompiledRoster): DateTime {
  let d = DateTime.fromISO(r.rotation.start, { zone: r.timezone }).set({ hour: Math.floor(r.rotation.handoffMinute / 60), minute: r.rotation.handoffMinute % 60 });
  if (r.rotation.every === 'week') while (d.weekday - 1 !== r.rotation.handoffDay) d = d.plus({ days: 1 });
  return d;
}

function periodStart(r: CompiledRoster, first: DateTime, index: number): DateTime {
  return first.plus(r.rotation.every === 'week' ? { weeks: index } : { days: index });
}

/** The rotation period containing the instant: its index (negative before the start) and bounds. */
function period(r: CompiledRoster, atMs: number): { index: number; since: number; until: number } {
  const first = firstHandoff(r);
  const at = DateTime.fromMillis(atMs, { zone: r.timezone });
  const days = Math.floor(at.startOf('day').diff(first.startOf('day'), 'days').days + 0.5);
  const len = r.rotation.every === 'week' ? 7 : 1;
  let index = Math.floor(days / len);
  if (periodStart(r, first, index).toMillis() > atMs) index--;
  if (periodStart(r, first, index + 1).toMillis() <= atMs) index++;
  return { index, since: periodStart(r, first, index).toMillis(), until: periodStart(r, first, index + 1).toMillis() };
}

function memberAt(r: CompiledRoster, index: number): string {
  const n = r.rotation.order.length;
  return r.rotation.order[((index % n) + n) % n]!;
}

/** An override set at run time (`pbx-router oncall override`), on top of the config's. */
export interface RosterOverride {
  readonly member: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Who is on call at this instant: an active override wins over the rotation. Run-time overrides
 * come first, newest (last) first; of overlapping config overrides, the one that started last wins,
 * so a short swap inside a long cover wins.
 */
export function onCallAt(r: CompiledRoster, atMs: number, extra: readonly RosterOverride[] = []): OnCall {
  for (let i = extra.length - 1; i >= 0; i--) {
    const o = extra[i]!;
    if (r.members.has(o.member) && atMs >= o.fromMs && atMs < o.toMs) return { member: o.member, via: 'override', since: o.fromMs, until: o.toMs };
  }
  let best: RosterOverride | null = null;
  for (const o of r.overrides) {
    if (atMs >= o.fromMs && atMs < o.toMs && (best === null || o.fromMs >= best.fromMs)) best = o;
  }
  if (best) return { member: best.member, via: 'override', since: best.fromMs, until: best.toMs };
  const p = period(r, atMs);
  return { member: memberAt(r, p.index), via: 'rotation', since: p.since, until: p.until };
}

/**
 * The members to try, in order, at this instant, no one twice. 'on-call' is the member on call;
 * each 'next' is the member after the previous 'on-call'/'next' in the rotation order (after an
 * override by someone outside the rotation, the first 'next' is the member the rotation has on
 * call), so ['on-call', 'next', 'next'] walks the rotation from the on-call member; member ids are
 * themselves and do not move that position.
 */
export function escalationOrder(r: CompiledRoster, atMs: number, extra: readonly RosterOverride[] = []): RosterMember[] {
  const current = onCallAt(r, atMs, extra);
  const order = r.rotation.order;
  const n = order.length;
  // Where the walk starts: the current period's slot, or an override member's first slot; for an
  // override by someone outside the rotation, just before the slot the rotation has on call.
  const slot = ((period(r, atMs).index % n) + n) % n;
  let pos = current.via === 'rotation' ? slot : order.indexOf(current.member);
  if (pos < 0) pos = slot - 1;
  const out: RosterMember[] = [];
  const seen = new Set<string>();
  for (const step of r.escalation) {
    let id = step;
    if (step === 'on-call') id = current.member;
    else if (step === 'next') {
      pos += 1;
      id = order[((pos % n) + n) % n]!;
    }
    if (seen.has(id)) continue;
    const m = r.members.get(id);
    if (!m) continue;
    seen.add(id);
    out.push(m);
  }
  return out;
}

/** Every change of who is on call in (fromMs, toMs], for the handoff log. */
export function handoffsBetween(r: CompiledRoster, fromMs: number, toMs: number, extra: readonly RosterOverride[] = []): { at: number; member: string }[] {
  const marks = new Set<number>();
  let p = period(r, fromMs);
  while (p.until <= toMs) {
    marks.add(p.until);
    p = period(r, p.until);
  }
  for (const o of [...r.overrides, ...extra]) {
    if (o.fromMs > fromMs && o.fromMs <= toMs) marks.add(o.fromMs);
    if (o.toMs > fromMs && o.toMs <= toMs) marks.add(o.toMs);
  }
  const out: { at: number; member: string }[] = [];
  let previous = onCallAt(r, fromMs, extra).member;
  for (const at of [...marks].sort((a, b) => a - b)) {
    const member = onCallAt(r, at, extra).member;
    if (member !== previous) out.push({ at, member });
    previous = member;
  }
  return out;
}
