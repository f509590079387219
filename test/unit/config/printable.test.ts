/** Values echoed in problems are printable on one line and short. */
import { describe, expect, it } from 'vitest';
import { compileSources } from '../../../src/config/index.js';
import { formatProblem } from '../../../src/config/load.js';
import { printable } from '../../../src/config/printable.js';

describe('printable', () => {
  it.each([
    ['line breaks', 'a\r\nb', 'a\\r\\nb'],
    ['a terminal escape', '\u001b[2J\u001b[31mred', '\\e[2J\\e[31mred'],
    ['other controls and DEL', 'a\u0000b\u0007c\u007f', 'a\\x00b\\x07c\\x7f'],
    ['a right-to-left override and a line separator', 'abc\u202edef\u2028', 'abc\\u202edef\\u2028'],
    ['plain text and accents', 'Clínica São José', 'Clínica São José'],
  ])('escapes %s', (_what, text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it('cuts long values, never in the middle of a surrogate pair', () => {
    expect(printable('x'.repeat(200), 20)).toBe(`${'x'.repeat(17)}...`);
    expect(printable(`${'x'.repeat(16)}😀😀😀`, 20)).toBe(`${'x'.repeat(16)}...`);
  });

  it('a config value with CR/LF or ESC is one printable problem line, and a long one is cut', () => {
    const text = `sites:\n  main:\n    name: Main\n    timezone: "Mars/Olympus\\r\\nx.yaml:1:1 all good\\e[8m"\n    schedule: hours\nschedules:\n  hours:\n    weekly: { mon: ["08:00-17:00"] }\nroutes:\n  inbound:\n    - name: "${'n'.repeat(5000)}"\n      then: [{ hangup: true }]\n    - name: x\n      then: [{ hangup: true }]\n`;
    const lines = compileSources([{ path: '/x.yaml', text }], '/').problems.map(formatProblem);
    expect(lines[0]).toBe("x.yaml:4:15 'Mars/Olympus\\r\\nx.yaml:1:1 all good\\e[8m' is not a known time zone (expected an IANA name such as America/Chicago)");
    for (const line of lines) {
      // eslint-disable-next-line no-control-regex
      expect(line).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(line.length).toBeLessThan(400);
    }
  });
});
