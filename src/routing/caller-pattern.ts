/**
 * Caller patterns run on a caller id that comes from outside (the carrier, a SIP header), so they
 * are matched by RE2 (re2js, pure JavaScript): time linear in the caller id whatever the pattern.
 * JavaScript's own RegExp backtracks: `^\+(\d+)+$` against 26 digits and an `x` took 2.7 s.
 * RE2 has no back-references or look-around; a pattern using them is reported, not accepted.
 */
import { RE2JS } from 're2js';

export interface CallerPattern {
  /** True when the pattern matches anywhere in the caller number (like RegExp.test). */
  test(caller: string): boolean;
}

export type CompiledPattern = { readonly ok: true; readonly pattern: CallerPattern } | { readonly ok: false; readonly message: string };

/** Compiles a caller pattern for linear-time matching, or says why it cannot be used. */
export function compileCallerPattern(source: string): CompiledPattern {
  try {
    const re = RE2JS.compile(source);
    return { ok: true, pattern: { test: (caller) => re.test(caller) } };
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, '');
    const hint = /\\[1-9]|\(\?[=!<]/.test(source)
      ? '; back-references (\\1) and look-around ((?=, (?!, (?<=) are not supported: write the alternatives out'
      : '';
    return { ok: false, message: `${why}${hint}` };
  }
}
