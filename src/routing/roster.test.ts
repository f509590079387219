import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { compileRoster } from '../config/compile-roster.js';
import type { RosterConfig } from '../config/schema.js';
import { escalationOrder, handoffsBetween, onCallAt } from './roster.js';

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
