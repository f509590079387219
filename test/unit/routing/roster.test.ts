import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { compileRoster } from '../../../src/config/compile-roster.js';
import type { RosterConfig } from '../../../src/config/schema.js';
import { escalationOrder, handoffsBetween, onCallAt } from '../../../src/routing/roster.js';

const CHI = 'America/Chicago';
const t = (iso: string) => DateTime.fromISO(iso, { zone: CHI }).toMillis();
const local = (ms: number) => DateTime.fromMillis(ms, { zone: CHI }).toFormat('ccc yyyy-LL-dd HH:mm');

const members: RosterConfig['members'] = {
  chen: { name: 'Dr. Chen', number: '+15125550199' },
  patel: { name: 'Nurse Patel', number: '+15125550198', ringTime: 40 },
  okafor: { name: 'Dr. Okafor', number: '+15125550197' },
};
const weekly = compileRoster(
  'w',
  {
    site: 'riverside',
    members,
    rotation: { every: 'week', handoff: 'mon 08:00', order: ['chen', 'patel', 'okafor'], start: '2026-01-05' },
    overrides: [{ member: 'chen', from: '2026-12-24T12:00', to: '2026-12-26T08:00' }],
    ringTime: 20,
    final: [{ hangup: true }],
  },
  CHI,
);
const daily = compileRoster(
  'd',
  { site: 'riverside', members, rotation: { every: 'day', handoff: '07:00', order: ['chen', 'patel'], start: '2026-03-01' }, escalation: ['on-call', 'next', 'okafor', 'chen'], final: [{ hangup: true }] },
  CHI,
);

describe('on-call rotation', () => {
  it.each([
    ['2026-01-05T08:00', 'chen'],
    ['2026-01-12T07:59', 'chen'],
    ['2026-01-12T08:00', 'patel'],
    ['2026-01-19T08:00', 'okafor'],
    ['2026-01-26T08:00', 'chen'],
    // 46 weeks after the start: 46 mod 3 = 1.
    ['2026-11-23T10:00', 'patel'],
    ['2026-11-30T08:00', 'okafor'],
  ])('weekly, handoff Monday 08:00: %s -> %s', (iso, member) => {
    expect(onCallAt(weekly, t(iso))).toMatchObject({ member, via: 'rotation' });
  });

  it('the handoff stays at 08:00 local across the DST change', () => {
    // 2026-03-08 is spring-forward; the week of 2026-03-09 starts at 08:00 CDT = 13:00 UTC.
    const p = onCallAt(weekly, t('2026-03-10T12:00'));
    expect(local(p.since)).toBe('Mon 2026-03-09 08:00');
    expect(new Date(p.since).toISOString()).toBe('2026-03-09T13:00:00.000Z');
    expect(local(p.until)).toBe('Mon 2026-03-16 08:00');
    const d = onCallAt(daily, t('2026-03-08T12:00'));
    expect(local(d.since)).toBe('Sun 2026-03-08 07:00');
    expect(d.until - d.since).toBe(24 * 3600_000);
    const before = onCallAt(daily, t('2026-03-08T06:00'));
    expect(before.until - before.since).toBe(23 * 3600_000);
  });

  it('daily rotation alternates at 07:00', () => {
    expect(onCallAt(daily, t('2026-03-01T07:00')).member).toBe('chen');
    expect(onCallAt(daily, t('2026-03-02T06:59')).member).toBe('chen');
    expect(onCallAt(daily, t('2026-03-02T07:00')).member).toBe('patel');
    expect(onCallAt(daily, t('2026-03-03T07:00')).member).toBe('chen');
  });

  it('a dated override wins, then the rotation resumes', () => {
    expect(onCallAt(weekly, t('2026-12-24T11:59')).member).toBe('okafor');
    expect(onCallAt(weekly, t('2026-12-24T12:00'))).toMatchObject({ member: 'chen', via: 'override' });
    expect(onCallAt(weekly, t('2026-12-26T08:00'))).toMatchObject({ member: 'okafor', via: 'rotation' });
  });
});

describe('escalation order', () => {
  it('default: the on-call member, then the rest of the rotation, nobody twice', () => {
    expect(escalationOrder(weekly, t('2026-11-23T10:00')).map((m) => m.id)).toEqual(['patel', 'okafor', 'chen']);
    expect(escalationOrder(weekly, t('2026-11-30T10:00')).map((m) => m.id)).toEqual(['okafor', 'chen', 'patel']);
  });

  it('configured order with on-call and next resolved; ring times from member or roster', () => {
    const order = escalationOrder(daily, t('2026-03-02T09:00'));
    expect(order.map((m) => m.id)).toEqual(['patel', 'chen', 'okafor']);
    expect(escalationOrder(weekly, t('2026-11-23T10:00')).map((m) => m.ringTime)).toEqual([40, 20, 20]);
  });
});

describe('handoffs', () => {
  it('lists every change of who is on call, overrides included', () => {
    const list = handoffsBetween(weekly, t('2026-12-20T00:00'), t('2027-01-05T00:00')).map((h) => `${local(h.at)} ${h.member}`);
    expect(list).toEqual(['Mon 2026-12-21 08:00 okafor', 'Thu 2026-12-24 12:00 chen', 'Sat 2026-12-26 08:00 okafor', 'Mon 2026-12-28 08:00 chen', 'Mon 2027-01-04 08:00 patel']);
  });
});

describe('compiling a roster', () => {
  it.each([
    ['mon 08:00', 'week', 0, 480],
    ['wed 18:30', 'week', 2, 1110],
    ['sun 00:00', 'week', 6, 0],
    ['07:00', 'day', 0, 420],
  ] as const)('handoff %s (%s) -> day %i minute %i', (handoff, every, day, minute) => {
    const r = compileRoster('h', { site: 's', members, rotation: { every, handoff, order: ['chen'], start: '2026-01-01' }, final: [{ hangup: true }] }, CHI);
    expect(r.rotation).toMatchObject({ handoffDay: day, handoffMinute: minute });
  });

  it('fills in defaults: ring time, confirmation, escalation; overrides become instants in the site zone', () => {
    const r = compileRoster('r', { site: 's', members, rotation: { every: 'week', handoff: 'mon 08:00', order: ['chen', 'patel'], start: '2026-01-05' }, overrides: [{ member: 'okafor', from: '2026-07-01T18:00', to: '2026-07-02T08:00' }], final: [{ hangup: true }] }, 'America/Denver');
    expect(r.members.get('chen')?.ringTime).toBe(25);
    expect(r.members.get('patel')?.ringTime).toBe(40);
    expect(r.confirm).toEqual({ required: true, digit: '1', timeout: 10 });
    expect(r.escalation).toEqual(['on-call', 'next', 'next']);
    expect(r.overrides).toEqual([{ member: 'okafor', fromMs: Date.parse('2026-07-02T00:00:00Z'), toMs: Date.parse('2026-07-02T14:00:00Z') }]);
    expect(r.final).toEqual([{ kind: 'hangup' }]);
  });
});

describe('rotation edges', () => {
  it('before the first handoff it is period -1: the last member of the order', () => {
    // Start on a Wednesday: the first Monday-08:00 handoff is 2026-01-12.
    const r = compileRoster('e', { site: 's', members, rotation: { every: 'week', handoff: 'mon 08:00', order: ['chen', 'patel', 'okafor'], start: '2026-01-07' }, final: [{ hangup: true }] }, CHI);
    const before = onCallAt(r, t('2026-01-10T12:00'));
    expect(before.member).toBe('okafor');
    expect(local(before.since)).toBe('Mon 2026-01-05 08:00');
    expect(local(before.until)).toBe('Mon 2026-01-12 08:00');
    expect(onCallAt(r, t('2026-01-12T08:00')).member).toBe('chen');
  });

  it('a week containing fall-back lasts 7 days and an hour, handoff still 08:00 local', () => {
    const p = onCallAt(weekly, t('2026-11-01T12:00'));
    expect(local(p.since)).toBe('Mon 2026-10-26 08:00');
    expect(local(p.until)).toBe('Mon 2026-11-02 08:00');
    expect(p.until - p.since).toBe((7 * 24 + 1) * 3600_000);
    const d = onCallAt(daily, t('2026-11-01T12:00'));
    expect(d.until - d.since).toBe(24 * 3600_000);
    expect(onCallAt(daily, t('2026-11-01T06:00')).until - onCallAt(daily, t('2026-11-01T06:00')).since).toBe(25 * 3600_000);
  });

  it('overlapping overrides: the one that started last wins; run-time overrides beat the config', () => {
    const r = compileRoster(
      'o',
      {
        site: 's',
        members,
        rotation: { every: 'week', handoff: 'mon 08:00', order: ['chen', 'patel'], start: '2026-01-05' },
        overrides: [
          { member: 'okafor', from: '2026-06-01T08:00', to: '2026-06-15T08:00' },
          { member: 'chen', from: '2026-06-05T18:00', to: '2026-06-06T08:00' },
        ],
        final: [{ hangup: true }],
      },
      CHI,
    );
    expect(onCallAt(r, t('2026-06-05T12:00')).member).toBe('okafor');
    expect(onCallAt(r, t('2026-06-05T20:00'))).toMatchObject({ member: 'chen', via: 'override', until: t('2026-06-06T08:00') });
    expect(onCallAt(r, t('2026-06-06T09:00')).member).toBe('okafor');
    const extra = [
      { member: 'patel', fromMs: t('2026-06-05T19:00'), toMs: t('2026-06-05T21:00') },
      { member: 'nobody', fromMs: t('2026-06-05T19:00'), toMs: t('2026-06-05T21:00') },
    ];
    expect(onCallAt(r, t('2026-06-05T20:00'), extra)).toMatchObject({ member: 'patel', via: 'override' });
    expect(onCallAt(r, t('2026-06-05T21:00'), extra).member).toBe('chen');
  });
});

describe('escalation order, more', () => {
  const four = compileRoster(
    'f',
    {
      site: 's',
      members: { ...members, diaz: { name: 'Dr. Diaz', number: '+15125550196' }, evans: { name: 'Dr. Evans', number: '+15125550195' } },
      rotation: { every: 'day', handoff: '08:00', order: ['chen', 'patel', 'okafor', 'diaz'], start: '2026-06-01' },
      overrides: [
        { member: 'evans', from: '2026-06-10T12:00', to: '2026-06-10T14:00' },
        { member: 'okafor', from: '2026-06-11T12:00', to: '2026-06-11T14:00' },
      ],
      final: [{ hangup: true }],
    },
    CHI,
  );
  const ids = (iso: string, extra: Parameters<typeof escalationOrder>[2] = []) => escalationOrder(four, t(iso), extra).map((m) => m.id);

  it.each([
    // 2026-06-02: day 1 -> patel; the rest follow in rotation order, wrapping.
    ['by default the rotation order from the on-call member', '2026-06-02T09:00', ['patel', 'okafor', 'diaz', 'chen']],
    ['before the handoff it is still the previous day’s member', '2026-06-02T07:59', ['chen', 'patel', 'okafor', 'diaz']],
    // 2026-06-10: day 9 -> patel; evans (outside the rotation) covers, then the whole rotation from patel.
    ['an override by someone outside the rotation comes first', '2026-06-10T13:00', ['evans', 'patel', 'okafor', 'diaz', 'chen']],
    // 2026-06-11: day 10 -> okafor by rotation anyway; an override by a rotation member walks on from them.
    ['an override by a rotation member walks on from that member', '2026-06-11T13:00', ['okafor', 'diaz', 'chen', 'patel']],
  ])('%s', (_n, iso, expected) => {
    const list = ids(iso);
    expect(list).toEqual(expected);
    expect(new Set(list).size).toBe(list.length);
  });

  it('a run-time override changes the order too', () => {
    expect(ids('2026-06-02T09:00', [{ member: 'diaz', fromMs: t('2026-06-02T08:00'), toMs: t('2026-06-03T08:00') }])).toEqual(['diaz', 'chen', 'patel', 'okafor']);
  });

  it('explicit ids and repeated next: nobody twice, ids do not move the walk', () => {
    const r = compileRoster('x', { site: 's', members, rotation: { every: 'day', handoff: '08:00', order: ['chen', 'patel', 'okafor'], start: '2026-06-01' }, escalation: ['on-call', 'chen', 'next', 'next', 'on-call', 'patel'], final: [{ hangup: true }] }, CHI);
    // 2026-06-01: chen on call; 'chen' repeats him; next -> patel, next -> okafor; the rest are repeats.
    expect(escalationOrder(r, t('2026-06-01T09:00')).map((m) => m.id)).toEqual(['chen', 'patel', 'okafor']);
    // 2026-06-02: patel on call; chen explicitly second; next -> okafor, next -> chen (already tried).
    expect(escalationOrder(r, t('2026-06-02T09:00')).map((m) => m.id)).toEqual(['patel', 'chen', 'okafor']);
  });
});

describe('handoffs, more', () => {
  it('daily handoffs across spring-forward are at 07:00 local, and run-time overrides count', () => {
    const list = handoffsBetween(daily, t('2026-03-07T00:00'), t('2026-03-10T00:00'), [{ member: 'okafor', fromMs: t('2026-03-08T12:00'), toMs: t('2026-03-08T13:00') }]);
    expect(list.map((h) => `${local(h.at)} ${h.member}`)).toEqual([
      // Day 6 after the 2026-03-01 start: chen; day 7: patel; day 8: chen.
      'Sat 2026-03-07 07:00 chen',
      'Sun 2026-03-08 07:00 patel',
      'Sun 2026-03-08 12:00 okafor',
      'Sun 2026-03-08 13:00 patel',
      'Mon 2026-03-09 07:00 chen',
    ]);
    expect(list[1]!.at - list[0]!.at).toBe(23 * 3600_000);
  });

  it('nothing when nobody changes', () => {
    expect(handoffsBetween(weekly, t('2026-11-24T00:00'), t('2026-11-29T00:00'))).toEqual([]);
  });
});
