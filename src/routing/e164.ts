/** Caller and dialled numbers (as Asterisk or a caller typing reports them) turned into E.164 where that is unambiguous. */

/**
 * `+15125550100` stays; NANP `5125550100` and `15125550100` become `+15125550100` when the home
 * country is 1; anything else (extensions, withheld numbers) is returned as it came.
 */
export function toE164(raw: string, country = '1'): string {
  const n = raw.trim();
  if (n.startsWith('+')) return n;
  if (!/^[0-9]+$/.test(n)) return n;
  if (country === '1') {
    if (n.length === 10) return `+1${n}`;
    if (n.length === 11 && n.startsWith('1')) return `+${n}`;
  }
  if (n.startsWith('00') && n.length > 8) return `+${n.slice(2)}`;
  return n;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

/**
 * The number as E.164, or null when it is not one: written as the caller's carrier shows it
 * (`+1 (512) 555-0123`, `512-555-0123`, `00 44 ...`), separators dropped, national forms read in
 * the home country (see toE164).
 */
export function e164Number(raw: string, country = '1'): string | null {
  const compact = raw.trim().replace(/[\s().-]/g, '');
  if (compact === '' || !/^\+?[0-9]+$/.test(compact)) return null;
  const n = toE164(compact, country);
  return E164.test(n) ? n : null;
}

/** A number with all but its first four digits (a NANP number: country and area code) and last two hidden: +15125550123 -> +1512•••••23. */
export function maskNumber(number: string): string {
  const m = /^(\+?)([0-9]+)$/.exec(number.trim());
  if (!m) return number;
  const digits = m[2]!;
  const head = digits.slice(0, Math.max(0, Math.min(4, digits.length - 6)));
  const tail = digits.length > 4 ? digits.slice(-2) : '';
  return `${m[1]}${head}${'•'.repeat(digits.length - head.length - tail.length)}${tail}`;
}
