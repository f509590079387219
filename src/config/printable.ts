/**
 * Values from a config are echoed in problems; a value may hold a line break, an ESC that drives
 * the terminal, or a right-to-left override that reorders what is shown. Printed values are made
 * printable on one line and short.
 */

// C0 and C1 controls, DEL, line/paragraph separators, bidirectional overrides and isolates,
// zero-width characters and the byte-order mark.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/** The text with control characters escaped (\n, \r, \t, \e, \xNN, \uNNNN) and cut to `max` characters. */
export function printable(text: string, max = 80): string {
  const escaped = text.replace(UNPRINTABLE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  if (escaped.length <= max) return escaped;
  // Never cut a surrogate pair in half.
  let end = max - 3;
  const last = escaped.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${escaped.slice(0, end)}...`;
}

/** A name list for a message: the first ten, then how many more. */
export function listed(names: readonly string[]): string {
  return names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}
