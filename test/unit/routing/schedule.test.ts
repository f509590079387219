import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { compileSchedule } from '../../../src/config/compile-schedule.js';
import type { ScheduleConfig } from '../../../src/config/schema.js';
import { describeHours, isHoliday, nextOpening, scheduleStatus } from '../../../src/routing/schedule.js';

const CHI = 'America/Chicago';
const t = (iso: string, zone = CHI) => DateTime.fromISO(iso, { zone }).toMillis();
const show = (ms: number | null, zone = CHI) => (ms === null ? null : DateTime.fromMillis(ms, { zone }).toFormat("ccc yyyy-LL-dd HH:mm"));

const weekdays: ScheduleConfig = {
  weekly: { mon: ['08:00-17:00'], tue: ['08:00-17:00'], wed: ['08:00-17:00'], thu: ['08:00-17:00'], fri: ['08:00-17:00'], sat: ['09:00-12:00'] },
  holidays: { country: 'US' },
  closures: [
    { name: 'Christmas Eve', date: '2026-12-24', from: '12:00' },
    { name: 'Staff training', date: '2026-12-02', until: '10:00' },
    { name: 'Inventory', date: '2026-12-09', from: '13:00', until: '14:00' },
    { name: 'Renovation', date: '2026-08-03', to: '2026-08-05' },
    { name: 'Power work', start: '2026-09-10T15:00', end: '2026-09-11T09:30' },
  ],
};
const s = compileSchedule('weekdays', weekdays, null);
const status = (iso: string) => scheduleStatus(s, CHI, t(iso));

describe('describeHours', () => {
  it.each([
    ['weekdays and Saturday morning', weekdays.weekly, 'Mon-Fri 08:00-17:00; Sat 09:00-12:00'],
    ['split days and a lone day', { mon: ['08:00-12:00', '13:00-17:00'], tue: ['08:00-12:00', '13:00-17:00'], thu: ['08:00-12:00'] }, 'Mon-Tue 08:00-12:00, 13:00-17:00; Thu 08:00-12:00'],
    ['overnight shown split at midnight', { fri: ['22:00-06:00'] }, 'Fri 22:00-24:00; Sat 00:00-06:00'],
    ['all week', { mon: ['00:00-24:00'], tue: ['00:00-24:00'], wed: ['00:00-24:00'], thu: ['00:00-24:00'], fri: ['00:00-24:00'], sat: ['00:00-24:00'], sun: ['00:00-24:00'] }, 'Mon-Sun 00:00-24:00'],
    ['never', {}, 'never open'],
  ] as [string, ScheduleConfig['weekly'], string][])('%s', (_n, weekly, expected) => {
    expect(describeHours(compileSchedule('d', { weekly }, null))).toBe(expected);
  });
});

describe('open or closed', () => {
  it.each([
    ['2026-11-23T07:59', false, 'outside-hours'],
    ['2026-11-23T08:00', true, 'hours'],
    ['2026-11-23T16:59', true, 'hours'],
    ['2026-11-23T17:00', false, 'outside-hours'],
    ['2026-11-28T09:00', true, 'hours'],
    ['2026-11-29T10:00', false, 'outside-hours'],
    ['2026-11-26T10:00', false, 'holiday'],
    ['2026-07-03T10:00', false, 'holiday'],
    ['2026-11-27T10:00', true, 'hours'],
    ['2026-12-24T11:59', true, 'hours'],
    ['2026-12-24T12:00', false, 'closure'],
    ['2026-12-02T09:59', false, 'closure'],
    ['2026-12-02T10:00', true, 'hours'],
    ['2026-12-09T13:30', false, 'closure'],
    ['2026-12-09T14:00', true, 'hours'],
    ['2026-08-04T10:00', false, 'closure'],
    ['2026-08-06T10:00', true, 'hours'],
    ['2026-09-10T14:59', true, 'hours'],
    ['2026-09-10T15:00', false, 'closure'],
    ['2026-09-11T09:29', false, 'closure'],
    ['2026-09-11T09:30', true, 'hours'],
  ])('%s open=%s (%s)', (iso, open, reason) => {
    const st = status(iso);
    expect(st.open).toBe(open);
    expect(st.reason).toBe(reason);
  });

  it('names the holiday or closure and shows local time with the zone', () => {
    expect(status('2026-11-26T10:00')).toMatchObject({ name: 'Thanksgiving Day', holiday: true, local: 'Thu 2026-11-26 10:00 CST' });
    expect(status('2026-12-24T12:30')).toMatchObject({ name: 'Christmas Eve', holiday: false });
    expect(isHoliday(s, CHI, t('2026-01-19T12:00'))).toBe('Martin Luther King Jr. Day');
    expect(isHoliday(s, CHI, t('2026-01-20T12:00'))).toBeNull();
  });

  it('serialises as a plain status with the local time', () => {
    expect(JSON.parse(JSON.stringify(status('2026-11-26T10:00')))).toEqual({ open: false, reason: 'holiday', name: 'Thanksgiving Day', local: 'Thu 2026-11-26 10:00 CST', holiday: true });
    expect(JSON.parse(JSON.stringify(status('2026-07-01T10:00')))).toEqual({ open: true, reason: 'hours', local: 'Wed 2026-07-01 10:00 CDT', holiday: false });
  });

  it('a manual override beats the schedule both ways, and still says it is a holiday', () => {
    expect(scheduleStatus(s, CHI, t('2026-11-23T10:00'), 'night')).toMatchObject({ open: false, reason: 'override-night' });
    expect(scheduleStatus(s, CHI, t('2026-11-26T10:00'), 'day')).toMatchObject({ open: true, reason: 'override-day', holiday: true });
  });

  it('holidays: a region adds its own, `except` keeps the clinic open, and types choose which count', () => {
    const tx = compileSchedule('tx', { weekly: { mon: ['08:00-17:00'], tue: ['08:00-17:00'], wed: ['08:00-17:00'], thu: ['08:00-17:00'], fri: ['08:00-17:00'] }, holidays: { country: 'US', region: 'TX', except: ['Columbus Day'] } }, null);
    const national = compileSchedule('us', { weekly: { mon: ['08:00-17:00'], fri: ['08:00-17:00'] }, holidays: { country: 'US' } }, null);
    // The day after Thanksgiving (Friday 2026-11-27) is a public holiday in Texas only.
    expect(scheduleStatus(tx, CHI, t('2026-11-27T10:00'))).toMatchObject({ reason: 'holiday', name: 'Day after Thanksgiving' });
    expect(scheduleStatus(national, CHI, t('2026-11-27T10:00')).reason).toBe('hours');
    expect(scheduleStatus(tx, CHI, t('2026-10-12T10:00')).open).toBe(true);
    expect(scheduleStatus(national, CHI, t('2026-10-12T10:00')).reason).toBe('holiday');
    const withOptional = compileSchedule('o', { weekly: { thu: ['08:00-17:00'] }, holidays: { country: 'US', types: ['public', 'optional'] } }, null);
    expect(scheduleStatus(withOptional, CHI, t('2026-12-24T10:00')).reason).toBe('holiday');
  });

  it('the same instant is open in Chicago (09:00) and closed in Denver (08:00 on a 08:30 opening)', () => {
    const late = compileSchedule('late', { weekly: { mon: ['08:30-17:00'] } }, null);
    const at = Date.parse('2026-11-23T15:00:00Z');
    expect(scheduleStatus(late, CHI, at).open).toBe(true);
    expect(scheduleStatus(late, 'America/Denver', at).open).toBe(false);
  });
});

describe('DST change days', () => {
  const nights = compileSchedule('n', { weekly: { sat: ['22:00-06:00'], sun: ['01:00-03:00'] } }, null);
  it.each([
    // Spring forward: 2026-03-08 02:00 CST -> 03:00 CDT. Saturday's overnight range ends 06:00 CDT.
    ['2026-03-08T07:59:00Z', true],
    ['2026-03-08T08:00:00Z', true],
    ['2026-03-08T10:59:00Z', true],
    ['2026-03-08T11:00:00Z', false],
    // Fall back: 2026-11-01 02:00 CDT -> 01:00 CST. 01:30 happens twice, both inside the range.
    ['2026-11-01T06:30:00Z', true],
    ['2026-11-01T07:30:00Z', true],
    ['2026-11-01T11:59:00Z', true],
    ['2026-11-01T12:00:00Z', false],
  ])('Saturday night range at %s open=%s', (iso, open) => {
    expect(scheduleStatus(nights, CHI, Date.parse(iso)).open).toBe(open);
  });

  it('Sunday 01:00-03:00 on spring-forward day lasts one real hour; on fall-back day three', () => {
    const sunday = compileSchedule('sun', { weekly: { sun: ['01:00-03:00'] } }, null);
    const openMinutes = (day: string) => {
      let n = 0;
      const start = t(`${day}T00:00`);
      for (let m = 0; m < 24 * 60; m++) if (scheduleStatus(sunday, CHI, start + m * 60_000).open) n++;
      return n;
    };
    expect(openMinutes('2026-03-08')).toBe(60);
    expect(openMinutes('2026-11-01')).toBe(180);
    expect(openMinutes('2026-11-08')).toBe(120);
  });
});

describe('next opening', () => {
  it.each([
    ['open now: now', '2026-11-23T10:00', 'Mon 2026-11-23 10:00'],
    ['Monday evening: Tuesday 08:00', '2026-11-23T18:00', 'Tue 2026-11-24 08:00'],
    ['Friday 18:00: Saturday 09:00', '2026-11-27T18:00', 'Sat 2026-11-28 09:00'],
    ['Saturday 13:00: Monday 08:00', '2026-11-28T13:00', 'Mon 2026-11-30 08:00'],
    ['the evening before Thanksgiving: Friday 08:00', '2026-11-25T18:00', 'Fri 2026-11-27 08:00'],
    ['the Friday before MLK day (Monday): Saturday', '2026-01-16T18:00', 'Sat 2026-01-17 09:00'],
    ['Saturday before MLK day: Tuesday 08:00', '2026-01-17T13:00', 'Tue 2026-01-20 08:00'],
    ['during a late opening: its end', '2026-12-02T08:30', 'Wed 2026-12-02 10:00'],
    ['during a span closure: when it ends', '2026-09-10T16:00', 'Fri 2026-09-11 09:30'],
  ])('%s', (_n, iso, expected) => {
    expect(show(nextOpening(s, CHI, t(iso)))).toBe(expected);
  });

  it('a range starting inside the spring-forward gap opens when the gap ends (03:00 local)', () => {
    const gap = compileSchedule('gap', { weekly: { sun: ['02:30-05:00'] } }, null);
    const at = nextOpening(gap, CHI, t('2026-03-07T20:00'));
    expect(new Date(at!).toISOString()).toBe('2026-03-08T08:00:00.000Z');
    expect(show(at)).toBe('Sun 2026-03-08 03:00');
    // Consistent with the status: open from that instant, closed the minute before.
    expect(scheduleStatus(gap, CHI, at!).open).toBe(true);
    expect(scheduleStatus(gap, CHI, at! - 60_000).open).toBe(false);
    // The week after, an ordinary Sunday: 02:30 CDT.
    expect(show(nextOpening(gap, CHI, t('2026-03-08T06:00')))).toBe('Sun 2026-03-15 02:30');
  });

  it('a closure ending inside the gap: open when the gap ends', () => {
    const s24 = compileSchedule('24', { weekly: { sat: ['00:00-24:00'], sun: ['00:00-24:00'] }, closures: [{ date: '2026-03-08', until: '02:15' }] }, null);
    expect(new Date(nextOpening(s24, CHI, t('2026-03-08T01:00'))!).toISOString()).toBe('2026-03-08T08:00:00.000Z');
  });

  it('on fall-back day a range starting at 01:00 opens at the second 01:00 when the first has passed', () => {
    const early = compileSchedule('e', { weekly: { sun: ['01:00-01:30'] } }, null);
    // 01:40 CDT (06:40Z): the range 01:00-01:30 is over, but 01:00 CST (07:00Z) is still to come.
    expect(scheduleStatus(early, CHI, Date.parse('2026-11-01T06:40:00Z')).open).toBe(false);
    expect(new Date(nextOpening(early, CHI, Date.parse('2026-11-01T06:40:00Z'))!).toISOString()).toBe('2026-11-01T07:00:00.000Z');
    // Before either: the first 01:00 (CDT).
    expect(new Date(nextOpening(early, CHI, Date.parse('2026-11-01T05:00:00Z'))!).toISOString()).toBe('2026-11-01T06:00:00.000Z');
  });

  it.each([
    ['Friday 18:00: Monday 08:00', '2026-11-20T18:00', 'Mon 2026-11-23 08:00'],
    ['Friday 18:00 before a Monday holiday (MLK day): Tuesday 08:00', '2026-01-16T18:00', 'Tue 2026-01-20 08:00'],
    ['Sunday before Labor Day: Tuesday 08:00', '2026-09-06T12:00', 'Tue 2026-09-08 08:00'],
    ['Thursday 2026-07-02 evening, Friday the substitute holiday: Monday', '2026-07-02T18:00', 'Mon 2026-07-06 08:00'],
  ])('Mon-Fri 08:00-17:00: %s', (_n, iso, expected) => {
    const monFri = compileSchedule('mf', { weekly: { mon: ['08:00-17:00'], tue: ['08:00-17:00'], wed: ['08:00-17:00'], thu: ['08:00-17:00'], fri: ['08:00-17:00'] }, holidays: { country: 'US' } }, null);
    expect(show(nextOpening(monFri, CHI, t(iso)))).toBe(expected);
  });

  it('never open within the horizon: null', () => {
    const never = compileSchedule('never', { weekly: {} }, null);
    expect(nextOpening(never, CHI, t('2026-11-23T10:00'), 30)).toBeNull();
  });
});

describe('iCalendar closures', () => {
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Riverside//Closures//EN',
    'BEGIN:VEVENT',
    'UID:1@riverside',
    'DTSTART;VALUE=DATE:20261130',
    'DTEND;VALUE=DATE:20261202',
    'SUMMARY:EHR migration',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:2@riverside',
    'DTSTART:20261203T200000Z',
    'DTEND:20261203T220000Z',
    'SUMMARY:All-staff meeting',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:3@riverside',
    'DTSTART;VALUE=DATE:20260915',
    'DTEND;VALUE=DATE:20260916',
    'RRULE:FREQ=YEARLY',
    'SUMMARY:Founders day',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  const withFeed = compileSchedule('feed', weekdays, ics);

  it.each([
    ['2026-11-30T10:00', false, 'EHR migration'],
    ['2026-12-01T16:59', false, 'EHR migration'],
    ['2026-12-02T10:00', true, undefined],
    ['2026-12-03T13:59', true, undefined],
    ['2026-12-03T14:00', false, 'All-staff meeting'],
    ['2026-12-03T15:59', false, 'All-staff meeting'],
    ['2026-12-03T16:00', true, undefined],
    ['2026-09-15T10:00', false, 'Founders day'],
    ['2027-09-15T10:00', false, 'Founders day'],
    ['2028-09-15T10:00', false, 'Founders day'],
    ['2027-09-16T10:00', true, undefined],
  ])('%s open=%s %s', (iso, open, name) => {
    const st = scheduleStatus(withFeed, CHI, t(iso));
    expect(st.open).toBe(open);
    expect(st.name).toBe(name);
  });

  it('next opening skips feed closures', () => {
    expect(show(nextOpening(withFeed, CHI, t('2026-11-27T18:00')))).toBe('Sat 2026-11-28 09:00');
    expect(show(nextOpening(withFeed, CHI, t('2026-11-28T13:00')))).toBe('Wed 2026-12-02 10:00');
    expect(show(nextOpening(withFeed, CHI, t('2026-12-03T14:30')))).toBe('Thu 2026-12-03 16:00');
  });
});
