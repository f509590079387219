/** Caller patterns are matched by RE2: linear time, no back-references or look-around. */
import { describe, expect, it } from 'vitest';
import { compileCallerPattern } from '../../../src/routing/caller-pattern.js';

const matches = (pattern: string, caller: string) => {
  const c = compileCallerPattern(pattern);
  if (!c.ok) throw new Error(c.message);
  return c.pattern.test(caller);
};

describe('caller patterns', () => {
  it.each([
    ['^\\+1512', '+15125550123', true],
    ['^\\+1512', '+17135550123', false],
    ['555(01|02)\\d\\d$', '+15125550123', true],
    ['^\\+(\\d+)+$', '+15125550123', true],
    ['^\\+(\\d+)+$', `+${'1'.repeat(26)}x`, false],
  ])('%s against %s is %s, as a JavaScript RegExp would say', (pattern, caller, expected) => {
    expect(matches(pattern, caller)).toBe(expected);
    expect(new RegExp(pattern).test(caller.length < 20 ? caller : '')).toBe(caller.length < 20 ? expected : false);
  });

  it('a nested quantifier against a long hostile caller id is answered (RE2 does not backtrack)', () => {
    // A backtracking engine needs about 2^60 steps here; RE2 reads the 62 characters once.
    expect(matches('^\\+(\\d+)+$', `+${'1'.repeat(60)}x`)).toBe(false);
    expect(matches('^(\\d|\\d)*$', `${'1'.repeat(60)}x`)).toBe(false);
  });

  it.each([
    ['(\\d)\\1', 'invalid escape sequence: `\\1`; back-references (\\1) and look-around ((?=, (?!, (?<=) are not supported: write the alternatives out'],
    ['^(?=\\+1)', 'invalid or unsupported Perl syntax: `(?=`; back-references (\\1) and look-around ((?=, (?!, (?<=) are not supported: write the alternatives out'],
    ['^(+1', 'missing argument to repetition operator: `+`'],
  ])('%s is refused with a reason', (pattern, message) => {
    expect(compileCallerPattern(pattern)).toEqual({ ok: false, message });
  });
});
