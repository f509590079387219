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
