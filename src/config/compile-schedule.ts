/**
 * Compiling a schedule: weekly ranges split at midnight, dated closures by local date, public
 * holidays from date-holidays (memoised per year, it is slow), and closures from an iCalendar feed.
 */
import Holidays from 'date-holidays';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { ScheduleConfig } from './schema.js';
import type { CompiledSchedule, DatedClosure, HolidayCalendar, InstantClosure, MinuteRange } from '../routing/types.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
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

/** A holiday calendar for a country (and region) counting only the given holiday types. */
export function createHolidayCalendar(country: string, region: string | null, types: readonly string[] = ['public'], except: readonly string[] = []): HolidayCalendar {
  const hd = region ? new Holidays(country, region) : new Holidays(country);
  const wanted = new Set(types);
  const skip = new Set(except.map((n) => n.toLowerCase()));
  const years = new Map<number, Map<string, string>>();
  const yearMap = (year: number): Map<string, string> => {
    let m = years.get(year);
    if (m) return m;
    m = new Map();
    for (const h of hd.getHolidays(year) || []) {
      if (!wanted.has(h.type) || skip.has(h.name.toLowerCase())) continue;
      // `date` is local ("2026-07-03 00:00:00"); a multi-day holiday spans start..end.
      const first = DateTime.fromISO(h.date.slice(0, 10));
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
    nameOn: (date) => yearMap(Number(date.slice(0, 4))).get(date) ?? null,
  };
}

function addClosure(map: Map<string, DatedClosure[]>, date: string, c: DatedClosure): void {
  const list = map.get(date) ?? [];
  list.push(c);
  map.set(date, list);
}

/** Dated closures (whole days, ranges, early closures, late openings, spans) by local date. */
function datedClosures(closures: ScheduleConfig['closures']): Map<string, DatedClosure[]> {
  const map = new Map<string, DatedClosure[]>();
  for (const c of closures ?? []) {
    const name = c.name ?? 'closure';
    if (c.start && c.end) {
      let cur = DateTime.fromISO(c.start);
      const end = DateTime.fromISO(c.end);
      while (cur < end) {
        const dayEnd = cur.startOf('day').plus({ days: 1 });
        const stop = end < dayEnd ? end : dayEnd;
        const from = cur.hour * 60 + cur.minute;
        const to = stop.equals(dayEnd) ? 1440 : stop.hour * 60 + stop.minute;
        addClosure(map, cur.toISODate()!, { name, start: from, end: to });
        cur = dayEnd;
      }
      continue;
    }
    if (!c.date) continue;
    const start = c.from ? minutes(c.from) : 0;
    const end = c.until ? minutes(c.until) : 1440;
    if (c.to) {
      let d = DateTime.fromISO(c.date);
      const last = DateTime.fromISO(c.to);
      while (d <= last) {
        addClosure(map, d.toISODate()!, { name, start: 0, end: 1440 });
        d = d.plus({ days: 1 });
      }
    } else addClosure(map, c.date, { name, start, end });
  }
  return map;
}

/** Closures from iCalendar text: all-day events close whole local days, timed events an interval. */
export function icalClosures(text: string): { byDate: Map<string, DatedClosure[]>; instants: InstantClosure[] } {
  let comp: ICAL.Component;
  try {
    comp = new ICAL.Component(ICAL.parse(text));
  } catch (e) {
    throw new Error(`invalid iCalendar: ${(e as Error).message}`);
  }
  if (comp.name !== 'vcalendar') throw new Error(`invalid iCalendar: expected a VCALENDAR, found ${comp.name.toUpperCase()}`);
  for (const tz of comp.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  const byDate = new Map<string, DatedClosure[]>();
  const instants: InstantClosure[] = [];
  for (const v of comp.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(v);
    const name = event.summary || 'closure';
    if (!event.startDate) throw new Error(`invalid iCalendar: event '${name}' has no DTSTART`);
    const occurrences: { start: ICAL.Time; end: ICAL.Time }[] = [];
    const length = event.endDate ? event.endDate.subtractDate(event.startDate) : null;
    if (event.isRecurring()) {
      const it = event.iterator();
      const horizon = event.startDate.clone();
      horizon.year += 3;
      for (let next = it.next(), n = 0; next && n < 500 && next.compare(horizon) <= 0; next = it.next(), n++) {
        const end = next.clone();
        if (length) end.addDuration(length);
        else end.day += 1;
        occurrences.push({ start: next, end });
      }
    } else {
      const end = event.endDate ?? event.startDate.clone();
      if (!event.endDate) end.day += 1;
      occurrences.push({ start: event.startDate, end });
    }
    for (const { start, end } of occurrences) {
      if (start.isDate) {
        // All-day: DTEND is exclusive.
        let d = DateTime.fromISO(start.toString());
        const stop = DateTime.fromISO(end.toString());
        do {
          addClosure(byDate, d.toISODate()!, { name, start: 0, end: 1440 });
          d = d.plus({ days: 1 });
        } while (d < stop);
      } else {
        // Timed: floating times (no TZID, no Z) are read as UTC.
        instants.push({ name, startMs: start.toUnixTime() * 1000, endMs: end.toUnixTime() * 1000 });
      }
    }
  }
  return { byDate, instants };
}

/** Compiles one schedule; throws `invalid iCalendar: ...` for a broken feed. */
export function compileSchedule(id: string, cfg: ScheduleConfig, icalText: string | null): CompiledSchedule {
  const byDate = datedClosures(cfg.closures);
  let instants: InstantClosure[] = [];
  if (icalText !== null) {
    const feed = icalClosures(icalText);
    for (const [date, list] of feed.byDate) for (const c of list) addClosure(byDate, date, c);
    instants = feed.instants;
  }
  return Object.freeze({
    id,
    weekly: weeklyRanges(cfg.weekly),
    holidays: cfg.holidays ? createHolidayCalendar(cfg.holidays.country, cfg.holidays.region ?? null, cfg.holidays.types, cfg.holidays.except) : null,
    closuresByDate: byDate,
    instantClosures: Object.freeze(instants.sort((a, b) => a.startMs - b.startMs)),
  });
}
