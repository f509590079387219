import { describe, expect, it } from 'vitest';
import { callerNumber, parseOrigdate } from '../../../src/notify/failsafe-box.js';

describe('what Asterisk reports of a failsafe message', () => {
  it.each([
    ['Tue Nov 24 11:05:03 PM UTC 2026', '2026-11-24T23:05:03.000Z'],
    ['Wed Dec  2 06:30:00 AM UTC 2026', '2026-12-02T06:30:00.000Z'],
    ['Thu Jan  1 12:00:00 AM UTC 2026', '2026-01-01T00:00:00.000Z'],
    ['Thu Jan  1 12:30:09 PM UTC 2026', '2026-01-01T12:30:09.000Z'],
  ])('origdate %s is %s', (date, iso) => {
    expect(new Date(parseOrigdate(date)!).toISOString()).toBe(iso);
  });

  it('an origdate of another shape is not guessed', () => {
    expect(parseOrigdate('2026-11-24 23:05:03')).toBeNull();
  });

  it.each([
    ['"Jane Doe" <+15125550123>', '+15125550123'],
    ['<5125550123>', '5125550123'],
    ['+15125550124', '+15125550124'],
    ['Unknown', ''],
    ['"Anonymous" <anonymous>', ''],
  ])('caller id %s is the number %j', (cid, n) => {
    expect(callerNumber(cid)).toBe(n);
  });
});
