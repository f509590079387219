/**
 * Compiling a schedule: weekly ranges split at midnight, dated closures by local date, public
 * holidays from date-holidays (memoised per year, it is slow), and closures from an iCalendar feed.
 * Dates and times of the config are wall-clock values in the site zone, so date arithmetic here is
 * done in UTC (no DST) and only turned into instants by the routing code.
 */
import Holidays from 'date-holidays';
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import type { ScheduleConfig } from './schema.js';
import type { CompiledSchedule, DatedClosure, HolidayCalendar, InstantClosure, MinuteRange } from '../routing/types.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WALL = { zone: 'utc' } as const;
const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Opening ranges per weekday (0 = Monday); an overnight range carries into the next day. */
export function weeklyRanges(weekly: ScheduleConfig['weekly']): MinuteRange[][] {
  const days: MinuteRange[][] = DAYS.map(() => []);
  DAYS.forEach((day, i) => {
    for (const range of weekly[day] ?? []) {
      const [from, to] = range.split('-') as [string, string];
      const start = minutes(from);
      const end = minutes(to);
      if (end > start) days[i]!.push([start, end]);
      else {
        days[i]!.push([start, 1440]);
        if (end > 0) days[(i + 1) % 7]!.push([0, end]);
      }
    }
  });
  return days.map(merge);
}

function merge(ranges: MinuteRange[]): MinuteRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * A holiday calendar for a country (and region) counting only the given date-holidays types;
 * `except` names (case-insensitive) stay open, and naming a holiday also covers its substitute day.
 */
export function createHolidayCalendar(country: string, region: string | null, types: readonly string[] = ['public'], except: readonly string[] = []): HolidayCalendar {
  const probe = new Holidays();
  if (!probe.getCountries()[country]) throw new Error(`unknown holiday country '${country}'`);
  if (region !== null && !probe.getStates(country)?.[region]) throw new Error(`unknown holiday region '${region}' of ${country}`);
  // In UTC, start/end of a holiday are midnights of its local dates: its length in days is exact.
  const opts = { timezone: 'UTC' };
  const hd = region !== null ? new Holidays(country, region, opts) : new Holidays(country, opts);
  const wanted = new Set(types);
  const skip = new Set(except.map((n) => n.trim().toLowerCase()));
  const years = new Map<number, Map<string, string>>();
  const yearMap = (year: number): Map<string, string> => {
    let m = years.get(year);
    if (m) return m;
    m = new Map();
    for (const h of hd.getHolidays(year) ?? []) {
      if (!wanted.has(h.type)) continue;
      // "Independence Day (substitute day)": `except: [Independence Day]` keeps both days open.
      const base = h.substitute ? h.name.replace(/\s*\([^)]*\)\s*$/, '') : h.name;
      if (skip.has(h.name.toLowerCase()) || skip.has(base.toLowerCase())) continue;
      // `date` is local ("2026-07-03 00:00:00", or "2026-03-20 00:00:00 -0600" for one starting the
      // evening before); a multi-day holiday spans start..end.
      const first = DateTime.fromISO(h.date.slice(0, 10), WALL);
      const days = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / 86_400_000));
      for (let d = 0; d < days; d++) {
        const key = first.plus({ days: d }).toISODate()!;
        if (!m.has(key)) m.set(key, h.name);
      }
    }
    years.set(year, m);
    return m;
  };
  return {
    country,
    region,
    nameOn: (date) => {
      const year = Number(date.slice(0, 4));
      // A holiday of the previous year may run into early January.
      return yearMap(year).get(date) ?? (date.slice(5, 7) === '01' ? yearMap(year - 1).get(date) : undefined) ?? null;
    },
  };
}

function sharedCalendar(calendars: Map<string, HolidayCalendar>, country: string, region: string | null, types?: readonly string[], except?: readonly string[]): HolidayCalendar {
  const key = JSON.stringify([country, region, types ?? null, except ?? null]);
  let cal = calendars.get(key);
  if (!cal) calendars.set(key, (cal = createHolidayCalendar(country, region, types, except)));
  return cal;
}

function addClosure(map: Map<string, DatedClosure[]>, date: string, c: DatedClosure): void {
  const list = map.get(date) ?? [];
  list.push(c);
  map.set(date, list);
}

function wallTime(text: string, what: string): DateTime {
  const t = DateTime.fromISO(text, WALL);
  if (!t.isValid) throw new Error(`${what} ${text} is not a real date`);
  return t;
}

/**
 * Dated closures by local date: a whole day (date), each day of date..to, an early closure
 * (date + from), a late opening (date + until), a span within the day (date + from + until; with
 * `to` it applies to each day of the range), or start..end across days.
 */
function datedClosures(closures: ScheduleConfig['closures']): Map<string, DatedClosure[]> {
  const map = new Map<string, DatedClosure[]>();
  (closures ?? []).forEach((c, i) => {
    const name = c.name ?? 'closure';
    const fail = (why: string): never => {
      throw new Error(`closure ${i + 1} (${name}): ${why}`);
    };
    if (c.start !== undefined || c.end !== undefined) {
      if (c.start === undefined || c.end === undefined) fail('start and end go together');
      if (c.date !== undefined || c.to !== undefined || c.from !== undefined || c.until !== undefined) fail('use either start..end or date (with to, from, until), not both');
      let cur = wallTime(c.start!, 'start');
      const end = wallTime(c.end!, 'end');
      if (end <= cur) fail(`it ends (${c.end}) before it starts (${c.start})`);
      while (cur < end) {
        const dayEnd = cur.startOf('day').plus({ days: 1 });
        const stop = end < dayEnd ? end : dayEnd;
        const to = stop.equals(dayEnd) ? 1440 : stop.hour * 60 + stop.minute;
        const from = cur.hour * 60 + cur.minute;
        if (to > from) addClosure(map, cur.toISODate()!, { name, start: from, end: to });
        cur = dayEnd;
      }
      return;
    }
    if (c.date === undefined) return fail('give a date, or start and end');
    const start = c.from !== undefined ? minutes(c.from) : 0;
    const end = c.until !== undefined ? minutes(c.until) : 1440;
    if (end <= start) fail(`nothing is closed between ${c.from ?? '00:00'} and ${c.until ?? '24:00'}`);
    let d = wallTime(c.date, 'date');
    const last = c.to !== undefined ? wallTime(c.to, 'to') : d;
    if (last < d) fail(`it ends (${c.to}) before it starts (${c.date})`);
    if (last.diff(d, 'days').days > 3660) fail('a closure longer than ten years');
    for (; d <= last; d = d.plus({ days: 1 })) addClosure(map, d.toISODate()!, { name, start, end });
  });
  return map;
}

const invalid = (why: string): Error => new Error(`invalid iCalendar: ${why}`);
type ICalTime = InstanceType<typeof ICAL.Time>;
type ICalEvent = InstanceType<typeof ICAL.Event>;

/** The VCALENDAR components of the text (a file may hold several). */
function calendars(text: string): InstanceType<typeof ICAL.Component>[] {
  let jcal: unknown[];
  try {
    jcal = ICAL.parse(text) as unknown[];
  } catch (e) {
    throw invalid((e as Error).message);
  }
  if (!Array.isArray(jcal) || jcal.length === 0) throw invalid('no BEGIN:VCALENDAR found');
  const list = Array.isArray(jcal[0]) ? jcal : [jcal];
  return list.map((j) => {
    const comp = new ICAL.Component(j as unknown[]);
    if (comp.name !== 'vcalendar') throw invalid(`expected a VCALENDAR, found ${String(comp.name).toUpperCase()}`);
    return comp;
  });
}

/**
 * An instant of an iCalendar date-time: UTC ('Z') and zones defined by a VTIMEZONE of the file are
 * converted by ical.js; a TZID without a VTIMEZONE that is an IANA name is read in that zone; a
 * floating time (no TZID, no Z) is read as UTC, since a feed carries no site zone here.
 */
function instantOf(t: ICalTime, tzid: string | null): number {
  if (t.zone && t.zone.tzid !== 'floating') return t.toUnixTime() * 1000;
  const fields = { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
  if (tzid && IANAZone.isValidZone(tzid)) return DateTime.fromObject(fields, { zone: tzid }).toMillis();
  return DateTime.fromObject(fields, WALL).toMillis();
}

const tzidOf = (event: ICalEvent, prop: 'dtstart' | 'dtend'): string | null => {
  const p = event.component.getFirstProperty(prop) ?? event.component.getFirstProperty('dtstart');
  const tzid = p?.getParameter('tzid');
  return typeof tzid === 'string' ? tzid : null;
};
const cancelled = (event: ICalEvent): boolean => String(event.component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';

/**
 * Occurrences of an event: one, or its recurrences up to the year 2100 (at most 5,000: a weekly
 * closure for about a century, a daily one for about 13 years). Compiling has no clock, so the
 * window cannot follow "now"; a fixed far bound keeps a yearly feed that started in 2019 working.
 */
const RECURRENCE_END_YEAR = 2100;
const MAX_OCCURRENCES = 5000;
function occurrences(event: ICalEvent): { item: ICalEvent; start: ICalTime; end: ICalTime }[] {
  if (!event.isRecurring()) return [{ item: event, start: event.startDate, end: event.endDate }];
  const out: { item: ICalEvent; start: ICalTime; end: ICalTime }[] = [];
  const it = event.iterator();
  for (let next = it.next(); next && out.length < MAX_OCCURRENCES && next.year < RECURRENCE_END_YEAR; next = it.next()) {
    const d = event.getOccurrenceDetails(next);
    out.push({ item: d.item, start: d.startDate, end: d.endDate });
  }
  return out;
}

/** Closures from iCalendar text: all-day events close whole local days, timed events an interval. */
export function icalClosures(text: string): { byDate: Map<string, DatedClosure[]>; instants: InstantClosure[] } {
  const byDate = new Map<string, DatedClosure[]>();
  const instants: InstantClosure[] = [];
  for (const cal of calendars(text)) {
    // A modified occurrence (RECURRENCE-ID) belongs to the recurring event with its UID.
    const events: ICalEvent[] = [];
    const masters = new Map<string, ICalEvent>();
    const exceptions: ICalEvent[] = [];
    for (const v of cal.getAllSubcomponents('vevent')) {
      const e = new ICAL.Event(v);
      const name = e.summary || 'closure';
      if (!v.hasProperty('dtstart')) throw invalid(`event '${name}' has no DTSTART`);
      if (e.isRecurrenceException()) exceptions.push(e);
      else {
        events.push(e);
        if (e.uid) masters.set(e.uid, e);
      }
    }
    for (const ex of exceptions) {
      const master = masters.get(ex.uid);
      if (master?.isRecurring()) master.relateException(ex);
      else events.push(ex);
    }
    for (const event of events) {
      if (cancelled(event)) continue;
      const name = event.summary || 'closure';
      try {
        for (const { item, start, end } of occurrences(event)) {
          if (cancelled(item)) continue;
          const label = item.summary || name;
          if (start.isDate) {
            // All-day: whole local days, DTEND exclusive (at least the first day).
            let d = DateTime.fromObject({ year: start.year, month: start.month, day: start.day }, WALL);
            const stop = DateTime.fromObject({ year: end.year, month: end.month, day: end.day }, WALL);
            if (!d.isValid || !stop.isValid) throw new Error('invalid DATE value');
            if (stop.diff(d, 'days').days > 3660) throw new Error('an all-day event longer than ten years');
            do {
              addClosure(byDate, d.toISODate()!, { name: label, start: 0, end: 1440 });
              d = d.plus({ days: 1 });
            } while (d < stop);
          } else {
            const startMs = instantOf(start, tzidOf(item, 'dtstart'));
            const endMs = instantOf(end, tzidOf(item, 'dtend'));
            if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw new Error('invalid DATE-TIME value');
            if (endMs < startMs) throw new Error('it ends before it starts');
            if (endMs > startMs) instants.push({ name: label, startMs, endMs });
          }
        }
      } catch (e) {
        throw invalid(`event '${name}': ${(e as Error).message}`);
      }
    }
  }
  return { byDate, instants };
}

/**
 * Compiles one schedule; throws `invalid iCalendar: ...` for a broken feed, `closure N (...)` for a
 * broken closure. `calendars` shares holiday calendars between schedules of one plan (building one
 * reads date-holidays' rules for the country, which is slow).
 */
export function compileSchedule(id: string, cfg: ScheduleConfig, icalText: string | null, calendars: Map<string, HolidayCalendar> = new Map()): CompiledSchedule {
  const byDate = datedClosures(cfg.closures);
  let instants: InstantClosure[] = [];
  if (icalText !== null) {
    const feed = icalClosures(icalText);
    for (const [date, list] of feed.byDate) for (const c of list) addClosure(byDate, date, c);
    instants = feed.instants;
  }
  for (const list of byDate.values()) list.sort((a, b) => a.start - b.start);
  const h = cfg.holidays;
  return Object.freeze({
    id,
    weekly: Object.freeze(weeklyRanges(cfg.weekly).map((d) => Object.freeze(d))),
    holidays: h ? sharedCalendar(calendars, h.country, h.region ?? null, h.types, h.except) : null,
    closuresByDate: byDate,
    instantClosures: Object.freeze(instants.sort((a, b) => a.startMs - b.startMs)),
  });
}
