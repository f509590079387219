/**
 * Is a site open at an instant, and when does it next open? Evaluated on the site's local wall
 * clock (luxon), so DST change days, overnight ranges and local-date holidays come out right.
 */
import { DateTime } from 'luxon';
import { localParts, offsetMinutes, type LocalParts } from './local-time.js';
import type { CompiledSchedule, Mode, ScheduleReason, ScheduleStatus } from './types.js';

const FORMAT = 'ccc yyyy-LL-dd HH:mm ZZZZ';

type LocalInstant = LocalParts;
const local = (atMs: number, timezone: string): LocalInstant => localParts(timezone, atMs);

/** A status whose local-time text is only formatted when someone reads it (formatting is slow). */
class Status implements ScheduleStatus {
  constructor(
    readonly open: boolean,
    readonly reason: ScheduleReason,
    readonly holiday: boolean,
    private readonly at: number,
    private readonly zone: string,
    readonly name?: string,
  ) {
    if (name === undefined) delete (this as { name?: string }).name;
  }

  get local(): string {
    return DateTime.fromMillis(this.at, { zone: this.zone, locale: 'en-US' }).toFormat(FORMAT);
  }

  /** The plain status (for logs and JSON), with `local` formatted. */
  toJSON(): ScheduleStatus {
    return { open: this.open, reason: this.reason, ...(this.name !== undefined ? { name: this.name } : {}), local: this.local, holiday: this.holiday };
  }
}

/** The holiday's name on the local date of this instant, or null. */
export function isHoliday(schedule: CompiledSchedule, timezone: string, atMs: number): string | null {
  return schedule.holidays?.nameOn(local(atMs, timezone).date) ?? null;
}

function closedBy(schedule: CompiledSchedule, l: LocalInstant, atMs: number): { reason: 'holiday' | 'closure'; name: string } | null {
  for (const c of schedule.instantClosures) {
    if (c.startMs > atMs) break;
    if (atMs < c.endMs) return { reason: 'closure', name: c.name };
  }
  const holiday = schedule.holidays?.nameOn(l.date) ?? null;
  if (holiday !== null) return { reason: 'holiday', name: holiday };
  for (const c of schedule.closuresByDate.get(l.date) ?? []) {
    if (l.minute >= c.start && l.minute < c.end) return { reason: 'closure', name: c.name };
  }
  return null;
}

function inHours(schedule: CompiledSchedule, l: LocalInstant): boolean {
  for (const [s, e] of schedule.weekly[l.weekday]!) if (l.minute >= s && l.minute < e) return true;
  return false;
}

/** Open or closed at this instant, and why; a manual day/night mode overrides the schedule. */
export function scheduleStatus(schedule: CompiledSchedule, timezone: string, atMs: number, mode: Mode = 'auto'): ScheduleStatus {
  const l = local(atMs, timezone);
  const holiday = schedule.holidays?.nameOn(l.date) ?? null;
  if (mode === 'night') return new Status(false, 'override-night', holiday !== null, atMs, timezone);
  if (mode === 'day') return new Status(true, 'override-day', holiday !== null, atMs, timezone);
  const closed = closedBy(schedule, l, atMs);
  if (closed) return new Status(false, closed.reason, holiday !== null, atMs, timezone, closed.name);
  const open = inHours(schedule, l);
  return new Status(open, open ? 'hours' : 'outside-hours', false, atMs, timezone);
}

/**
 * The instants on this local day at which the wall clock first reads `minute`: normally one; two
 * when that time happens twice (fall back); in a spring-forward gap (02:30 that never happens) the
 * end of the gap, the first instant whose local time is past it.
 */
function instantsAtLocal(day: DateTime, date: string, minute: number, zone: string): number[] {
  const t = day.set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 });
  const ms = t.toMillis();
  const reads = (x: number): LocalParts => local(x, zone);
  const atOrPast = (x: number): boolean => {
    const l = reads(x);
    return l.date > date || (l.date === date && l.minute >= minute);
  };
  const first = reads(ms);
  if (first.date !== date || first.minute !== minute) {
    // luxon moved a time in a gap forward by the gap's length; search back for the gap's end.
    let lo = ms - 3 * 3600_000;
    let hi = ms;
    if (atOrPast(lo)) return [ms];
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (atOrPast(mid)) hi = mid;
      else lo = mid;
    }
    return [hi];
  }
  // luxon picks the earlier of a repeated time; the later one is one offset change further on.
  const shift = (offsetMinutes(zone, ms) - offsetMinutes(zone, ms + 3 * 3600_000)) * 60_000;
  if (shift > 0) {
    const again = reads(ms + shift);
    if (again.date === date && again.minute === minute) return [ms, ms + shift];
  }
  return [ms];
}

/**
 * The first instant at or after `atMs` when the schedule is open (manual mode ignored), looking
 * `horizonDays` ahead; null when it never opens in that time.
 */
export function nextOpening(schedule: CompiledSchedule, timezone: string, atMs: number, horizonDays = 60): number | null {
  if (scheduleStatus(schedule, timezone, atMs).open) return atMs;
  const startDay = DateTime.fromMillis(atMs, { zone: timezone }).startOf('day');
  for (let d = 0; d <= horizonDays; d++) {
    const day = startDay.plus({ days: d });
    const date = day.toISODate()!;
    const weekday = day.weekday - 1;
    // Openings can only begin at midnight, a range start, or the end of a closure.
    const marks = new Set<number>([0]);
    for (const [s] of schedule.weekly[weekday]!) marks.add(s);
    for (const c of schedule.closuresByDate.get(date) ?? []) if (c.end < 1440) marks.add(c.end);
    const candidates: number[] = [];
    for (const m of marks) candidates.push(...instantsAtLocal(day, date, m, timezone));
    const from = Math.max(atMs, day.toMillis());
    const dayEnd = day.plus({ days: 1 }).toMillis();
    for (const c of schedule.instantClosures) {
      if (c.startMs >= dayEnd) break;
      if (c.endMs >= from && c.endMs < dayEnd) candidates.push(c.endMs);
    }
    candidates.sort((a, b) => a - b);
    for (const t of candidates) {
      if (t < atMs) continue;
      if (scheduleStatus(schedule, timezone, t).open) return t;
    }
  }
  return null;
}

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** A short human summary of the weekly hours, e.g. `Mon-Fri 08:00-17:00; Sat 09:00-12:00`. */
export function describeHours(schedule: CompiledSchedule): string {
  const texts = schedule.weekly.map((ranges) => ranges.map(([s, e]) => `${hhmm(s)}-${hhmm(e)}`).join(', '));
  const parts: string[] = [];
  for (let i = 0; i < 7; ) {
    let j = i;
    while (j + 1 < 7 && texts[j + 1] === texts[i]) j++;
    if (texts[i]) parts.push(`${DAY_NAMES[i]}${j > i ? `-${DAY_NAMES[j]}` : ''} ${texts[i]}`);
    i = j + 1;
  }
  return parts.join('; ') || 'never open';
}
