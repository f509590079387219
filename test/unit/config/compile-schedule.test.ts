import { describe, expect, it } from 'vitest';
import { compileSchedule, createHolidayCalendar, icalClosures, weeklyRanges } from '../../../src/config/compile-schedule.js';
import type { ScheduleConfig } from '../../../src/config/schema.js';

const iso = (ms: number) => new Date(ms).toISOString();
const ics = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');
const event = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'];

describe('weekly ranges', () => {
  it.each([
    ['a plain day', { wed: ['08:00-17:00'] }, 2, [[480, 1020]]],
    ['overnight Monday: Monday part', { mon: ['22:00-06:00'] }, 0, [[1320, 1440]]],
    ['overnight Monday: Tuesday part', { mon: ['22:00-06:00'] }, 1, [[0, 360]]],
    ['overnight Sunday wraps to Monday', { sun: ['23:00-02:00'] }, 0, [[0, 120]]],
    ['24:00 as an end', { fri: ['14:00-24:00'] }, 4, [[840, 1440]]],
    ['ending at midnight adds nothing to the next day', { fri: ['20:00-00:00'] }, 5, []],
    ['overlapping and touching ranges merge, sorted', { tue: ['14:00-18:00', '09:00-12:00', '11:00-13:00', '13:00-14:00'] }, 1, [[540, 1080]]],
    ['an overnight tail merges with that day’s own range', { mon: ['22:00-06:00'], tue: ['05:00-09:00', '12:00-13:00'] }, 1, [[0, 540], [720, 780]]],
  ] as [string, ScheduleConfig['weekly'], number, [number, number][]][])('%s', (_n, weekly, day, expected) => {
    expect(weeklyRanges(weekly)[day]).toEqual(expected);
  });
});

describe('dated closures', () => {
  const closures: ScheduleConfig['closures'] = [
    { name: 'Flood', date: '2026-06-01' },
    { name: 'Renovation', date: '2026-08-31', to: '2026-09-02' },
    { name: 'Christmas Eve', date: '2026-12-24', from: '12:00' },
    { name: 'Training', date: '2026-12-02', until: '10:00' },
    { date: '2026-12-09', from: '13:00', until: '14:00' },
    { name: 'Power work', start: '2026-03-07T22:00', end: '2026-03-09T09:30' },
    { name: 'Afternoons', date: '2026-10-05', to: '2026-10-06', from: '13:00' },
  ];
  const s = compileSchedule('c', { weekly: {}, closures }, null);

  it.each([
    ['2026-06-01', [{ name: 'Flood', start: 0, end: 1440 }]],
    ['2026-08-31', [{ name: 'Renovation', start: 0, end: 1440 }]],
    ['2026-09-01', [{ name: 'Renovation', start: 0, end: 1440 }]],
    ['2026-09-02', [{ name: 'Renovation', start: 0, end: 1440 }]],
    ['2026-09-03', undefined],
    ['2026-12-24', [{ name: 'Christmas Eve', start: 720, end: 1440 }]],
    ['2026-12-02', [{ name: 'Training', start: 0, end: 600 }]],
    ['2026-12-09', [{ name: 'closure', start: 780, end: 840 }]],
    // start..end is split per local date; the spring-forward night in between changes nothing here.
    ['2026-03-07', [{ name: 'Power work', start: 1320, end: 1440 }]],
    ['2026-03-08', [{ name: 'Power work', start: 0, end: 1440 }]],
    ['2026-03-09', [{ name: 'Power work', start: 0, end: 570 }]],
    ['2026-10-05', [{ name: 'Afternoons', start: 780, end: 1440 }]],
    ['2026-10-06', [{ name: 'Afternoons', start: 780, end: 1440 }]],
  ])('%s', (date, expected) => {
    expect(s.closuresByDate.get(date)).toEqual(expected);
  });

  it.each([
    ['to before date', { date: '2026-05-02', to: '2026-05-01' }, /closure 1 \(closure\): it ends \(2026-05-01\) before it starts/],
    ['until before from', { name: 'x', date: '2026-05-02', from: '14:00', until: '10:00' }, /closure 1 \(x\): nothing is closed between 14:00 and 10:00/],
    ['until 00:00', { date: '2026-05-02', until: '00:00' }, /nothing is closed between 00:00 and 00:00/],
    ['start without end', { start: '2026-05-02T10:00' }, /start and end go together/],
    ['end before start', { start: '2026-05-02T10:00', end: '2026-05-02T09:00' }, /ends \(2026-05-02T09:00\) before it starts/],
    ['start with a date', { start: '2026-05-02T10:00', end: '2026-05-02T11:00', date: '2026-05-02' }, /either start\.\.end or date/],
    ['no date at all', { name: 'y', from: '10:00' }, /closure 1 \(y\): give a date, or start and end/],
    ['a date that does not exist', { date: '2026-02-30' }, /date 2026-02-30 is not a real date/],
  ] as [string, NonNullable<ScheduleConfig['closures']>[number], RegExp][])('a broken closure is an error: %s', (_n, closure, message) => {
    expect(() => compileSchedule('bad', { weekly: {}, closures: [closure] }, null)).toThrow(message);
  });
});

describe('holiday calendar (date-holidays)', () => {
  const us = createHolidayCalendar('US', null);
  it.each([
    ['2026-11-26', 'Thanksgiving Day'],
    ['2026-07-03', 'Independence Day (substitute day)'],
    ['2026-07-04', 'Independence Day'],
    ['2026-01-19', 'Martin Luther King Jr. Day'],
    ['2027-01-01', "New Year's Day"],
    ['2026-11-27', null],
    // Observances and optional days are not 'public'.
    ['2026-02-14', null],
    ['2026-12-24', null],
  ])('US federal %s -> %s', (date, name) => {
    expect(us.nameOn(date)).toBe(name);
  });

  it('a region adds its own holidays (Texas: the day after Thanksgiving)', () => {
    const tx = createHolidayCalendar('US', 'TX');
    expect(tx).toMatchObject({ country: 'US', region: 'TX' });
    expect(tx.nameOn('2026-11-27')).toBe('Day after Thanksgiving');
    expect(tx.nameOn('2026-12-26')).toBe('Day after Christmas');
  });

  it('`except` keeps named holidays open, case-insensitively, including their substitute day', () => {
    const cal = createHolidayCalendar('US', null, ['public'], ['independence day', 'Columbus Day']);
    expect(cal.nameOn('2026-07-04')).toBeNull();
    expect(cal.nameOn('2026-07-03')).toBeNull();
    expect(cal.nameOn('2026-10-12')).toBeNull();
    expect(cal.nameOn('2026-11-26')).toBe('Thanksgiving Day');
    const onlySubstitute = createHolidayCalendar('US', null, ['public'], ['Independence Day (substitute day)']);
    expect(onlySubstitute.nameOn('2026-07-03')).toBeNull();
    expect(onlySubstitute.nameOn('2026-07-04')).toBe('Independence Day');
  });

  it('types choose which holidays count', () => {
    const cal = createHolidayCalendar('US', null, ['public', 'optional']);
    expect(cal.nameOn('2026-12-24')).toBe('Christmas Eve');
    expect(createHolidayCalendar('US', null, ['observance']).nameOn('2026-11-26')).toBeNull();
  });

  it('a multi-day holiday closes each of its local dates (Armenia: New Year, two days)', () => {
    const am = createHolidayCalendar('AM', null);
    expect(am.nameOn('2026-01-01')).not.toBeNull();
    expect(am.nameOn('2026-01-02')).toBe(am.nameOn('2026-01-01'));
  });

  it('an unknown country or region is an error, not a silent empty calendar', () => {
    expect(() => createHolidayCalendar('XX', null)).toThrow("unknown holiday country 'XX'");
    expect(() => createHolidayCalendar('US', 'ZZ')).toThrow("unknown holiday region 'ZZ' of US");
  });
});

describe('iCalendar feed', () => {
  const vtimezone = [
    'BEGIN:VTIMEZONE',
    'TZID:Central Standard Time',
    'BEGIN:STANDARD',
    'DTSTART:16011104T020000',
    'RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11',
    'TZOFFSETFROM:-0500',
    'TZOFFSETTO:-0600',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:16010311T020000',
    'RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3',
    'TZOFFSETFROM:-0600',
    'TZOFFSETTO:-0500',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
  ];
  const feed = icalClosures(
    ics(
      ...vtimezone,
      ...event('UID:1', 'DTSTART;VALUE=DATE:20261130', 'DTEND;VALUE=DATE:20261202', 'SUMMARY:EHR migration'),
      ...event('UID:2', 'DTSTART;VALUE=DATE:20260601', 'SUMMARY:No DTEND: one day'),
      ...event('UID:3', 'DTSTART:20261203T200000Z', 'DTEND:20261203T220000Z', 'SUMMARY:All-staff (UTC)'),
      ...event('UID:4', 'DTSTART;TZID=Central Standard Time:20260305T090000', 'DTEND;TZID=Central Standard Time:20260305T100000', 'SUMMARY:VTIMEZONE before DST'),
      ...event('UID:5', 'DTSTART;TZID=Central Standard Time:20260310T090000', 'DURATION:PT1H', 'SUMMARY:VTIMEZONE after DST'),
      ...event('UID:6', 'DTSTART;TZID=America/Denver:20260310T090000', 'DTEND;TZID=America/Denver:20260310T093000', 'SUMMARY:IANA TZID without VTIMEZONE'),
      ...event('UID:7', 'DTSTART:20260310T090000', 'DTEND:20260310T100000', 'SUMMARY:Floating'),
      ...event('UID:8', 'DTSTART;VALUE=DATE:20260915', 'DTEND;VALUE=DATE:20260916', 'RRULE:FREQ=YEARLY', 'SUMMARY:Founders day'),
      ...event('UID:9', 'DTSTART;TZID=America/Chicago:20260305T140000', 'DTEND;TZID=America/Chicago:20260305T150000', 'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=America/Chicago:20260319T140000', 'SUMMARY:Staff meeting'),
      ...event('UID:9', 'RECURRENCE-ID;TZID=America/Chicago:20260326T140000', 'DTSTART;TZID=America/Chicago:20260326T160000', 'DTEND;TZID=America/Chicago:20260326T170000', 'SUMMARY:Staff meeting (moved)'),
      ...event('UID:10', 'DTSTART;VALUE=DATE:20260704', 'STATUS:CANCELLED', 'SUMMARY:Cancelled picnic'),
    ),
  );
  const instants = (name: string) => feed.instants.filter((c) => c.name.startsWith(name)).map((c) => `${iso(c.startMs)}..${iso(c.endMs)}`);

  it('all-day events close whole local days, DTEND exclusive, one day without DTEND', () => {
    expect(feed.byDate.get('2026-11-30')).toEqual([{ name: 'EHR migration', start: 0, end: 1440 }]);
    expect(feed.byDate.get('2026-12-01')).toEqual([{ name: 'EHR migration', start: 0, end: 1440 }]);
    expect(feed.byDate.has('2026-12-02')).toBe(false);
    expect(feed.byDate.get('2026-06-01')).toEqual([{ name: 'No DTEND: one day', start: 0, end: 1440 }]);
    expect(feed.byDate.has('2026-06-02')).toBe(false);
    expect(feed.byDate.has('2026-07-04')).toBe(false);
  });

  it.each([
    ['All-staff (UTC)', ['2026-12-03T20:00:00.000Z..2026-12-03T22:00:00.000Z']],
    // The file's own VTIMEZONE, with its DST rules: 09:00 CST, then 09:00 CDT.
    ['VTIMEZONE before DST', ['2026-03-05T15:00:00.000Z..2026-03-05T16:00:00.000Z']],
    ['VTIMEZONE after DST', ['2026-03-10T14:00:00.000Z..2026-03-10T15:00:00.000Z']],
    ['IANA TZID without VTIMEZONE', ['2026-03-10T15:00:00.000Z..2026-03-10T15:30:00.000Z']],
    ['Floating', ['2026-03-10T09:00:00.000Z..2026-03-10T10:00:00.000Z']],
    // Weekly at 14:00 Chicago across spring-forward; 03-19 excluded; 03-26 moved to 16:00.
    [
      'Staff meeting',
      ['2026-03-05T20:00:00.000Z..2026-03-05T21:00:00.000Z', '2026-03-12T19:00:00.000Z..2026-03-12T20:00:00.000Z', '2026-03-26T21:00:00.000Z..2026-03-26T22:00:00.000Z'],
    ],
  ])('timed event %s', (name, expected) => {
    expect(instants(name)).toEqual(expected);
  });

  it('names a moved occurrence by its own summary', () => {
    expect(feed.instants.find((c) => c.startMs === Date.parse('2026-03-26T21:00:00Z'))?.name).toBe('Staff meeting (moved)');
  });

  it('a yearly rule repeats every year up to 2099', () => {
    const dates = [...feed.byDate].filter(([, l]) => l.some((c) => c.name === 'Founders day')).map(([d]) => d);
    expect(dates.slice(0, 3)).toEqual(['2026-09-15', '2027-09-15', '2028-09-15']);
    expect(dates.at(-1)).toBe('2099-09-15');
    expect(dates).toHaveLength(74);
  });

  it('an endless daily rule stops at 5,000 occurrences', () => {
    const daily = icalClosures(ics(...event('UID:d', 'DTSTART;VALUE=DATE:20260101', 'RRULE:FREQ=DAILY', 'SUMMARY:Daily')));
    expect(daily.byDate.size).toBe(5000);
    expect([...daily.byDate.keys()].at(-1)).toBe('2039-09-09');
  });

  it('compileSchedule merges feed days into dated closures and sorts instant closures', () => {
    const s = compileSchedule('f', { weekly: {}, closures: [{ name: 'Early close', date: '2026-12-01', from: '12:00' }] }, ics(...event('UID:b', 'DTSTART:20261203T200000Z', 'DTEND:20261203T210000Z', 'SUMMARY:B'), ...event('UID:a', 'DTSTART:20261201T200000Z', 'DTEND:20261201T210000Z', 'SUMMARY:A'), ...event('UID:c', 'DTSTART;VALUE=DATE:20261201', 'SUMMARY:C')));
    expect(s.closuresByDate.get('2026-12-01')).toEqual([{ name: 'C', start: 0, end: 1440 }, { name: 'Early close', start: 720, end: 1440 }]);
    expect(s.instantClosures.map((c) => c.name)).toEqual(['A', 'B']);
  });

  it.each([
    ['not iCalendar at all', 'hello', /^invalid iCalendar: invalid line/],
    ['empty text', '', /^invalid iCalendar: no BEGIN:VCALENDAR found$/],
    ['a VEVENT alone', 'BEGIN:VEVENT\r\nDTSTART:20261203T200000Z\r\nEND:VEVENT', /^invalid iCalendar: expected a VCALENDAR, found VEVENT$/],
    ['an unterminated calendar', 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261203T200000Z\r\n', /^invalid iCalendar: .*component began but did not end/],
    ['an event without DTSTART', ics(...event('SUMMARY:x')), /^invalid iCalendar: event 'x' has no DTSTART$/],
    ['a broken date-time', ics(...event('SUMMARY:y', 'DTSTART:2026-12-03')), /^invalid iCalendar: event 'y': invalid date-time value/],
    ['an unknown RRULE frequency', ics(...event('SUMMARY:z', 'DTSTART:20261203T200000Z', 'RRULE:FREQ=FORTNIGHTLY')), /^invalid iCalendar: invalid frequency "FORTNIGHTLY"/],
    ['an event ending before it starts', ics(...event('SUMMARY:w', 'DTSTART:20261203T200000Z', 'DTEND:20261203T190000Z')), /^invalid iCalendar: event 'w': it ends before it starts$/],
  ])('a broken feed is a clear error: %s', (_n, text, message) => {
    expect(() => compileSchedule('bad', { weekly: {} }, text)).toThrow(message);
  });
});

describe('long-running recurring closures', () => {
  it('a yearly closure that started in 2019 still closes the clinic in 2026 and 2040', () => {
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//t//EN', 'BEGIN:VEVENT', 'UID:founders@t', 'DTSTART;VALUE=DATE:20190915', 'DTEND;VALUE=DATE:20190916', 'RRULE:FREQ=YEARLY', 'SUMMARY:Founders day', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const s = compileSchedule('f', { weekly: {} }, ics);
    for (const date of ['2019-09-15', '2026-09-15', '2040-09-15']) expect(s.closuresByDate.get(date)?.[0]?.name).toBe('Founders day');
    expect(s.closuresByDate.get('2026-09-16')).toBeUndefined();
  });
});
